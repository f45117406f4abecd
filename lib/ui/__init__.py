"""Everything that imports Streamlit: the page shell, sign-in glue, forms, charts. Pages in pages/ stay thin over
it.
"""
