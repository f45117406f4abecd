"""Library of the debt-commission workspace: everything except rendering lives here."""
