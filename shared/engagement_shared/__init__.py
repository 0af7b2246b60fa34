"""The engagement model platform's common library.

The only package that knows how Kafka, MongoDB and S3 are spoken to; services import it and
speak in domain terms.
"""
