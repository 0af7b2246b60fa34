"""Event contracts of the platform: envelope, payloads per domain, parsing and schema export."""
