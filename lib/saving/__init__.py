"""What a person typed, on its way to the store: form input read safely and drafts.
"""
