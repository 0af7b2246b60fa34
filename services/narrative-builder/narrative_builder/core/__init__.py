"""Progress rules; no I/O here."""
