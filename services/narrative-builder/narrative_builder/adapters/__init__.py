"""Inbound (events, HTTP) and outbound (MongoDB) adapters."""
