"""Content keys: canonical JSON and the hashes that make every write idempotent.

A key is the sha256 of a canonical JSON text (sorted keys, no spaces, UTF-8), so the same content
gives the same key in any process, on any machine, on any run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from schemas.enums import ChangeKind


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, compact separators, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """sha256 (hex) of the value's canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def message_id_of(kind: ChangeKind, payload: Mapping[str, Any]) -> str:
    """The outbox message id of a change: the same change always gets the same id."""
    return content_hash({"kind": kind.value, "payload": dict(payload)})
