"""E-mail through the district's own SMTP server: the reminders of ``lib.domain.reminders`` (docs/reminders.md)."""
