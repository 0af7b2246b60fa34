"""Interfaces the core needs from the outside world."""
