"""Event subscriber and HTTP routes."""
