"""MongoDB projection store."""
