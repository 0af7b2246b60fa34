"""Interfaces the core will need from storage and the bus."""
