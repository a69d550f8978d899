"""Leases that keep two runs of the same job from overlapping, on SQLite and PostgreSQL alike.

A lease is a row of ``sync_watermarks`` named ``lease:<job>`` whose value is
``<expiry ISO UTC>|<holder>`` (or empty when free). Taking it is one conditional ``UPDATE``: the
database serializes competing takers, so exactly one wins. A lease expires on its own, so a run
that died does not block the next night for ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import or_, update

from civreg.errors import CivregError
from schemas.store import SyncWatermark, utcnow
from store._session import Bind, insert_missing, writing

_TABLE = SyncWatermark.__table__
_FREE = ""


class LeaseHeldError(CivregError):
    """Another run holds the lease; this run must not start."""


def _name(job: str) -> str:
    return f"lease:{job}"


def _value(expires: dt.datetime, holder: str) -> str:
    return f"{expires.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%S')}|{holder}"


def try_acquire(bind: Bind, job: str, holder: str, ttl: dt.timedelta) -> bool:
    """Take the lease of ``job`` for ``holder`` unless someone else holds an unexpired one."""
    now = utcnow()
    name = _name(job)
    with writing(bind) as session:
        insert_missing(
            session, _TABLE, [{"name": name, "value": _FREE, "updated_at": now}], ["name"], "name"
        )
        # ISO timestamps of one fixed format compare correctly as strings.
        now_text = _value(now, "")
        result = session.execute(
            update(_TABLE)
            .where(_TABLE.c.name == name)
            .where(
                or_(
                    _TABLE.c.value == _FREE,
                    _TABLE.c.value < now_text,
                    _TABLE.c.value.endswith(f"|{holder}"),
                )
            )
            .values(value=_value(now + ttl, holder), updated_at=now)
        )
        return result.rowcount == 1


def release(bind: Bind, job: str, holder: str) -> None:
    """Give the lease back (a no-op unless ``holder`` holds it)."""
    with writing(bind) as session:
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.name == _name(job), _TABLE.c.value.endswith(f"|{holder}"))
            .values(value=_FREE, updated_at=utcnow())
        )


@contextmanager
def lease(bind: Bind, job: str, holder: str, ttl: dt.timedelta) -> Iterator[None]:
    """Hold the lease of ``job`` for the block; :class:`LeaseHeldError` if another run has it."""
    if not try_acquire(bind, job, holder, ttl):
        raise LeaseHeldError(
            f"another {job} run is in progress; this one stops without doing anything",
            hint=f"the lease expires by itself after {ttl}",
        )
    try:
        yield
    finally:
        release(bind, job, holder)
