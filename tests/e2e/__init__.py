"""End-to-end tests: a real browser, LibreOffice, several processes or a real external server (run after the default set)."""
