"""Personal names: canonical form, parts, comparison keys, and the doubts a name raises.

A name is family name + middle name(s) + given name ("Nguyễn Thị Hồng Nhung"). Registers
write them in capitals, with stray punctuation, with NFD marks or with the tone on either vowel
of "oa"; the canonical form is NFC, title case, one space, tone on the first vowel of a final
oa/oe/uy. Huỳnh/Hoàng and Vũ/Võ are one family name read two ways, so the family key maps
them together.

>>> parts = normalize_name("NGUYỄN THỊ HỒNG NHUNG").parts
>>> parts.full_name, parts.family, parts.middle, parts.given, parts.folded
('Nguyễn Thị Hồng Nhung', 'Nguyễn', 'Thị Hồng', 'Nhung', 'nguyen thi hong nhung')
>>> surname_equivalence_key("Huỳnh") == surname_equivalence_key("Hoàng")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from unicodedata import is_normalized, normalize

from normalize.issues import Finding, IssueCode
from normalize.lexicon import (
    COMPOUND_FAMILY_NAMES,
    FAMILY_NAMES,
    MIDDLE_NAME_SURNAMES,
    NAME_SYLLABLES,
)
from normalize.syllables import is_valid_word
from normalize.text import fold, nfc, standard_tone_placement, title_case_word

_SURNAME_EQUIVALENTS = {"huynh": "hoang", "vo": "vu"}
_SEPARATORS = re.compile(r"[.,;:\"()\[\]/\\]+")
_NEEDS_CLEANING = re.compile(r"[^\w\s'-]|[\d_]")
_NOT_NAME_CHAR = re.compile(r"[^\w\s'-]|[\d_]")
_MAX_COMPOUND = max(len(n.split()) for n in COMPOUND_FAMILY_NAMES)
_COMPOUND_STARTS = frozenset(n.split()[0] for n in COMPOUND_FAMILY_NAMES)


def _fold_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for syllable in NAME_SYLLABLES:
        index.setdefault(fold(syllable), set()).add(syllable)
    return {key: frozenset(forms) for key, forms in index.items()}


_FOLDED_NAME_SYLLABLES = _fold_index()
_tuple_new = tuple.__new__


class NameParts(NamedTuple):
    """A name split for matching; ``key`` folds it and merges equivalent family names.

    (A named tuple: immutable and quick to make; one is made per distinct name.)
    """

    full_name: str
    family: str
    middle: str
    given: str
    folded: str
    family_key: str

    @property
    def key(self) -> str:
        """Folded name with the family part replaced by its equivalence key."""
        return " ".join(p for p in (self.family_key, fold(self.middle), fold(self.given)) if p)


class NameParse(NamedTuple):
    """The outcome of normalizing one name: its parts (``None`` if unreadable) and doubts."""

    parts: NameParts | None
    findings: tuple[Finding, ...]

    @property
    def value(self) -> str | None:
        return self.parts.full_name if self.parts else None


def surname_equivalence_key(family: str) -> str:
    """Folded family name with Huỳnh -> Hoàng and Võ -> Vũ, syllable by syllable.

    >>> [surname_equivalence_key(s) for s in ("Võ", "VŨ", "Huỳnh")]
    ['vu', 'vu', 'hoang']
    """
    return " ".join(_SURNAME_EQUIVALENTS.get(s, s) for s in fold(family).split())


def _clean(text: str) -> tuple[str, tuple[str, ...]]:
    """NFC, separators to spaces, characters that cannot be in a name dropped (and listed)."""
    text = nfc(text)
    if not _NEEDS_CLEANING.search(text):
        return text, ()
    text = _SEPARATORS.sub(" ", text)
    unexpected = tuple(sorted(set(_NOT_NAME_CHAR.findall(text))))
    return _NOT_NAME_CHAR.sub("", text), unexpected


def _clean_fast(text: str) -> str | None:
    """``_clean(text)[0]`` when ``_clean`` would only apply NFC (most names), else ``None``.

    One regular-expression scan instead of two: every character ``nfc`` drops or straightens
    but U+02BC is one that ``_NEEDS_CLEANING`` finds, and NFC makes none of them.
    """
    # letters and spaces alone need no cleaning: a check ~4x quicker than the scan
    if not text.replace(" ", "").isalpha() and _NEEDS_CLEANING.search(text) is not None:
        return None
    if "\u02bc" in text:
        return None
    if not text.isascii() and not is_normalized("NFC", text):
        return normalize("NFC", text)
    return text


@dataclass(frozen=True, slots=True)
class _Word:
    """One written word of a name, canonical, with what the checks say of it (cached)."""

    canonical: str
    folded: str
    valid: bool
    doubt: str | None  # marks unusual in names, with the usual forms
    lost_marks: bool  # written bare, and names always write it with marks
    family_key: str  # the folded word with Huỳnh -> Hoàng, Võ -> Vũ
    plain: bool  # valid, usual and marked: nothing to say about it


_WORDS: dict[str, _Word] = {}
"""Words by their written form: a register has a few thousand distinct ones."""
_WORDS_LIMIT = 65536


def _word(raw: str) -> _Word:
    known = _WORDS.get(raw)
    if known is not None:
        return known
    canonical = standard_tone_placement(title_case_word(raw))
    lowered = canonical.lower()
    folded = fold(lowered)
    valid = all(is_valid_word(part) for part in canonical.split("-"))
    variants = _FOLDED_NAME_SYLLABLES.get(folded)
    doubt = None
    if valid and variants and lowered not in NAME_SYLLABLES:
        shown = ", ".join(sorted(v.capitalize() for v in variants))
        doubt = f"'{canonical}' is unusual in names (did it mean {shown}?)"
    lost = bool(variants) and lowered.isascii() and lowered not in variants
    family_key = " ".join(_SURNAME_EQUIVALENTS.get(s, s) for s in folded.split())
    if len(_WORDS) >= _WORDS_LIMIT:
        _WORDS.clear()
    plain = valid and doubt is None and not lost
    word = _WORDS[raw] = _Word(canonical, folded, valid, doubt, lost, family_key, plain)
    return word


def clear_words() -> None:
    """Forget the words met so far."""
    _WORDS.clear()


def canonical_name_text(text: str) -> str:
    """NFC, punctuation dropped, single spaces, Vietnamese title case, standard tone placement.

    Idempotent: ``canonical_name_text(canonical_name_text(x)) == canonical_name_text(x)``.

    >>> canonical_name_text("  lê   THỊ  thuý.  ")
    'Lê Thị Thúy'
    """
    return read_name(text)[0] or ""


def split_name(full_name: str) -> tuple[str, str, str]:
    """Family, middle and given parts of a canonical name.

    The family name is the first syllable, or a known compound ("Tôn Nữ"), or two family
    names when a name of four syllables or more starts with two of them ("Nguyễn Trần Minh
    Anh") and the second is not usually a middle name.

    >>> split_name("Tôn Nữ Thu Hà"), split_name("Nguyễn Trần Minh Anh"), split_name("Lê Na")
    (('Tôn Nữ', 'Thu', 'Hà'), ('Nguyễn Trần', 'Minh', 'Anh'), ('Lê', '', 'Na'))
    """
    syllables = full_name.split()
    if not syllables:
        return "", "", ""
    if len(syllables) == 1:
        return "", "", syllables[0]
    family_length = _family_length(syllables)
    family = " ".join(syllables[:family_length])
    middle = " ".join(syllables[family_length:-1])
    return family, middle, syllables[-1]


def _family_length(syllables: list[str]) -> int:
    """Syllables of the family name of a name of two syllables or more (see split_name)."""
    count = len(syllables)
    if count == 2:
        return 1  # "Lê Na": no compound is shorter than two syllables
    if syllables[0] in _COMPOUND_STARTS:
        for length in range(min(_MAX_COMPOUND, count - 1), 1, -1):
            if " ".join(syllables[:length]) in COMPOUND_FAMILY_NAMES:
                return length
    if (
        count >= 4
        and syllables[0] in FAMILY_NAMES
        and syllables[1] in FAMILY_NAMES
        and syllables[1] not in MIDDLE_NAME_SURNAMES
    ):
        return 2
    return 1


_NO_MIDDLE_NAME = Finding.of(IssueCode.NAME_NO_MIDDLE_NAME, "no middle name (was one dropped?)")
_NO_DIACRITICS = Finding.of(
    IssueCode.NAME_MISSING_DIACRITICS,
    "written without diacritics; compared on the folded name only",
)


def _words_of(text: str, findings: list[Finding]) -> tuple[list[_Word], list[str]] | None:
    """The words of a name and their canonical forms, with the doubts about its characters and
    syllables added to ``findings``; ``None`` when there is no name in ``text``."""
    cleaned = _clean_fast(text)
    if cleaned is None:
        cleaned, unexpected = _clean(text)
        if unexpected:
            findings.append(
                Finding.of(
                    IssueCode.NAME_UNEXPECTED_CHARACTERS,
                    f"characters {' '.join(unexpected)} cannot be in a name; dropped",
                )
            )
    written = cleaned.split()
    if not written:
        if text.strip():
            findings.append(Finding.of(IssueCode.NAME_UNREADABLE, f"no name in {text!r}"))
        return None
    if written[0][0] in "-'" or written[-1][-1] in "-'":
        written = " ".join(written).strip(" -'").split()
        if not written:
            findings.append(Finding.of(IssueCode.NAME_UNREADABLE, f"no name in {text!r}"))
            return None
    # One pass over the words (each looked up once): what most names need and nothing more.
    known = _WORDS.get
    words = []
    syllables = []
    plain = True
    for raw in written:
        word = known(raw) or _word(raw)
        words.append(word)
        syllables.append(word.canonical)
        if not word.plain:
            plain = False
    if not plain:  # most names have nothing to doubt
        invalid = [w.canonical for w in words if not w.valid]
        if invalid:
            findings.append(
                Finding.of(
                    IssueCode.NAME_INVALID_SYLLABLE,
                    f"not Vietnamese syllables (OCR damage?): {', '.join(invalid)}",
                )
            )
        if len(words) >= 2 and any(w.lost_marks for w in words) and cleaned.isascii():
            findings.append(_NO_DIACRITICS)
        else:
            doubts = [w.doubt for w in words if w.doubt]
            if doubts:
                findings.append(Finding.of(IssueCode.NAME_UNUSUAL_DIACRITICS, "; ".join(doubts)))
    if len(words) == 2:
        findings.append(_NO_MIDDLE_NAME)
    return words, syllables


def read_name(text: str) -> tuple[str | None, tuple[Finding, ...]]:
    """The canonical name and every doubt about it, as :func:`normalize_name` gives them,
    without the parts: what a record keeps of a name (the parts are for matching).

    >>> read_name("NGUYỄN THỊ HỒNG NHUNG")
    ('Nguyễn Thị Hồng Nhung', ())
    >>> read_name("(((")[0] is None
    True
    """
    findings: list[Finding] = []
    read = _words_of(text, findings)
    if read is None:
        return None, tuple(findings)
    return " ".join(read[1]), tuple(findings)


def normalize_name(text: str) -> NameParse:
    """Canonical name, its parts, and every doubt about it.

    Doubts: characters that cannot be in a name, syllables impossible in Vietnamese (often OCR
    damage), a name written without any diacritics, a syllable whose marks are unusual in
    names, a name without a middle name (often a dropped one).

    >>> [f.code.value for f in normalize_name("Nguyen Van Nam").findings]
    ['name.invalid_syllable', 'name.missing_diacritics']
    >>> [f.code.value for f in normalize_name("Trần Thị Hông").findings]
    ['name.unusual_diacritics']
    >>> normalize_name("  ").parts is None
    True
    """
    findings: list[Finding] = []
    read = _words_of(text, findings)
    if read is None:
        return _tuple_new(NameParse, (None, tuple(findings)))
    words, syllables = read
    count = len(words)
    full_name = " ".join(syllables)
    if count == 1:
        parts = _tuple_new(NameParts, (full_name, "", "", full_name, words[0].folded, ""))
    else:
        # "Lê Na": no compound is shorter than two syllables
        family_length = 1 if count == 2 else _family_length(syllables)
        if family_length == 1:
            first = words[0]
            family, family_key = first.canonical, first.family_key
        else:
            family = " ".join(syllables[:family_length])
            family_key = " ".join([w.family_key for w in words[:family_length]])
        parts = _tuple_new(
            NameParts,
            (
                full_name,
                family,
                " ".join(syllables[family_length:-1]),
                syllables[-1],
                " ".join([w.folded for w in words]),
                family_key,
            ),
        )
    return _tuple_new(NameParse, (parts, tuple(findings)))
