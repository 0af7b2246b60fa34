"""Which storage failures make a whole request worth retrying."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError, OperationFailure

from engagement_shared.mongo.unit_of_work import is_transient


def test_write_conflicts_are_transient() -> None:
    """Concurrent offline uploads collide; those requests should be retried, not failed."""
    assert is_transient(OperationFailure("WriteConflict", code=112))
    labelled = OperationFailure("x", code=251, details={"errorLabels": ["TransientTransactionError"]})
    assert is_transient(labelled)
    assert is_transient(OperationFailure("WT_ROLLBACK: conflict between concurrent operations", code=1))


def test_other_failures_are_not() -> None:
    """A duplicate key or a bad query is a real error: retrying would only repeat it."""
    assert not is_transient(DuplicateKeyError("E11000 duplicate key", code=11000))
    assert not is_transient(OperationFailure("unknown operator $foo", code=2))
