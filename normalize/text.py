"""Text basics every normalizer stands on: NFC, spacing, diacritic folding, Vietnamese casing.

Scans and PDFs mix NFC and NFD, and OCR leaves stray spaces around punctuation; everything here
is pure and cheap so that the per-field normalizers can call it freely.

>>> fold("Đặng  Thị")
'dang thi'
>>> title_case("NGUYỄN THỊ HỒNG NHUNG")
'Nguyễn Thị Hồng Nhung'
>>> standard_tone_placement("Hoà Thuý")
'Hòa Thúy'
"""

from __future__ import annotations

import re
import unicodedata

# on single-spaced text (a space, not \s+: the regular expression engine tries \s+ at every
# character, ~20 ns each)
_SPACE_BEFORE_PUNCT = re.compile(r" ([,.;:)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[]) ")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_ODD_CHARACTERS = re.compile("[\u200b\u200c\u200d\ufeff\u00ad\u2019\u2018\u02bc`\u00b4]")


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code_point in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        char = chr(code_point)
        base = unicodedata.normalize("NFD", char)[0]
        if base.isascii() and base.isalpha() and base != char:
            table[code_point] = base
    for code_point in range(0x0300, 0x0370):  # combining marks left by NFD input
        table[code_point] = None
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    table[ord("Ð")] = "D"  # Icelandic eth, a common look-alike of Đ in OCR output
    return table


_FOLD_TABLE = _build_fold_table()


def nfc(text: str) -> str:
    """Unicode NFC, with invisible characters removed and curly quotes made straight.

    >>> nfc("Nguye\u0302\u0303n") == "Nguyễn"
    True
    """
    if _ODD_CHARACTERS.search(text):
        text = text.translate(_INVISIBLE).translate(_QUOTES)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def clean_spacing(text: str) -> str:
    """One space between words, none before closing punctuation or after an opening bracket.

    >>> clean_spacing("  Quảng An ,  Tây Hồ ( Hà Nội ) ")
    'Quảng An, Tây Hồ (Hà Nội)'
    """
    text = " ".join(text.split())
    if "(" in text or "[" in text:
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    if " " in text and _SPACE_BEFORE_PUNCT.search(text):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text


def clean_text(text: str) -> str:
    """NFC plus spacing: the canonical form of any free text read from a register."""
    return clean_spacing(nfc(text))


def fold(text: str) -> str:
    """Lower case without diacritics (``đ`` -> ``d``), single-spaced: a comparison key.

    >>> fold("Đặng Thị")
    'dang thi'
    >>> fold("HUỲNH")
    'huynh'
    """
    if text.isascii():  # nothing to translate: the table maps no ASCII character
        return " ".join(text.lower().split())
    # word by remembered word: ``str.translate`` looks each character up in the table
    # (~0.2 us a character), and registers are written with a few thousand distinct words
    known = _FOLDED_WORDS.get
    folded = [known(word) or _fold_word(word) for word in text.split()]
    return " ".join([word for word in folded if word] if "" in folded else folded)


_FOLDED_WORDS: dict[str, str] = {}
_FOLDED_WORDS_LIMIT = 65536


def _fold_word(word: str) -> str:
    """One whitespace-free word folded (``""`` when it is all combining marks), remembered."""
    if len(_FOLDED_WORDS) >= _FOLDED_WORDS_LIMIT:
        _FOLDED_WORDS.clear()
    folded = _FOLDED_WORDS[word] = word.translate(_FOLD_TABLE).lower()
    return folded


def has_diacritics(text: str) -> bool:
    """Whether any letter of ``text`` carries a Vietnamese mark (or is ``đ``).

    >>> has_diacritics("Nguyen Van A"), has_diacritics("Lê")
    (False, True)
    """
    return not text.isascii() and text.translate(_FOLD_TABLE) != text


def _title_segment(segment: str) -> str:
    if not segment:
        return segment
    first, rest = segment[0].title(), segment[1:].lower()
    if len(first) != 1:  # "ß" -> "Ss", "ὐ" -> two characters: leave such letters alone
        first = segment[0]
    if len(rest) != len(segment) - 1:
        rest = "".join(c.lower() if len(c.lower()) == 1 else c for c in segment[1:])
    return first + rest


def title_case_word(word: str) -> str:
    """Capitalize one word; hyphen and apostrophe parts each get a capital (``H'Mông``).

    >>> title_case_word("bru-vân"), title_case_word("h'mông")
    ('Bru-Vân', "H'Mông")
    """
    if "-" in word or "'" in word:
        parts = re.split(r"([-'])", word)
        return "".join(_title_segment(p) for p in parts)
    return _title_segment(word)


def title_case(text: str) -> str:
    """Vietnamese-aware title case of a name: each syllable capitalized, the rest lower.

    Python's own casing maps every Vietnamese letter correctly (``Ỹ`` <-> ``ỹ``); what this adds
    is one rule for hyphen and apostrophe parts, and idempotence.

    >>> title_case("nguyễn thị hồng NHUNG")
    'Nguyễn Thị Hồng Nhung'
    >>> title_case(title_case("ĐẶNG văn Ý")) == title_case("ĐẶNG văn Ý")
    True
    """
    return " ".join(title_case_word(w) for w in text.split())


# Tone mark on the first vowel of a final "oa", "oe", "uy" (the form of most registers and of
# the administrative unit lists): "hoà" -> "hòa", "thuý" -> "thúy". Not after "q" ("quý").
_TONED = {
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
}
_TONE_ON_FIRST = {"o": "òóỏõọ", "u": "ùúủũụ"}


def _tone_moves() -> dict[str, str]:
    moves: dict[str, str] = {}
    for glide, second_vowels in (("o", "ae"), ("u", "y")):
        for vowel in second_vowels:
            for tone_index, toned in enumerate(_TONED[vowel]):
                moved = _TONE_ON_FIRST[glide][tone_index] + vowel
                for source, target in (
                    (glide + toned, moved),
                    (glide.upper() + toned.upper(), moved.upper()),
                    (glide.upper() + toned, moved[0].upper() + moved[1:]),
                ):
                    moves[source] = target
    return moves


_TONE_MOVES = _tone_moves()
_TONE_PATTERN = re.compile(
    r"(?<![qQ])(" + "|".join(sorted(_TONE_MOVES, key=len, reverse=True)) + r")(?![^\W\d_])"
)


def standard_tone_placement(text: str) -> str:
    """Put the tone of a final ``oa``/``oe``/``uy`` on its first vowel (``Hoà`` -> ``Hòa``).

    Both placements are in use; one canonical form lets equal names compare equal.

    >>> standard_tone_placement("Khoẻ, Quý, Hoàn, Uỷ")
    'Khỏe, Quý, Hoàn, Ủy'
    """
    if text.isascii():
        return text
    return _TONE_PATTERN.sub(lambda m: _TONE_MOVES[m.group(1)], text)
