"""observation-ingest: the system of record for the trust directory and observations.

Apps and staff post here; every change is stored with its event in one transaction and the
outbox relay publishes it for the other services.
"""
