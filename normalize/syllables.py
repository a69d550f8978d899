"""Is this a possible Vietnamese syllable? A rule-based checker from the phonotactics.

A written syllable is onset + rime + tone. The onset is one of a closed list, the rime (glide,
nucleus, coda) one of about 150, and spelling ties them together: ``k``/``gh``/``ngh`` only
before front vowels (i, e, ê), ``c``/``g``/``ng`` never before them, ``qu`` carries its own
glide, labials (b, m, ph, v) take no glide. A rime ending in a stop (p, t, c, ch) takes only the
sắc or nặng tone. Syllables outside these rules are almost always OCR damage (``Nguyen`` without
its ê, ``ưung``, ``Thj``); a short exception list keeps loanwords and common minority-language
name parts.

Results are cached: a register has a few thousand distinct syllables.

>>> is_valid_syllable("Nguyễn"), is_valid_syllable("nguyen"), is_valid_syllable("hoá")
(True, False, True)
>>> [is_valid_syllable(s) for s in ("cát", "càt", "ghi", "gha")]
[True, False, True, False]
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Tones: 0 ngang, 1 huyền, 2 sắc, 3 hỏi, 4 ngã, 5 nặng.
_TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_SAC, _NANG = 2, 5

_ONSETS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "r", "s", "t", "v", "x", "",
)  # fmt: skip

_RIMES = frozenset(
    str.split(
        """
    a ai ao au ay ac ach am an ang anh ap at
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e eo ec em en eng ep et
    ê êu êch êm ên ênh êp êt
    i ia iu ich im in inh ip it
    iêc iêm iên iêng iêp iêt iêu
    y yêm yên yêng yêt yêu
    o oi oc om on ong op ot ooc oong
    ô ôi ôc ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua ui uc um un ung up ut
    uôc uôi uôm uôn uông uôt
    ư ưa ưi ưu ưc ưm ưn ưng ưt
    ươc ươi ươm ươn ương ươp ươt ươu
    oa oai oay oac oach oam oan oang oanh oap oat
    oăc oăm oăn oăng oăt
    oe oeo oen oet
    uân uâng uât uây
    uê uêch uênh
    uơ
    uy uya uych uyn uynh uyp uyt uyu uyên uyêt
    """
    )
)

_FRONT = ("i", "e", "ê", "y")
_GLIDED = ("oa", "oă", "oe", "uâ", "uê", "uơ", "uy")
_LABIALS = frozenset({"b", "m", "ph", "v", "p"})
_STOP_CODAS = ("p", "t", "c", "ch")

# Rimes that may follow "qu": the glide is already in the onset.
_AFTER_QU = frozenset(
    {r for r in _RIMES if r[0] in "aăâeêơô"}
    | {r[1:] for r in _RIMES if r.startswith("uy")}
    | {"i", "in", "it", "ich", "inh"}
)

EXCEPTIONS = frozenset(
    {
        # loanwords seen in registers
        "pin", "pa", "pê", "xoong", "boong", "xtiêng", "mnông", "hrê", "brâu", "pù", "péo",
        # common name parts of the Central Highlands languages (Ê Đê, Gia Rai, Ba Na, Mnông)
        "ksor", "kpă", "niê", "êban", "byă", "rcom", "rmah", "mlô",
        "adrơng", "bkrông", "knul", "hđơk", "ayun", "kpor",
        "êya", "rlan", "mdrang", "ktla", "hmok", "hlong",
    }
)  # fmt: skip


def _split_tone(syllable: str) -> tuple[str, int] | None:
    """Lower-case letters without tone (quality marks kept: ă â ê ô ơ ư đ) and the tone."""
    tone = 0
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", syllable.lower()):
        mark = _TONE_MARKS.get(char)
        if mark is not None:
            if tone:
                return None  # two tone marks
            tone = mark
        else:
            letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters)), tone


def _onset_allows(onset: str, rime: str) -> bool:
    front = rime.startswith(_FRONT) or rime.startswith("iê")
    if onset in ("k", "gh", "ngh"):
        return front and not rime.startswith(_GLIDED)
    if onset in ("c", "ng", "g"):
        if front:
            return False
        if onset == "c" and rime.startswith(_GLIDED):
            return False  # written with qu
    if onset in _LABIALS and rime.startswith(_GLIDED):
        return False
    if rime.startswith("yê"):
        return onset == ""
    if rime.startswith("iê"):
        return onset != ""
    return onset != "p"  # native words never start with p; loanwords are exceptions


def _rime_ok(onset: str, rime: str) -> bool:
    if onset == "qu":
        return rime in _AFTER_QU
    if onset == "gi":
        # "gia", "giữ" (gi + a, ư) and "gì", "gìn", "giếng" (the i is the nucleus)
        return (rime in _RIMES and not rime.startswith(("i", "y"))) or ("i" + rime) in _RIMES
    return rime in _RIMES and _onset_allows(onset, rime)


@lru_cache(maxsize=65536)
def is_valid_syllable(syllable: str) -> bool:
    """Whether ``syllable`` (any case, NFC or NFD) can be a Vietnamese syllable.

    >>> [is_valid_syllable(s) for s in ("quý", "giếng", "gì", "khuya", "thuở", "ưung", "Thj")]
    [True, True, True, True, True, False, False]
    """
    lowered = syllable.lower()
    if lowered in EXCEPTIONS:
        return True
    split = _split_tone(lowered)
    if split is None:
        return False
    letters, tone = split
    if not letters or not letters.isalpha():
        return False
    for onset in _ONSETS:
        if not letters.startswith(onset):
            continue
        rime = letters[len(onset) :]
        if not _rime_ok(onset, rime):
            continue
        if rime.endswith(_STOP_CODAS) and tone not in (_SAC, _NANG):
            continue
        return True
    return False


def is_valid_word(word: str) -> bool:
    """A syllable, or a one-letter prefix and a syllable (``H'Mông``, ``K'Ho``).

    >>> is_valid_word("H'Mông"), is_valid_word("X'yz")
    (True, False)
    """
    if "'" in word:  # H'Mông, K'Ho, M'Nông: a one-letter prefix then a syllable
        prefix, _, rest = word.partition("'")
        return len(prefix) == 1 and prefix.isalpha() and is_valid_syllable(rest)
    return is_valid_syllable(word)


def invalid_syllables(text: str) -> list[str]:
    """The words of ``text`` (split on spaces and hyphens) that are not Vietnamese syllables.

    >>> invalid_syllables("Nguyễn Thị Hồng Nhung"), invalid_syllables("Tập ưung H'Mông")
    ([], ['ưung'])
    """
    words = text.replace("-", " ").split()
    return [w for w in words if not is_valid_word(w)]
