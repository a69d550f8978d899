"""The matching decision thresholds in force: an append-only, versioned history set by admins.

Version 0 is the code defaults (:class:`matching.decide.DecisionOptions`); every change an admin
saves is a new version naming who, when, why and the version it replaced, and is audited in the
same transaction. The highest version is in force; nothing is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from civreg.errors import DataValidationError
from matching.decide import STEWARD_KINDS, DecisionOptions
from schemas.enums import DecisionKind
from schemas.store import ThresholdSet, utcnow
from store._session import Bind, reading, writing
from store.audit import AuditEntry, append_audit
from store.matches import latest_decisions

DEFAULT_VERSION = 0
"""The version number of the code defaults, in force until an admin saves a set."""

MAX_REASON_LENGTH = 2000


@dataclass(frozen=True)
class ThresholdVersion:
    """One version of the thresholds: the values, who set them, when, why, after which."""

    version: int
    options: DecisionOptions
    replaces: int | None = None
    actor: str = "system"
    reason: str = "code defaults"
    created_at: dt.datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.version == DEFAULT_VERSION


DEFAULTS = ThresholdVersion(DEFAULT_VERSION, DecisionOptions())


def validate_thresholds(values: DecisionOptions | Mapping[str, Any]) -> DecisionOptions:
    """``values`` as checked thresholds; :class:`DataValidationError` naming each bad field."""
    raw = values.model_dump() if isinstance(values, DecisionOptions) else dict(values)
    try:
        return DecisionOptions.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        raise DataValidationError("thresholds refused: " + "; ".join(problems)) from exc


def _version(row: ThresholdSet) -> ThresholdVersion:
    return ThresholdVersion(
        version=row.version,
        options=DecisionOptions.model_validate(row.options),
        replaces=row.replaces,
        actor=row.actor,
        reason=row.reason,
        created_at=row.created_at,
    )


def thresholds_in_force(bind: Bind) -> ThresholdVersion:
    """The latest saved version, or the code defaults (version 0) when none was saved."""
    with reading(bind) as session:
        row = session.scalars(
            select(ThresholdSet).order_by(ThresholdSet.version.desc()).limit(1)
        ).first()
        return _version(row) if row is not None else DEFAULTS


def current_thresholds(bind: Bind) -> DecisionOptions:
    """The decision thresholds in force (the defaults when none was saved)."""
    return thresholds_in_force(bind).options


def threshold_history(bind: Bind) -> list[ThresholdVersion]:
    """Every saved version, newest first (the code defaults, version 0, are not listed)."""
    with reading(bind) as session:
        rows = session.scalars(select(ThresholdSet).order_by(ThresholdSet.version.desc()))
        return [_version(row) for row in rows]


def set_thresholds(
    bind: Bind, options: DecisionOptions | Mapping[str, Any], actor: str, reason: str
) -> ThresholdVersion:
    """Save ``options`` as the new version in force, audited in the same transaction.

    Refused (:class:`DataValidationError`) when the values are invalid, the reason is empty or
    the values are those already in force (a resubmitted form adds no version).
    """
    checked = validate_thresholds(options)
    reason = reason.strip()
    if not actor.strip():
        raise DataValidationError("thresholds refused: who sets them must be named")
    if not reason:
        raise DataValidationError("thresholds refused: give the reason for the change")
    if len(reason) > MAX_REASON_LENGTH:
        raise DataValidationError(
            f"thresholds refused: the reason has more than {MAX_REASON_LENGTH} characters"
        )
    with writing(bind) as session:
        before = thresholds_in_force(session)
        if checked == before.options:
            raise DataValidationError(
                f"thresholds refused: these values are already in force (version {before.version})"
            )
        latest = session.scalar(select(func.max(ThresholdSet.version)))
        version = (latest or DEFAULT_VERSION) + 1
        row = ThresholdSet(
            version=version,
            options=checked.model_dump(),
            replaces=before.version,
            actor=actor,
            reason=reason,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        append_audit(
            session,
            AuditEntry(
                actor,
                "thresholds.changed",
                "thresholds",
                str(version),
                {
                    "version": version,
                    "replaces": before.version,
                    "old": before.options.model_dump(),
                    "new": checked.model_dump(),
                    "reason": reason,
                },
            ),
        )
        return _version(row)


BANDS = ("auto_linked", "review", "new_person", "steward")
"""What the thresholds sort record parties into, and the parties stewards decided."""


def decision_bands(bind: Bind) -> dict[str, int]:
    """How many record parties sit in each band by the decision in force."""
    counts: Counter[str] = Counter()
    for decision in latest_decisions(bind).values():
        if decision.kind in STEWARD_KINDS:
            counts["steward"] += 1
        elif decision.kind is DecisionKind.AUTO_LINK:
            counts["auto_linked"] += 1
        elif decision.kind is DecisionKind.SEND_TO_REVIEW:
            counts["review"] += 1
        elif decision.kind is DecisionKind.AUTO_NEW_PERSON:
            counts["new_person"] += 1
    return {band: counts[band] for band in BANDS}
