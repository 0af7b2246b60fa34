"""Inbound (HTTP) and outbound (MongoDB) adapters."""
