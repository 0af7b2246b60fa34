"""Domain rules of observation-ingest; no I/O here."""
