"""The population DB's receiving side of the changes the district submits (DOMAIN.md §5).

A submitted change is a :class:`ChangeMessage`: a link between a civil record and a person, a
death (the date of death is set), or a steward's correction of one field. :func:`apply_change`
applies it **once**: the message id is recorded in ``received_changes`` in the same transaction
as the change and its ``person_changes`` entry, so a message sent again (the sender died before
it heard the answer) is only acknowledged again. A change the DB must refuse (unknown person,
invalid payload, a death date that contradicts the one on record) raises
:class:`ChangeRejectedError`; a lost connection or a lock raises
:class:`~civreg.errors.TransientError`.
"""

from __future__ import annotations

import datetime as dt
import logging
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from civreg.db import is_transient
from civreg.errors import DataValidationError, StoreError, TransientError
from civreg.logging import redact
from schemas.enums import ChangeKind, RegisterType, Sex
from schemas.population_db import (
    PersonChange,
    PersonChangeKind,
    PersonRow,
    ReceivedChange,
    name_key,
)
from schemas.records import PersonalIdText
from schemas.store import Party, utcnow
from schemas.values import PartialDate

log = logging.getLogger(__name__)

_PEOPLE = PersonRow.__table__
_CHANGES = PersonChange.__table__
_RECEIVED = ReceivedChange.__table__


class ChangeRejectedError(DataValidationError):
    """The population DB refuses this change for good: retrying the same message cannot help."""


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    personal_id: PersonalIdText
    record_id: str = Field(min_length=1, max_length=64)
    decision_id: int = Field(ge=1, description="The work store decision behind the change.")


class LinkChange(_Change):
    """A civil record (one party of it) belongs to this person."""

    register_type: RegisterType
    party: Party = Party.SUBJECT
    decided_by: Literal["system", "steward"]


class DeathChange(_Change):
    """This person died on this (maybe partial) date, per a linked death record."""

    date_of_death: str

    @field_validator("date_of_death")
    @classmethod
    def _iso(cls, value: str) -> str:
        return PartialDate.parse(value).iso()


class CorrectableField(StrEnum):
    """Fields of a person a steward may propose a correction for."""

    FULL_NAME = "full_name"
    OTHER_NAMES = "other_names"
    DATE_OF_BIRTH = "date_of_birth"
    SEX = "sex"
    PLACE_OF_BIRTH = "place_of_birth"
    HOMETOWN = "hometown"
    ETHNICITY = "ethnicity"
    NATIONALITY = "nationality"
    PERMANENT_RESIDENCE = "permanent_residence"
    FATHER_NAME = "father_name"
    FATHER_ID = "father_id"
    MOTHER_NAME = "mother_name"
    MOTHER_ID = "mother_id"
    SPOUSE_NAME = "spouse_name"
    SPOUSE_ID = "spouse_id"


_ID_FIELDS = {CorrectableField.FATHER_ID, CorrectableField.MOTHER_ID, CorrectableField.SPOUSE_ID}
_SHORT_FIELDS = {CorrectableField.ETHNICITY, CorrectableField.NATIONALITY}
_NAME_FIELDS = {
    CorrectableField.FULL_NAME,
    CorrectableField.OTHER_NAMES,
    CorrectableField.FATHER_NAME,
    CorrectableField.MOTHER_NAME,
    CorrectableField.SPOUSE_NAME,
}


class CorrectionChange(_Change):
    """A steward proposes ``value`` for one field of this person (``None`` clears it)."""

    field: CorrectableField
    value: str | None = Field(max_length=2000)
    reason: str | None = Field(None, max_length=2000)

    @field_validator("value")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    def column_values(self) -> dict[str, Any]:
        """The people columns this correction sets, derived columns included."""
        value = self.value
        where = f"correction of {self.field} for {redact(self.personal_id)}"
        if self.field is CorrectableField.FULL_NAME:
            if value is None:
                raise ChangeRejectedError(f"{where}: a person's name cannot be cleared")
            return {"full_name": value, "name_key": name_key(value)}
        if self.field is CorrectableField.DATE_OF_BIRTH:
            if value is None:
                return {"date_of_birth": None, "birth_year": None}
            try:
                date = PartialDate.parse(value)
            except ValueError as exc:
                raise ChangeRejectedError(f"{where}: {exc}") from exc
            return {"date_of_birth": date.iso(), "birth_year": date.year}
        if self.field is CorrectableField.SEX and value is not None:
            try:
                return {"sex": Sex(value)}
            except ValueError as exc:
                raise ChangeRejectedError(f"{where}: sex is 'M' or 'F', not {value!r}") from exc
        if (
            self.field in _ID_FIELDS
            and value is not None
            and not (len(value) == 12 and value.isdigit())
        ):
            raise ChangeRejectedError(f"{where}: a personal ID has 12 digits")
        limit = 100 if self.field in _SHORT_FIELDS else 255 if self.field in _NAME_FIELDS else None
        if limit is not None and value is not None and len(value) > limit:
            raise ChangeRejectedError(f"{where}: longer than {limit} characters")
        return {self.field.value: value}


PAYLOAD_MODELS: dict[ChangeKind, type[_Change]] = {
    ChangeKind.LINK: LinkChange,
    ChangeKind.DEATH: DeathChange,
    ChangeKind.CORRECTION: CorrectionChange,
}


class ChangeMessage(BaseModel):
    """A change as submitted: its idempotency key, kind and payload."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(min_length=1, max_length=128)
    kind: ChangeKind
    payload: dict[str, Any]


class Acknowledgment(BaseModel):
    """The population DB's answer: applied now (with its change seq) or already applied."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    duplicate: bool = Field(description="The message was applied by an earlier delivery.")
    seq: int | None = Field(None, description="person_changes.seq written (None if duplicate).")
    applied_at: dt.datetime | None


def parse_payload(message: ChangeMessage) -> _Change:
    """The payload as its model; :class:`ChangeRejectedError` names what is wrong."""
    try:
        return PAYLOAD_MODELS[message.kind].model_validate(message.payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'payload'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ChangeRejectedError(
            f"message {message.message_id}: invalid {message.kind} payload ({problems})"
        ) from exc


def _previous(connection: Connection, message_id: str) -> Acknowledgment | None:
    row = connection.execute(
        select(_RECEIVED.c.applied_at).where(_RECEIVED.c.message_id == message_id)
    ).first()
    if row is None:
        return None
    return Acknowledgment(message_id=message_id, duplicate=True, seq=None, applied_at=row[0])


def _person_updates(connection: Connection, change: _Change) -> dict[str, Any]:
    """Check the change against the person's row (locked) and return the columns to set."""
    person = connection.execute(
        select(_PEOPLE.c.personal_id, _PEOPLE.c.date_of_death)
        .where(_PEOPLE.c.personal_id == change.personal_id)
        .with_for_update()
    ).first()
    if person is None:
        raise ChangeRejectedError(
            f"record {change.record_id}: person {redact(change.personal_id)} is not in the "
            "population DB"
        )
    if isinstance(change, DeathChange):
        recorded = person.date_of_death
        if recorded and recorded.startswith(change.date_of_death):
            return {}  # the DB knows the date as precisely or more
        if recorded and not change.date_of_death.startswith(recorded):
            raise ChangeRejectedError(
                f"record {change.record_id}: the population DB already records the death of "
                f"{redact(change.personal_id)} on {recorded}, the register says "
                f"{change.date_of_death}; a steward must resolve it"
            )
        return {"date_of_death": change.date_of_death}
    if isinstance(change, CorrectionChange):
        return change.column_values()
    return {}


def _apply(connection: Connection, message: ChangeMessage, change: _Change) -> Acknowledgment:
    now = utcnow()
    connection.execute(
        insert(_RECEIVED).values(
            message_id=message.message_id,
            kind=message.kind,
            payload=message.payload,
            received_at=now,
            applied_at=now,
        )
    )
    values = _person_updates(connection, change)
    seq = connection.execute(
        insert(_CHANGES)
        .values(
            personal_id=change.personal_id,
            kind=PersonChangeKind(message.kind.value),
            changed_at=now,
        )
        .returning(_CHANGES.c.seq)
    ).scalar_one()
    connection.execute(
        update(_PEOPLE)
        .where(_PEOPLE.c.personal_id == change.personal_id)
        .values(updated_seq=seq, **values)
    )
    return Acknowledgment(message_id=message.message_id, duplicate=False, seq=seq, applied_at=now)


def apply_change(population_engine: Engine, message: ChangeMessage) -> Acknowledgment:
    """Apply a submitted change once, and acknowledge it (again, if it was sent before)."""
    change = parse_payload(message)
    url = population_engine.url.render_as_string(hide_password=True)
    try:
        with population_engine.connect() as connection:
            previous = _previous(connection, message.message_id)
        if previous is not None:
            return previous
        try:
            with population_engine.begin() as connection:
                acknowledgment = _apply(connection, message, change)
        except IntegrityError:
            # Delivered twice at once: the other delivery holds the message id.
            with population_engine.connect() as connection:
                previous = _previous(connection, message.message_id)
            if previous is not None:
                return previous
            raise
    except (IntegrityError, DataError) as exc:
        raise ChangeRejectedError(
            f"message {message.message_id}: the population DB refused the {message.kind} "
            f"({str(exc.orig).strip().splitlines()[0]})"
        ) from exc
    except DBAPIError as exc:
        detail = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        if is_transient(exc):
            raise TransientError(f"population DB {url}: {detail}", hint="safe to retry") from exc
        raise StoreError(f"population DB {url}: {detail}") from exc
    log.debug("applied %s %s as seq %s", message.kind, message.message_id, acknowledgment.seq)
    return acknowledgment
