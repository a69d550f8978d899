"""Enumerations shared by every stage. Values are the stable strings stored and exported."""

from __future__ import annotations

from enum import StrEnum


class RegisterType(StrEnum):
    """The kind of register book (sổ hộ tịch)."""

    BIRTH = "birth"  # Sổ đăng ký khai sinh
    DEATH = "death"  # Sổ đăng ký khai tử
    MARRIAGE = "marriage"  # Sổ đăng ký kết hôn


class Sex(StrEnum):
    """Sex as the population DB writes it."""

    MALE = "M"  # Nam
    FEMALE = "F"  # Nữ


class DatePrecision(StrEnum):
    """How much of a date is known."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class PageShape(StrEnum):
    """The shapes of page the pipeline reads (DOMAIN.md §1)."""

    RULED_TABLE = "ruled_table"
    FORM = "form"
    BORN_DIGITAL = "born_digital"


class MatchStatus(StrEnum):
    """The link status of a record, as exported."""

    AUTO_LINKED = "auto_linked"
    STEWARD_LINKED = "steward_linked"
    NEW_PERSON = "new_person"
    UNMATCHED = "unmatched"
    REJECTED = "rejected"


class DecisionKind(StrEnum):
    """What a decision about an entry says; decisions are append-only, the latest wins."""

    AUTO_LINK = "auto_link"
    SEND_TO_REVIEW = "send_to_review"
    AUTO_NEW_PERSON = "auto_new_person"
    STEWARD_LINK = "steward_link"
    STEWARD_NEW_PERSON = "steward_new_person"
    STEWARD_NOT_IN_DB = "steward_not_in_db"
    STEWARD_REJECT = "steward_reject"
    STEWARD_CORRECT_FIELD = "steward_correct_field"


STEWARD_KINDS = frozenset(
    {
        DecisionKind.STEWARD_LINK,
        DecisionKind.STEWARD_NEW_PERSON,
        DecisionKind.STEWARD_NOT_IN_DB,
        DecisionKind.STEWARD_REJECT,
        DecisionKind.STEWARD_CORRECT_FIELD,
    }
)
"""Decisions a steward made: final for the pipeline, never re-decided by a run."""
LINKING_KINDS = frozenset({DecisionKind.AUTO_LINK, DecisionKind.STEWARD_LINK})
"""Decisions that link a party to a person of the population DB."""


class IssueSeverity(StrEnum):
    """How much a validation issue matters: ``error`` blocks auto-linking."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class BatchStatus(StrEnum):
    """Where a batch stands in the pipeline."""

    RECEIVED = "received"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"


class DocumentStatus(StrEnum):
    """Where one file of a batch stands."""

    PENDING = "pending"
    EXTRACTED = "extracted"
    QUARANTINED = "quarantined"
    SKIPPED_DUPLICATE = "skipped_duplicate"


class QuarantineReason(StrEnum):
    """Why a file could not be read; the detail names the specific fault."""

    EMPTY = "empty"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    ENCRYPTED_PDF = "encrypted_pdf"
    UNSUPPORTED_TYPE = "unsupported_type"
    IMAGE_TOO_LARGE = "image_too_large"
    TOO_MANY_PAGES = "too_many_pages"
    LAYOUT_NOT_UNDERSTOOD = "layout_not_understood"


class OutboxStatus(StrEnum):
    """Delivery state of a message to the population DB."""

    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


class ChangeKind(StrEnum):
    """A change the district submits to the population DB."""

    LINK = "link"  # a civil record belongs to a person
    DEATH = "death"  # a person died on a date
    CORRECTION = "correction"  # a steward proposes a corrected field value
