"""Tables of the population DB mock (DOMAIN.md §5): its own base, metadata and URL.

The district never edits this database directly: the import loads an extract, the adapter in
:mod:`matching` applies submitted changes (``received_changes`` makes a change submitted twice
apply once) and reads back what changed since a watermark (``person_changes``, a monotonic
sequence). ``people.name_key`` and ``people.birth_year`` are what blocking looks people up by.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from schemas.enums import ChangeKind, Sex
from schemas.store import NAMING_CONVENTION, UtcDateTime, str_enum, utcnow

PERSONAL_ID_LENGTH = 12

_SPACES = re.compile(r"\s+")
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def name_key(name: str) -> str:
    """A name folded for lookups: lowercase, no diacritics, đ -> d, single spaces.

    >>> name_key("  NGUYỄN Thị  Hồng Nhung ")
    'nguyen thi hong nhung'
    """
    decomposed = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    return _SPACES.sub(" ", _COMBINING_MARKS.sub("", decomposed)).strip()


class PersonChangeKind(StrEnum):
    """Why a person's row changed: an import, or a change the district submitted."""

    CREATED = "created"
    UPDATED = "updated"
    LINK = ChangeKind.LINK.value
    DEATH = ChangeKind.DEATH.value
    CORRECTION = ChangeKind.CORRECTION.value


class PopulationBase(DeclarativeBase):
    """Declarative base of the population DB mock."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        str: String(255),
    }


class PersonRow(PopulationBase):
    """A person of the national population database (Law on Identification 2023, Art. 9)."""

    __tablename__ = "people"

    personal_id: Mapped[str] = mapped_column(String(PERSONAL_ID_LENGTH), primary_key=True)
    full_name: Mapped[str] = mapped_column(doc="Name at birth.")
    name_key: Mapped[str] = mapped_column(index=True, doc="full_name folded by name_key().")
    other_names: Mapped[str | None]
    date_of_birth: Mapped[str | None] = mapped_column(String(10), doc="ISO, maybe partial.")
    birth_year: Mapped[int | None] = mapped_column(index=True)
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex))
    place_of_birth: Mapped[str | None] = mapped_column(Text)
    place_of_birth_registration: Mapped[str | None] = mapped_column(Text)
    hometown: Mapped[str | None] = mapped_column(Text)
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    religion: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str | None] = mapped_column(String(100))
    old_id_number: Mapped[str | None] = mapped_column(String(12), doc="Old 9-digit CMND.")
    father_name: Mapped[str | None]
    father_id: Mapped[str | None] = mapped_column(String(PERSONAL_ID_LENGTH), index=True)
    father_nationality: Mapped[str | None] = mapped_column(String(100))
    mother_name: Mapped[str | None]
    mother_id: Mapped[str | None] = mapped_column(String(PERSONAL_ID_LENGTH), index=True)
    mother_nationality: Mapped[str | None] = mapped_column(String(100))
    spouse_name: Mapped[str | None]
    spouse_id: Mapped[str | None] = mapped_column(String(PERSONAL_ID_LENGTH), index=True)
    spouse_nationality: Mapped[str | None] = mapped_column(String(100))
    permanent_residence: Mapped[str | None] = mapped_column(Text)
    temporary_residence: Mapped[str | None] = mapped_column(Text)
    current_residence: Mapped[str | None] = mapped_column(Text)
    marital_status: Mapped[str | None] = mapped_column(String(50))
    household_head_id: Mapped[str | None] = mapped_column(String(PERSONAL_ID_LENGTH))
    relationship_to_head: Mapped[str | None] = mapped_column(String(100))
    date_of_death: Mapped[str | None] = mapped_column(String(10), doc="ISO, maybe partial.")
    extra: Mapped[dict[str, Any]] = mapped_column(
        default=dict, doc="Extract columns outside the contract, kept as read."
    )
    updated_seq: Mapped[int] = mapped_column(
        index=True, default=0, doc="person_changes.seq of this row's latest change."
    )


class PersonChange(PopulationBase):
    """One change to a person: the feed read with "changes since seq N"."""

    __tablename__ = "person_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - never reuse a seq

    seq: Mapped[int] = mapped_column(primary_key=True)
    personal_id: Mapped[str] = mapped_column(String(PERSONAL_ID_LENGTH), index=True)
    kind: Mapped[PersonChangeKind] = mapped_column(str_enum(PersonChangeKind))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReceivedChange(PopulationBase):
    """A change submitted by the district, by message id: applied once however often sent."""

    __tablename__ = "received_changes"

    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[dt.datetime | None]
