"""The one ``minio.Minio`` client per store, and the minio details the store must get right.

minio's own client keeps 10 connections; the evidence store uploads up to ~8 parts at once
while downloads stream, so the pool is built here with room for both. Timeouts and retries
match minio's defaults, so behaviour differs from a stock client only in pool size.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import quote

import certifi
import urllib3
from minio import Minio
from minio.datatypes import Upload
from urllib3 import BaseHTTPResponse
from urllib3.util import Retry, Timeout

from engagement_shared.settings import S3Settings

POOL_SIZE = 16
_TIMEOUT_SECONDS = 300


def connection_pool(size: int = POOL_SIZE) -> urllib3.PoolManager:
    """A pool big enough that concurrent part uploads neither queue nor reconnect."""
    return urllib3.PoolManager(
        timeout=Timeout(connect=_TIMEOUT_SECONDS, read=_TIMEOUT_SECONDS),
        maxsize=size,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=Retry(total=5, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


def build_client(settings: S3Settings, http: urllib3.PoolManager) -> Minio:
    """The client over the given pool; the caller keeps the pool so it can close it."""
    return Minio(settings.endpoint, access_key=settings.access_key, secret_key=settings.secret_key.get_secret_value(),
                 secure=settings.secure, http_client=http)


def content_disposition(filename: str) -> str:
    """An ``attachment`` header every browser reads, whatever characters the filename has (RFC 6266).

    Old clients get an ASCII fallback with quotes and backslashes replaced; others read the exact
    name from ``filename*``.
    """
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def list_uploads(client: Minio, bucket: str, prefix: str) -> list[Upload]:
    """Every unfinished multipart upload under the prefix, across pages (blocking).

    Uses minio's private ``_list_multipart_uploads`` (minio is pinned). minio 7.2.20 never fills
    ``next_upload_id_marker`` (it sets a misspelt attribute), so each page starts after the last
    upload of the one before.
    """
    uploads: list[Upload] = []
    key_marker = upload_marker = None
    while True:
        page = client._list_multipart_uploads(bucket, prefix=prefix, key_marker=key_marker, upload_id_marker=upload_marker)
        uploads += page.uploads
        if not page.is_truncated or not page.uploads:
            return uploads
        key_marker, upload_marker = page.uploads[-1].object_name, page.uploads[-1].upload_id


def read_locked(guard: threading.Lock, response: BaseHTTPResponse, size: int) -> bytes:
    """The next chunk of a download; the lock keeps a release from closing it mid-read."""
    with guard:
        return response.read(size)


def release_locked(guard: threading.Lock, response: BaseHTTPResponse, finished: bool) -> None:
    """Give the connection back to the pool once any read in flight has ended.

    A download stopped early is closed first: its unread bytes would spoil the connection.
    """
    with guard:
        if not finished:
            response.close()
        response.release_conn()
