"""MongoDB repositories and the unit of work."""
