"""Foundations with no knowledge of the commission's work: settings files, parsing and formatting of numbers and
dates, the schema of the tabs, frames.
"""
