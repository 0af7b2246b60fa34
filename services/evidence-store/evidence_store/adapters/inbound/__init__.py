"""HTTP routes and event subscribers."""
