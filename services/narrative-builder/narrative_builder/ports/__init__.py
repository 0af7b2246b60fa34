"""Interfaces the core needs from storage."""
