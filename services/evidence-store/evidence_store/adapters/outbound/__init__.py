"""MongoDB, S3 and bus adapters."""
