"""Inbound and outbound adapters."""
