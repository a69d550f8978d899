"""Run leases: one holder at a time, expiry, release (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from store.locks import LeaseHeldError, lease, release, try_acquire

HOUR = dt.timedelta(hours=1)


def test_only_one_holder_at_a_time(store_engine: Engine) -> None:
    assert try_acquire(store_engine, "nightly-sync", "run-a", HOUR)
    assert not try_acquire(store_engine, "nightly-sync", "run-b", HOUR)
    assert try_acquire(store_engine, "other-job", "run-b", HOUR)  # leases are per job
    release(store_engine, "nightly-sync", "run-b")  # not the holder: no effect
    assert not try_acquire(store_engine, "nightly-sync", "run-b", HOUR)
    release(store_engine, "nightly-sync", "run-a")
    assert try_acquire(store_engine, "nightly-sync", "run-b", HOUR)


def test_an_expired_lease_can_be_taken(store_engine: Engine) -> None:
    assert try_acquire(store_engine, "nightly-sync", "dead-run", -dt.timedelta(seconds=1))
    assert try_acquire(store_engine, "nightly-sync", "next-run", HOUR)


def test_lease_context_refuses_a_second_run_and_releases_on_error(store_engine: Engine) -> None:
    with pytest.raises(RuntimeError), lease(store_engine, "nightly-sync", "run-a", HOUR):
        with (
            pytest.raises(LeaseHeldError, match="another nightly-sync run"),
            lease(store_engine, "nightly-sync", "run-b", HOUR),
        ):
            pass
        raise RuntimeError("the run died")
    with lease(store_engine, "nightly-sync", "run-b", HOUR):
        pass
