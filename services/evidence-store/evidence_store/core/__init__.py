"""Domain rules of evidence-store (to come with its issue); no I/O here."""
