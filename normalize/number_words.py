"""Vietnamese number words, both ways, for dates and times written out in full.

Registers write the date of death "in digits and also in words"; older books write whole dates in
words. The reading side works on folded words (no diacritics), so it also reads what OCR or a
hurried clerk left without marks; ``mười`` (ten) and ``mươi`` (times ten) fold alike and are told
apart by position.

>>> words_to_number("một nghìn chín trăm chín mươi lăm".split())
1995
>>> number_to_words(2005)
'hai nghìn không trăm linh năm'
"""

from __future__ import annotations

from normalize.text import fold

DIGIT_WORDS: dict[str, int] = {
    "khong": 0,
    "mot": 1,  # một, and mốt after mươi
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,  # tư: after mươi, and "tháng tư"
    "nam": 5,
    "lam": 5,  # lăm: after mười / mươi
    "nham": 5,  # nhăm, spoken form of lăm
    "sau": 6,
    "bay": 7,  # bảy, bẩy
    "tam": 8,
    "chin": 9,
}
TEN = "muoi"  # mười (10) or mươi (x10)
HUNDRED = "tram"
THOUSAND = frozenset({"nghin", "ngan"})
ZERO_TENS = frozenset({"linh", "le"})  # linh / lẻ: "một trăm linh năm" = 105
NUMBER_WORDS = frozenset({*DIGIT_WORDS, TEN, HUNDRED, *THOUSAND, *ZERO_TENS})

_UNITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def words_to_number(words: list[str]) -> int | None:
    """The number written by ``words`` (any case, with or without diacritics), or ``None``.

    Also reads a year spelled digit by digit ("một chín chín không" = 1990).

    >>> [words_to_number(w.split()) for w in ("mười lăm", "hai mươi mốt", "hai mươi tư")]
    [15, 21, 24]
    >>> words_to_number("hai nghìn lẻ năm".split()), words_to_number("một chín chín không".split())
    (2005, 1990)
    >>> words_to_number(["trăm"]) is None
    True
    """
    folded = [fold(w) for w in words]
    if not folded:
        return None
    if len(folded) == 4 and all(w in DIGIT_WORDS for w in folded):
        return int("".join(str(DIGIT_WORDS[w]) for w in folded))
    total = 0
    section = 0  # the part below a thousand
    pending: int | None = None  # a digit not yet placed
    tens_seen = False
    for word in folded:
        if word in DIGIT_WORDS:
            if pending is not None:
                return None
            pending = DIGIT_WORDS[word]
        elif word == TEN:
            if tens_seen:
                return None
            section += 10 if pending is None else pending * 10
            pending = None
            tens_seen = True
        elif word == HUNDRED:
            if pending is None or section % 1000:
                return None
            section += pending * 100
            pending = None
        elif word in THOUSAND:
            value = section + (pending or 0)
            if value == 0 or total:
                return None
            total = value * 1000
            section, pending, tens_seen = 0, None, False
        elif word in ZERO_TENS:
            if tens_seen:
                return None
            tens_seen = True
        else:
            return None
    return total + section + (pending or 0)


def _below_hundred(n: int, *, after_hundred: bool) -> list[str]:
    tens, unit = divmod(n, 10)
    if tens == 0:
        if unit == 0:
            return []
        return (["linh"] if after_hundred else []) + [_UNITS[unit]]
    words = ["mười"] if tens == 1 else [_UNITS[tens], "mươi"]
    if unit == 1 and tens > 1:
        words.append("mốt")
    elif unit == 4 and tens > 1:
        words.append("tư")
    elif unit == 5:
        words.append("lăm")
    elif unit:
        words.append(_UNITS[unit])
    return words


def number_to_words(n: int) -> str:
    """Write ``0 <= n <= 9999`` in Vietnamese words, the way registers spell years and days.

    >>> [number_to_words(n) for n in (5, 15, 21, 105, 1990)]
    ['năm', 'mười lăm', 'hai mươi mốt', 'một trăm linh năm', 'một nghìn chín trăm chín mươi']
    """
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0-9999")
    if n == 0:
        return _UNITS[0]
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    words: list[str] = []
    if thousands:
        words += [_UNITS[thousands], "nghìn"]
    if hundreds or (thousands and below):
        words += [_UNITS[hundreds], "trăm"]
    words += _below_hundred(below, after_hundred=bool(words))
    return " ".join(words)
