"""Structured logging without personal data, and OpenTelemetry tracing across the bus."""
