"""The object store against the real local S3 server: what the evidence store relies on.

Each test gets a fresh bucket. The store has no plain delete (evidence is only ever erased), so
the tests that need a delete marker or an object's headers reach the store's minio client.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from engagement_shared.infra.local import Endpoints
from engagement_shared.s3 import ObjectStore
from engagement_shared.settings import S3Settings

MIB = 1 << 20


def _store(infra: Endpoints, bucket: str) -> ObjectStore:
    return ObjectStore(S3Settings(endpoint=infra.s3_endpoint, access_key=infra.s3_access_key, secret_key=infra.s3_secret_key, bucket=bucket))


@pytest.fixture
async def store(infra: Endpoints, run_id: str) -> AsyncIterator[ObjectStore]:
    """A versioned, encrypted bucket of this test's own."""
    store = _store(infra, f"t-{run_id}")
    await store.ensure_bucket()
    yield store
    store.close()


async def _read(store: ObjectStore, key: str, chunk_size: int = MIB) -> list[bytes]:
    return [chunk async for chunk in store.stream(key, chunk_size=chunk_size)]


def _connections_in_use(store: ObjectStore) -> int:
    pools = [store._http.pools[key] for key in store._http.pools.keys()]
    return sum(pool.pool.maxsize - pool.pool.qsize() for pool in pools)  # type: ignore[union-attr]


async def test_multipart_upload_streams_back_unchanged(store: ObjectStore) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(123_457)]
    upload_id = await store.start_multipart("e/1/video", "video/mp4")
    etags = await asyncio.gather(*(store.upload_part("e/1/video", upload_id, n, memoryview(data)) for n, data in enumerate(parts, 1)))

    version = await store.complete_multipart("e/1/video", upload_id, list(reversed(list(enumerate(etags, 1)))))

    chunks = await _read(store, "e/1/video", chunk_size=MIB)
    assert b"".join(chunks) == b"".join(parts)
    assert max(map(len, chunks)) <= MIB
    assert version is not None and [v.version_id for v in await store.versions("e/1/")] == [version]
    assert await store.pending_uploads("e/1/") == []


async def test_abort_leaves_no_pending_upload_and_may_be_repeated(store: ObjectStore) -> None:
    upload_id = await store.start_multipart("e/2/file", "application/pdf")
    await store.upload_part("e/2/file", upload_id, 1, os.urandom(5 * MIB))

    await store.abort_multipart("e/2/file", upload_id)
    await store.abort_multipart("e/2/file", upload_id)
    await store.abort_multipart("e/2/file", "no-such-upload")

    assert await store.pending_uploads("e/2/") == []
    assert not await store.exists("e/2/file")


async def test_pending_uploads_lists_an_unfinished_upload_under_its_prefix(store: ObjectStore) -> None:
    upload_id = await store.start_multipart("e/3/file", "application/pdf")
    await store.upload_part("e/3/file", upload_id, 1, b"first part")
    other = await store.start_multipart("x/3/file", "application/pdf")

    pending = await store.pending_uploads("e/3/")

    assert [(p.key, p.upload_id) for p in pending] == [("e/3/file", upload_id)]
    assert pending[0].initiated is not None
    assert {p.upload_id for p in await store.pending_uploads()} >= {upload_id, other}


async def test_presigned_url_downloads_under_the_given_filename(store: ObjectStore) -> None:
    await store.put("e/4/preview", b"%PDF-1.7 preview", "application/octet-stream")

    url = await store.presigned_get("e/4/preview", timedelta(minutes=5), filename='Año 1 "final".pdf', content_type="application/pdf")

    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 preview"
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="A_o 1 _final_.pdf"')
    assert "filename*=UTF-8''A%C3%B1o%201%20%22final%22.pdf" in disposition


async def test_erase_removes_every_version_delete_marker_and_upload(store: ObjectStore) -> None:
    first = await store.put("e/5/photo", b"first", "image/jpeg")
    second = await store.put("e/5/photo", b"second", "image/jpeg")
    await asyncio.to_thread(store._client.remove_object, store.bucket, "e/5/photo")
    await store.start_multipart("e/5/video", "video/mp4")
    await store.put("e/50/kept", b"another pupil", "image/jpeg")
    before = await store.versions("e/5/")
    assert sorted((v.version_id in (first, second), v.is_delete_marker) for v in before) == [(False, True), (True, False), (True, False)]
    assert not await store.exists("e/5/photo")

    removed = await store.erase("e/5/")

    assert removed == 3
    assert await store.versions("e/5/") == []
    assert await store.pending_uploads("e/5/") == []
    assert await store.exists("e/50/kept")
    with pytest.raises(ValueError):
        await store.erase("")


async def test_erase_bypasses_governance_retention(infra: Endpoints, run_id: str) -> None:
    store = _store(infra, f"l-{run_id}")
    await store.ensure_bucket(object_lock=True)
    await store.ensure_bucket(object_lock=True)
    if not await store._has_object_lock():
        pytest.skip("the S3 server does not support object lock")
    version = await store.put("e/6/photo", b"held", "image/jpeg")
    await store.set_retention("e/6/photo", version, datetime.now(UTC) + timedelta(days=1))

    assert await store.erase("e/6/") == 1
    assert await store.versions("e/6/") == []
    store.close()


async def test_objects_report_default_encryption(store: ObjectStore) -> None:
    upload_id = await store.start_multipart("e/7/large", "application/pdf")
    etag = await store.upload_part("e/7/large", upload_id, 1, b"only part")
    await store.complete_multipart("e/7/large", upload_id, [(1, etag)])
    await store.put("e/7/small", b"small", "image/jpeg")

    for key in ("e/7/small", "e/7/large"):
        stat = await asyncio.to_thread(store._client.stat_object, store.bucket, key)
        if stat.metadata.get("x-amz-server-side-encryption") is None:
            pytest.skip("the S3 server does not report server-side encryption on stored objects")
        assert stat.metadata["x-amz-server-side-encryption"] == "AES256"


async def _cancel_after_first_chunk(reader: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    started = asyncio.Event()
    task = asyncio.create_task(reader(started))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_stream_gives_its_connection_back_when_closed_early_or_cancelled_mid_read(store: ObjectStore) -> None:
    await store.put("e/8/big", os.urandom(8 * MIB), "application/octet-stream")
    chunks = store.stream("e/8/big", chunk_size=64 * 1024)
    await anext(chunks)
    await chunks.aclose()  # type: ignore[attr-defined]
    assert _connections_in_use(store) == 0

    async def reader(started: asyncio.Event) -> None:
        async for _ in store.stream("e/8/big", chunk_size=64 * 1024):
            started.set()  # no await here: the cancellation lands inside the stream

    await _cancel_after_first_chunk(reader)
    assert _connections_in_use(store) == 0
    assert len(b"".join(await _read(store, "e/8/big"))) == 8 * MIB


async def test_stream_under_aclosing_gives_its_connection_back_when_the_consumer_is_cancelled(store: ObjectStore) -> None:
    await store.put("e/9/big", os.urandom(8 * MIB), "application/octet-stream")

    async def slow_reader(started: asyncio.Event) -> None:
        async with aclosing(store.stream("e/9/big", chunk_size=64 * 1024)) as chunks:
            async for _ in chunks:
                started.set()
                await asyncio.sleep(0.01)

    await _cancel_after_first_chunk(slow_reader)
    assert _connections_in_use(store) == 0


async def test_spans_name_the_operation_and_never_the_key(store: ObjectStore, spans: InMemorySpanExporter) -> None:
    await store.put("pupil-ada/photo", b"photo", "image/jpeg")
    await _read(store, "pupil-ada/photo")

    finished = [span for span in spans.get_finished_spans() if span.name.startswith("S3.")]
    assert {"S3.PutObject", "S3.GetObject"} <= {span.name for span in finished}
    assert all(span.attributes and span.attributes["aws.s3.bucket"] == store.bucket for span in finished)
    assert not [span for span in finished if "pupil-ada" in repr(dict(span.attributes or {}))]
