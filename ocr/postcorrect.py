"""Lexicon-aware post-correction of OCR output: invalid syllables, doubtful names, digit slips.

Every Vietnamese syllable belongs to a finite set (:mod:`normalize.syllables`), so a word outside
it is damage: Tesseract's ``vie`` model writes "ưung" for "trung", drops or confuses marks on
capitals ("NGUYÊN" for "NGUYỄN") and reads "O" for "0". A damaged word is replaced by the valid
syllable nearest to it under an OCR confusion model (mark changes cost least, then the known
look-alikes such as ``tr``/``ư``, then any one-letter slip), with a head start for syllables of
the lexicons (names by position, place names, register words).

The registers themselves hold slips on purpose-less paper: a clerk's typo or dropped diacritics
are *what is written*, and the text must say so. So only words the recogniser doubted are
touched (confidence below :data:`CORRECT_BELOW`), a field written without any diacritics is left
alone, and a repair must be clearly better than its runner-up. Each change is recorded as
``'before -> after'``.

>>> from ocr.engine import Word
>>> from schemas.values import BBox
>>> box = BBox(x0=0, y0=0, x1=1, y1=1)
>>> fixed = correct_words([Word("Tập", 0.95, box), Word("ưung", 0.41, box)], "notes")
>>> fixed.text, fixed.corrections
('Tập trung', ('ưung -> trung',))
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path

from normalize.ethnicity import ETHNIC_GROUPS
from normalize.lexicon import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, NAME_SYLLABLES
from normalize.nationality import COUNTRIES
from normalize.syllables import is_valid_syllable
from normalize.text import fold
from ocr.engine import FieldKind, Word
from ocr.labels import base_field, field_kind
from schemas.values import BBox

CORRECT_BELOW = 0.85
"""Invalid syllables read with at least this confidence are taken as written."""
NAME_CHECK_BELOW = 0.87
"""Valid name syllables outside the name lexicon are checked against it below this confidence
(Tesseract reads "HUYỀN" as "HUYỂN" with 0.84-0.86)."""
MAX_COST = 1.2
"""Costliest repair accepted (a mark change costs 0.25, a look-alike 0.5, a slip 1.0)."""
MIN_MARGIN = 0.12
"""A repair must cost this much less than the best different alternative (half a mark)."""
MIN_NAME_MARGIN = 0.1
"""The same, between name syllables that differ in their marks only."""
LEXICON_BONUS = 0.35
POSITION_BONUS = 0.25
"""Extra head start of a family name first in a name, a given name last."""

_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_TONE_MARK = {tone: mark for mark, tone in _TONES.items()}
_QUALITY_VARIANTS = {
    "a": "aăâ",
    "ă": "aăâ",
    "â": "aăâ",
    "e": "eê",
    "ê": "eê",
    "o": "oôơ",
    "ô": "oôơ",
    "ơ": "oôơ",
    "u": "uư",
    "ư": "uư",
    "i": "i",
    "y": "y",
    "d": "dđ",
    "đ": "dđ",
}
_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
_LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("ư", "tr"),
    ("u", "tr"),
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("li", "h"),
    ("ri", "n"),
    ("in", "m"),
    ("ii", "u"),
    ("j", "i"),
    ("f", "t"),
    ("l", "i"),
    ("i", "l"),
    ("0", "o"),
    ("1", "l"),
    ("5", "s"),
    ("c", "e"),
    ("e", "c"),
    ("h", "b"),
    ("b", "h"),
    ("n", "u"),
    ("u", "n"),
)
"""Letter groups Tesseract takes for one another, on lower-case text."""
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "Q": "0",
        "D": "0",
        "U": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "!": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
    }
)
_STRAY = "|¦[]{}~`_«»“”„"
"""Characters no register value holds: remains of rulings and speckle read as glyphs."""
_STRAY_CATEGORIES = frozenset({"Lm", "Sk"})
"""Modifier letters and symbols ("ˆ", "˜"): a detached mark read on its own, never a value."""
_EDGE_PUNCT = ",.;:()\"'-–"
_KEPT_LEADING = '("'
_KEPT_TRAILING = ',;)"'
STRAY_BELOW = 0.6
"""A lone letter or dash read with less confidence than this is taken for speckle."""
_DIGITISH = re.compile(r"^[0-9OoQDUlIi|!ZzSsBGbgqT/.\-]+$")

_REGISTER_WORDS = """
    bệnh viện đa khoa phụ sản trung tâm y tế trạm phòng khám nhà hộ sinh tại riêng già yếu
    tim ung thư tai nạn giao thông đột quỵ đăng ký lại quá hạn đã cấp bản sao tổ dân phố thôn
    xóm ấp khu số ngõ ngách hẻm đường phường xã thị trấn quận huyện thành tỉnh việt nam kinh
    ngày tháng năm mùng mồng một hai ba bốn sáu bảy tám chín mười mươi mốt lăm tư trăm nghìn
    ngàn linh lẻ không giờ phút chết sinh nữ nam quốc tịch dân tộc ghi chú người
"""


_REGISTER_PHRASES = (
    "tổ dân phố", "thành phố", "thị trấn", "thị xã", "bệnh viện", "đa khoa", "phụ sản",
    "trung tâm y tế", "trạm y tế", "phòng khám", "nhà hộ sinh", "tại nhà", "nhà riêng",
    "việt nam", "dân tộc", "già yếu", "bệnh tim", "ung thư", "đột quỵ", "tai nạn giao thông",
    "đăng ký lại", "đăng ký quá hạn", "quá hạn", "đã cấp bản sao", "bản sao",
)  # fmt: skip
MAX_PHRASE_WORDS = 4

_DATE_FIELDS = frozenset({"registration_date", "date_of_birth", "date_of_death", "time_of_death"})
_DATE_WORDS_TEXT = """
    ngày tháng năm mùng mồng một mốt hai ba bốn tư lăm sáu bảy tám chín mười mươi trăm nghìn
    ngàn linh lẻ không giờ phút lúc vào
"""
_DATE_WORDS = frozenset(_DATE_WORDS_TEXT.split())
"""Every word of a date or time written out in words: in a date field, a word that spells one
of them but for its marks ("nắm", "tảm", "trắm") is that word."""


@dataclass(frozen=True)
class Corrected:
    """A field's text after correction and the changes made, each ``'before -> after'``."""

    text: str
    corrections: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Token:
    lead: str
    core: str
    trail: str
    confidence: float


def correct_words(words: Sequence[Word], field: str) -> Corrected:
    """The text of a field's words, cleaned of speckle read as marks and with doubtful damaged
    words repaired."""
    kind = field_kind(field)
    changes: list[str] = []
    tokens = [
        token
        for word in words
        for piece in word.text.split()
        if (token := _clean(_token(piece, word.confidence), kind, changes)) is not None
    ]
    tokens = [part for token in tokens for part in _split_joined(token, changes)]
    has_marks = any(not t.core.isascii() for t in tokens)
    for index, token in enumerate(tokens):
        core = token.core
        if core and (token.confidence < NAME_CHECK_BELOW or kind is FieldKind.NUMBER):
            position = _name_position(field, index, len(tokens))
            repaired = _repair(token, kind, position, has_marks)
            if repaired != core:
                changes.append(f"{core} -> {repaired}")
                core = repaired
        tokens[index] = _Token(token.lead, core, token.trail, token.confidence)
    if kind is FieldKind.TEXT and has_marks:
        tokens = _known_phrases(tokens, changes)
    if base_field(field) in _DATE_FIELDS:
        tokens = _date_words(tokens, changes)
    tokens = _joined_dates(tokens, changes)
    tokens = _without_edge_dashes(tokens, changes)
    out = [token.lead + token.core + token.trail for token in tokens]
    return Corrected(" ".join(part for part in out if part), tuple(changes))


def _known_phrases(tokens: list[_Token], changes: list[str]) -> list[_Token]:
    """Runs of words that spell a known place or register phrase but for their marks ("quân
    Tây Hó", "Thành phô") given that phrase's marks: every syllable there is valid, so only
    the phrase tells the misread. Runs do not cross a comma."""
    phrases = _phrase_lexicon()
    fixed = list(tokens)
    index = 0
    while index < len(fixed):
        for length in range(min(MAX_PHRASE_WORDS, len(fixed) - index), 1, -1):
            span = fixed[index : index + length]
            if any("," in t.trail or ";" in t.trail for t in span[:-1]) or not all(
                t.core.isalpha() for t in span
            ):
                continue
            read = " ".join(t.core.lower() for t in span)
            forms = phrases.get(fold(read))
            if not forms:
                continue
            if read in forms:  # read right: nothing inside it is corrected either
                index += length - 1
                break
            best = _decide(
                ((_mark_distance(read, form) * 0.25, form) for form in forms), MIN_MARGIN
            )
            if best is None:
                continue
            for offset, (token, syllable) in enumerate(zip(span, best.split(), strict=True)):
                if token.core.lower() != syllable:
                    after = _same_case(syllable, token.core)
                    changes.append(f"{token.core} -> {after}")
                    fixed[index + offset] = _Token(token.lead, after, token.trail, token.confidence)
            index += length - 1
            break
        index += 1
    return fixed


def _date_words(tokens: list[_Token], changes: list[str]) -> list[_Token]:
    """Words of a date field given the marks of the date word they spell (a closed set)."""
    fixed = list(tokens)
    for index, token in enumerate(tokens):
        word = token.core.lower()
        if not word.isalpha() or word in _DATE_WORDS:
            continue
        key = fold(word)
        best = _decide(
            (_mark_distance(word, form) * 0.25, form) for form in _DATE_WORDS if fold(form) == key
        )
        if best is not None:
            after = _same_case(best, token.core)
            changes.append(f"{token.core} -> {after}")
            fixed[index] = _Token(token.lead, after, token.trail, token.confidence)
    return fixed


def _without_edge_dashes(tokens: list[_Token], changes: list[str]) -> list[_Token]:
    """A lone dash first or last in a field that holds more: a ruling's remains, not writing
    (a dash alone in a cell, "nothing", stays)."""
    kept = list(tokens)
    while len(kept) > 1 and _is_dash(kept[-1]):
        changes.append(f"{_text(kept.pop())} -> (removed)")
    while len(kept) > 1 and _is_dash(kept[0]):
        changes.append(f"{_text(kept.pop(0))} -> (removed)")
    return kept


def _text(token: _Token) -> str:
    return token.lead + token.core + token.trail


def _is_dash(token: _Token) -> bool:
    return bool(_text(token)) and all(ch in "-–—" for ch in _text(token))


def _joined_dates(tokens: list[_Token], changes: list[str]) -> list[_Token]:
    """A written date split by OCR ("18/09/ 1986") joined again."""
    joined: list[_Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and not previous.trail
            and previous.core[-1:] in "/.-"
            and previous.core[:1].isdigit()
            and token.core[:1].isdigit()
            and not token.lead
        ):
            changes.append(f"{previous.core} {token.core} -> {previous.core}{token.core}")
            joined[-1] = _Token(
                previous.lead, previous.core + token.core, token.trail, token.confidence
            )
            continue
        joined.append(token)
    return joined


def _clean(token: _Token, kind: FieldKind, changes: list[str]) -> _Token | None:
    """The token without the marks speckle leaves (stray dots, colons, dashes, lone letters);
    ``None`` when nothing of it is writing."""
    before = token.lead + token.core + token.trail
    core = "".join(
        ch
        for ch in token.core
        if ch not in _STRAY and unicodedata.category(ch) not in _STRAY_CATEGORIES
    )
    lead = "".join(ch for ch in token.lead if ch in _KEPT_LEADING)
    trail = "".join(ch for ch in token.trail if ch in _KEPT_TRAILING)
    if token.trail.startswith(".") and _abbreviation(core):
        trail = "." + trail
    if kind is FieldKind.NAME:
        lead, trail = "", ""
    alnum = any(ch.isalnum() for ch in core)
    keep_dash = before == "-" and kind is FieldKind.TEXT and token.confidence >= STRAY_BELOW
    lone_letter = len(core) == 1 and core.isalpha() and token.confidence < STRAY_BELOW
    if keep_dash:
        return token
    if not alnum or (lone_letter and not _abbreviation(core)):
        changes.append(f"{before} -> (removed)")
        return None
    after = lead + core + trail
    if after != before:
        changes.append(f"{before} -> {after}")
    return _Token(lead, core, trail, token.confidence)


def _split_joined(token: _Token, changes: list[str]) -> list[_Token]:
    """Two words read as one ("HàNội"): split where a capital follows a small letter, when
    both halves are syllables and the whole is not."""
    core = token.core
    if is_valid_syllable(core.lower()) or not core.isalpha():
        return [token]
    for at in range(1, len(core)):
        if core[at].isupper() and core[at - 1].islower():
            left, right = core[:at], core[at:]
            if is_valid_syllable(left.lower()) and is_valid_syllable(right.lower()):
                changes.append(f"{core} -> {left} {right}")
                return [
                    _Token(token.lead, left, "", token.confidence),
                    _Token("", right, token.trail, token.confidence),
                ]
    return [token]


def _abbreviation(core: str) -> bool:
    """P., Q., TP., TDP.: unit abbreviations that keep their dot."""
    return core.isalpha() and core.isupper() and len(core) <= 3


def correct_text(text: str, field: str, confidence: float = 0.0) -> Corrected:
    """:func:`correct_words` on plain text whose every word has ``confidence``."""
    box = BBox(x0=0, y0=0, x1=0, y1=0)
    return correct_words([Word(piece, confidence, box) for piece in text.split()], field)


def _token(text: str, confidence: float) -> _Token:
    text = unicodedata.normalize("NFC", text)
    start, end = 0, len(text)
    while start < end and (text[start] in _EDGE_PUNCT or text[start] in _STRAY):
        start += 1
    while end > start and (text[end - 1] in _EDGE_PUNCT or text[end - 1] in _STRAY):
        end -= 1
    return _Token(text[:start], text[start:end], text[end:], confidence)


def _repair(token: _Token, kind: FieldKind, position: str | None, marks: bool) -> str:
    """The repaired core of a doubtful token (the core itself when nothing is clearly better);
    ``position`` is its place in a name (family, middle, given), ``marks`` whether the field
    carries any diacritics."""
    core, confidence = token.core, token.confidence
    if kind is FieldKind.NUMBER or any(ch.isdigit() for ch in core):
        return _digits(core, whole=kind is FieldKind.NUMBER)
    if len(core) < 2 or "'" in core or not core.isalpha():
        return core
    if core.isupper() and core.isascii() and len(core) <= 3:
        return core  # an abbreviation: TP, TDP, ĐK
    if not marks:
        return core  # written without diacritics: what is written stays
    lowered = core.lower()
    if is_valid_syllable(lowered):
        if position is None or lowered in _position_lexicon(position):
            return core
        best = _best_in_lexicon(lowered, position)
    elif confidence < CORRECT_BELOW:
        best = _best_syllable(lowered, position, kind)
    else:
        return core
    return _same_case(best, core) if best else core


def _digits(core: str, *, whole: bool) -> str:
    """Letters read for digits in a number or a written date ("O5/O3/l990")."""
    if not _DIGITISH.match(core):
        return core
    digits = sum(ch.isdigit() for ch in core)
    if digits == 0 or (not whole and digits < 0.6 * len(core)):
        return core
    if digits < 0.5 * len(core):
        return core
    return core.translate(_DIGIT_LOOKALIKES)


def _name_position(field: str, index: int, count: int) -> str | None:
    if field_kind(field) is not FieldKind.NAME or count < 2:
        return None
    if index == 0:
        return "family"
    return "given" if index == count - 1 else "middle"


@cache
def _position_lexicon(position: str) -> frozenset[str]:
    names = {"family": FAMILY_NAMES, "middle": MIDDLE_NAMES, "given": GIVEN_NAMES}[position]
    return frozenset(name.lower() for name in names)


def _best_in_lexicon(token: str, position: str) -> str | None:
    """A doubtful but valid name syllable replaced by the lexicon's syllable with its letters."""
    lexicon = _position_lexicon(position)
    scored = [
        (_mark_distance(token, candidate) * 0.25, candidate)
        for candidate in _marked_forms(fold(token))
        if candidate in lexicon
    ]
    return _decide(scored, MIN_NAME_MARGIN)


def _best_syllable(token: str, position: str | None, kind: FieldKind) -> str | None:
    scored: list[tuple[float, str]] = []
    for key, cost, reference in _neighbour_keys(token):
        for candidate in _marked_forms(key):
            marks = _mark_distance(reference, candidate) * 0.25
            scored.append((cost + marks - _bonus(candidate, position, kind), candidate))
    return _decide(scored)


def _decide(scored: Iterable[tuple[float, str]], margin: float = MIN_MARGIN) -> str | None:
    best: dict[str, float] = {}
    for cost, candidate in scored:
        best[candidate] = min(cost, best.get(candidate, cost))
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
    winner, cost = ranked[0]
    if cost > MAX_COST:
        return None
    if len(ranked) > 1 and ranked[1][1] - cost < margin:
        return None
    return winner


def _bonus(candidate: str, position: str | None, kind: FieldKind) -> float:
    bonus = 0.0
    if kind is FieldKind.NAME:
        if candidate in NAME_SYLLABLES:
            bonus += LEXICON_BONUS
        if position and candidate in _position_lexicon(position):
            bonus += POSITION_BONUS
    elif candidate in _text_lexicon():
        bonus += LEXICON_BONUS
    return bonus


def _neighbour_keys(token: str) -> list[tuple[str, float, str]]:
    """Folded spellings one confusion away from ``token``: key, cost, and the spelling whose
    marks a candidate is compared with (a look-alike takes the marks of what it replaced)."""
    keys: dict[str, tuple[float, str]] = {fold(token): (0.0, token)}

    def add(text: str, cost: float, reference: str) -> None:
        key = fold(text)
        if key and cost < keys.get(key, (9.0, ""))[0]:
            keys[key] = (cost, reference)

    for wrong, right in _LOOKALIKES:
        start = token.find(wrong)
        while start >= 0:
            rewritten = token[:start] + right + token[start + len(wrong) :]
            add(rewritten, 0.5, rewritten)
            start = token.find(wrong, start + 1)
    base = fold(token)
    if len(base) >= 3:
        for i in range(len(base)):
            add(base[:i] + base[i + 1 :], 1.0, token)
            for letter in _LETTERS:
                if letter != base[i]:
                    add(base[:i] + letter + base[i + 1 :], 1.0, token)
    return [(key, cost, reference) for key, (cost, reference) in keys.items()]


@lru_cache(maxsize=8192)
def _marked_forms(key: str) -> tuple[str, ...]:
    """Every valid syllable whose folded spelling is ``key`` (``nguyen`` -> nguyên, nguyễn...)."""
    if not key.isalpha() or len(key) > 8:
        return ()
    options = [_QUALITY_VARIANTS.get(ch, ch) for ch in key]
    forms: list[str] = []

    def build(index: int, prefix: str) -> None:
        if index == len(options):
            for tone in range(6):
                syllable = _with_tone(prefix, tone)
                if syllable and is_valid_syllable(syllable):
                    forms.append(syllable)
            return
        for letter in options[index]:
            build(index + 1, prefix + letter)

    build(0, "")
    return tuple(dict.fromkeys(forms))


def _with_tone(letters: str, tone: int) -> str | None:
    """``letters`` (no tone) with ``tone`` on the vowel that carries it (old-style placement)."""
    if tone == 0:
        return letters
    start = 0
    if letters.startswith(("gi", "qu")) and len(letters) > 2 and letters[2] in _VOWELS:
        start = 2
    positions = [i for i in range(start, len(letters)) if letters[i] in _VOWELS]
    if not positions:
        return None
    cluster = [positions[0]]
    for i in positions[1:]:
        if i == cluster[-1] + 1:
            cluster.append(i)
    marked = [i for i in cluster if letters[i] in _MARKED_VOWELS]
    if marked:
        at = marked[-1]
    elif cluster[-1] + 1 < len(letters):
        at = cluster[-1]  # a final consonant follows: the last vowel
    elif len(cluster) == 1:
        at = cluster[0]
    else:
        at = cluster[-2]
    vowel = unicodedata.normalize("NFC", letters[at] + _TONE_MARK[tone])
    return letters[:at] + vowel + letters[at + 1 :]


def _letter_marks(letter: str) -> tuple[str, int]:
    """A letter's base with its quality mark (ê, ư, đ...) and its tone (0-5)."""
    decomposed = unicodedata.normalize("NFD", letter)
    tone = next((_TONES[m] for m in decomposed[1:] if m in _TONES), 0)
    base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
    return base, tone


def _tone_distance(a: int, b: int) -> float:
    if a == b:
        return 0.0
    return 0.5 if a and b else 1.0  # a mark misread is likelier than one invented or lost


def _mark_distance(a: str, b: str) -> float:
    """How many marks differ between two spellings: letter by letter when they align, else
    as sets (a tone misread counts half a tone added or lost)."""
    marks_a = [_letter_marks(ch) for ch in a]
    marks_b = [_letter_marks(ch) for ch in b]
    if len(marks_a) == len(marks_b):
        return sum(
            int(base_a != base_b) + _tone_distance(tone_a, tone_b)
            for (base_a, tone_a), (base_b, tone_b) in zip(marks_a, marks_b, strict=True)
        )
    tone_a = next((t for _, t in marks_a if t), 0)
    tone_b = next((t for _, t in marks_b if t), 0)
    qualities_b = [base for base, _ in marks_b if base in _MARKED_VOWELS or base == "đ"]
    unmatched = 0
    for base, _ in marks_a:
        if base in _MARKED_VOWELS or base == "đ":
            if base in qualities_b:
                qualities_b.remove(base)
            else:
                unmatched += 1
    return _tone_distance(tone_a, tone_b) + unmatched + len(qualities_b)


def _same_case(candidate: str, original: str) -> str:
    if original.isupper():
        return candidate.upper()
    if original[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    return candidate


@cache
def _phrase_lexicon() -> dict[str, frozenset[str]]:
    """Folded spelling -> the spellings (lower case) of known phrases of two or more words:
    administrative unit names with and without their unit word, and register phrases."""
    phrases: dict[str, set[str]] = {}
    for name in (*_place_names(), *_REGISTER_PHRASES):
        text = " ".join(unicodedata.normalize("NFC", name).lower().split())
        if 2 <= len(text.split()) <= MAX_PHRASE_WORDS:
            phrases.setdefault(fold(text), set()).add(text)
    return {key: frozenset(forms) for key, forms in phrases.items()}


@cache
def _text_lexicon() -> frozenset[str]:
    """Syllables of place names, register words, ethnic groups, countries and names."""
    words: set[str] = set(_REGISTER_WORDS.split()) | set(NAME_SYLLABLES)
    for name, others in ETHNIC_GROUPS.values():
        words.update(_syllables([name, *others]))
    for name, others in COUNTRIES.items():
        words.update(_syllables([name, *others]))
    words.update(_place_syllables())
    return frozenset(words)


def _syllables(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for piece in re.split(r"[\s\-]+", unicodedata.normalize("NFC", text).lower()):
            if piece.isalpha():
                found.add(piece)
    return found


@cache
def _place_syllables() -> frozenset[str]:
    return frozenset(_syllables(_place_names()))


@cache
def _place_names() -> frozenset[str]:
    """Every province, district and ward name (old and 2025 units), with and without its unit
    word ("Quận Tây Hồ", "Tây Hồ").

    Read from the GSO data shipped with ``vietnamadminunits``; empty when it is not installed
    (corrections then lean on the other lexicons only).
    """
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    names: set[str] = set()
    for file_name in ("parser_legacy.json", "parser_from_2025.json"):
        path = data / file_name
        if path.exists():
            _collect_names(json.loads(path.read_text(encoding="utf-8")), names)
    return frozenset(names)


_UNIT_KEYS = (("province", "provinceShort"), ("district", "districtShort"), ("ward", "wardShort"))
_UNIT_ABBREVIATIONS = {
    "phường": "P",
    "xã": "X",
    "thị trấn": "TT",
    "quận": "Q",
    "huyện": "H",
    "thị xã": "TX",
    "thành phố": "TP",
    "tỉnh": "T",
}


def _collect_names(node: object, names: set[str]) -> None:
    """Unit names with their unit word ("Quận Tây Hồ") and its abbreviation ("Q. Tây Hồ"),
    and bare province and district names of two words or more ("Hà Nội", "Tây Hồ", often
    written without their unit word). A bare ward name, or a one-word name ("Ba"), is too
    often an ordinary word to correct text towards: there are ten thousand wards."""
    if isinstance(node, dict):
        for full_key, short_key in _UNIT_KEYS:
            full, short = node.get(full_key), node.get(short_key)
            if isinstance(full, str) and isinstance(short, str):
                names.add(full)
                unit = full[: len(full) - len(short)].strip().lower()
                if unit in _UNIT_ABBREVIATIONS:
                    names.add(f"{_UNIT_ABBREVIATIONS[unit]} {short}")
                if full_key != "ward" and len(short.split()) >= 2:
                    names.add(short)
        for value in node.values():
            if isinstance(value, dict | list):
                _collect_names(value, names)
    elif isinstance(node, list):
        for item in node:
            _collect_names(item, names)
