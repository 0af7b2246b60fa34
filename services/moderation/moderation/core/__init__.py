"""Domain rules of moderation (to come with its issue); no I/O here."""
