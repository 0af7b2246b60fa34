"""Kafka transport: topic administration, publishing and at-least-once subscribing."""
