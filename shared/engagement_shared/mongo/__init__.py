"""MongoDB access: clients, transactions with a transactional outbox, the relay, idempotency."""
