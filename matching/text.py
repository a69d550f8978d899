"""Name text for matching: parts and keys (from :mod:`normalize`), and an OCR-aware distance.

The OCR-aware distance decomposes every letter into its base letter and its marks (tone,
circumflex, breve, horn, the stroke of đ): a differing mark costs ``mark_cost`` of a differing
letter, because OCR and hurried typing drop and confuse marks far more often than letters, while
a letter change usually means another name ("Hồng" / "Hùng").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from normalize.names import canonical_name_text, split_name, surname_equivalence_key
from normalize.text import fold
from schemas.population_db import name_key

_STROKE = "\u0335"  # stands for the stroke of đ once it is decomposed into d + mark
_EQUIVALENT_FAMILY_FORMS = {"hoang": ("hoang", "huynh"), "vu": ("vu", "vo")}

__all__ = [
    "NameParts",
    "OcrTable",
    "decompose",
    "fold",
    "name_key_variants",
    "name_parts",
    "ocr_name_similarity",
    "ocr_similarity_of_codes",
    "surname_equivalence_key",
]


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name in canonical form (NFC, title case) split into family, middle and given name.

    ``family_key`` folds the family name and merges its equivalent readings (Huỳnh/Hoàng,
    Vũ/Võ); ``key`` is the whole name folded with that family key.
    """

    full: str
    family: str
    middle: str
    given: str
    family_key: str

    @property
    def folded(self) -> str:
        return fold(self.full)

    @property
    def key(self) -> str:
        return " ".join(p for p in (self.family_key, fold(self.middle), fold(self.given)) if p)


@lru_cache(maxsize=65536)
def _canonical_word(word: str) -> str:
    return canonical_name_text(word)


@lru_cache(maxsize=262144)
def name_parts(text: str) -> NameParts | None:
    """Canonical parts of a written name, ``None`` when no name is left after cleaning.

    Canonicalized word by word (cached): a population of a million names shares a few thousand
    distinct words.
    """
    words = [w for w in (_canonical_word(word) for word in text.split()) if w]
    canonical = " ".join(" ".join(words).split())
    if not canonical:
        return None
    family, middle, given = split_name(canonical)
    return NameParts(
        full=canonical,
        family=family,
        middle=middle,
        given=given,
        family_key=surname_equivalence_key(family) if family else "",
    )


def name_key_variants(full_name: str) -> list[str]:
    """Every population-DB ``name_key`` the same person could be stored under.

    The DB's key folds the name as written; a register's Huỳnh may be the DB's Hoàng.
    """
    words = name_key(full_name).split()
    if not words:
        return []
    key = surname_equivalence_key(words[0])
    forms = _EQUIVALENT_FAMILY_FORMS.get(key, (words[0],))
    return [" ".join([form, *words[1:]]) for form in forms]


def decompose(text: str) -> str:
    """Each letter as base letter + combining marks (đ as d + stroke), lowercase."""
    return unicodedata.normalize("NFD", text.lower().replace("đ", "d" + _STROKE))


@dataclass(frozen=True)
class OcrTable:
    """Per distinct value: its folded form, its decomposed form and the folded length."""

    folded: np.ndarray  # object array of str
    decomposed: np.ndarray  # object array of str
    length: np.ndarray  # float32

    @classmethod
    def of(cls, values: Sequence[str]) -> OcrTable:
        folded = [fold(v) for v in values]
        return cls(
            folded=np.asarray(folded, dtype=object),
            decomposed=np.asarray([decompose(v) for v in values], dtype=object),
            length=np.fromiter((len(f) for f in folded), np.float32, len(folded)),
        )


def ocr_similarity_of_codes(
    table: OcrTable,
    left: np.ndarray,
    right: np.ndarray,
    *,
    mark_cost: float = 0.25,
    workers: int = 1,
) -> np.ndarray:
    """:func:`ocr_name_similarity` of the values at codes ``left[i]`` and ``right[i]``."""
    if not len(left):
        return np.zeros(0, dtype=np.float32)
    letters = np.asarray(
        process.cpdist(
            table.folded[left],
            table.folded[right],
            scorer=OSA.distance,
            workers=workers,
            dtype=np.int32,
        ),
        dtype=np.float32,
    )
    marked = np.asarray(
        process.cpdist(
            table.decomposed[left],
            table.decomposed[right],
            scorer=OSA.distance,
            workers=workers,
            dtype=np.int32,
        ),
        dtype=np.float32,
    )
    marks = np.maximum(marked - letters, 0.0)
    lengths = np.maximum(table.length[left], table.length[right])
    cost = letters + mark_cost * marks
    return np.clip(1.0 - cost / np.maximum(lengths, 1.0), 0.0, 1.0).astype(np.float32)


def ocr_name_similarity(
    left: Sequence[str], right: Sequence[str], *, mark_cost: float = 0.25, workers: int = 1
) -> np.ndarray:
    """Element-wise similarity in [0, 1] of two equally long lists of names.

    Cost = letter edits (an adjacent transposition is one) + ``mark_cost`` x mark edits, over
    the longer folded length:
    "Nguyễn Thị Hồng" vs "Nguyen Thi Hong" is close (marks only), "Hồng" vs "Hùng" farther
    (a letter and a mark).
    """
    if len(left) != len(right):
        raise ValueError(f"ocr_name_similarity needs equal lengths, got {len(left)}/{len(right)}")
    table = OcrTable.of([*left, *right])
    codes = np.arange(len(left) + len(right))
    return ocr_similarity_of_codes(
        table, codes[: len(left)], codes[len(left) :], mark_cost=mark_cost, workers=workers
    )
