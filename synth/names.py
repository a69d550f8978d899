"""Vietnamese names and ethnic groups, and how the generator draws them.

Surname shares follow DOMAIN.md §2; the remaining ~10.9% is spread over other real family names.
Middle names are gendered and drift with the birth year (Văn/Thị dominate older generations);
given names are real ones, by sex, with an older and a newer fashion. All text is NFC.
"""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata
from dataclasses import dataclass

from schemas.enums import Sex


def _nfc(words: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w) for w in words.split())


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


SURNAME_SHARES: dict[str, float] = {
    "Nguyễn": 38.4,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.1,
    "Hoàng": 3.9,
    "Huỳnh": 1.2,
    "Phan": 4.5,
    "Vũ": 3.0,
    "Võ": 0.9,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
}
"""Percent shares of DOMAIN.md §2; Huỳnh/Hoàng (5.1) and Vũ/Võ (3.9) split north-heavy."""

_OTHER_SURNAMES_COMMON = _nfc(
    "Đinh Đoàn Trương Trịnh Mai Đào Lương Hà Cao Lâm Tạ Chu Lưu Kiều Quách Triệu Phùng Tô"
)
_OTHER_SURNAMES_RARE = _nfc(
    "Thái Tôn Vương Khúc Nghiêm Kim Lại Lã Mạc Phí Doãn Âu Tăng Nông La Lò Hứa Giang Quan "
    "Hàn Bạch Thân Tống Khổng Khương Cù Đàm Đồng Vi Ninh Từ Lục Thạch Ông Diệp Mẫn Ứng "
    "Tiêu Hoa Nhữ Đậu Lạc Trình Viên Yên Thiều Chử Lò Quản Hoàng"
)
_OTHER_TOTAL = 100.0 - sum(SURNAME_SHARES.values())

SURNAME_VARIANTS: dict[str, str] = {"Hoàng": "Huỳnh", "Huỳnh": "Hoàng", "Vũ": "Võ", "Võ": "Vũ"}
"""Same Hán character, regional readings: equivalent when matching (DOMAIN.md §2)."""


def _surname_table() -> tuple[tuple[str, ...], list[float]]:
    common = [s for s in _OTHER_SURNAMES_COMMON if s not in SURNAME_SHARES]
    rare = [s for s in dict.fromkeys(_OTHER_SURNAMES_RARE) if s not in SURNAME_SHARES]
    rare = [s for s in rare if s not in common]
    # Common "others" get three times the weight of rare ones, together _OTHER_TOTAL.
    unit = _OTHER_TOTAL / (3 * len(common) + len(rare))
    names = tuple(SURNAME_SHARES) + tuple(common) + tuple(rare)
    weights = list(SURNAME_SHARES.values()) + [3 * unit] * len(common) + [unit] * len(rare)
    return names, _cumulative(weights)


SURNAMES, _SURNAME_CUM = _surname_table()


def _shares() -> list[float]:
    """Each surname's share in [0, 1], in the order of ``SURNAMES``."""
    previous = [0.0, *_SURNAME_CUM[:-1]]
    return [(c - p) / _SURNAME_CUM[-1] for c, p in zip(_SURNAME_CUM, previous, strict=True)]


MIDDLE_NAMES_MALE = _nfc(
    "Đức Minh Hữu Quang Thanh Công Xuân Mạnh Đình Ngọc Trọng Quốc Gia Duy Tiến Anh Hoàng "
    "Văn Bảo Trung Thế Việt Huy Khắc Hồng Thành Nhật Phúc Hải Kim Chí Sỹ"
)
MIDDLE_NAMES_FEMALE = _nfc(
    "Ngọc Thu Hồng Thanh Minh Phương Thùy Kim Bích Khánh Mai Hải Diệu Bảo Lan Thảo Hoài "
    "Thúy Quỳnh Mỹ Tuyết Ánh Hà Vân Hương Cẩm Tú Linh Yến Huyền Như Xuân Thủy"
)

_GIVEN_MALE_OLD = _nfc(
    "Bảo Bình Cảnh Chiến Chính Cường Dần Doanh Dũng Đạo Định Đông Được Giáp Hải Hạnh Hiển "
    "Hòa Học Hợi Hùng Kha Khải Khiêm Kỳ Lạc Lâm Lân Lập Lịch Lộc Lợi Luyện Lực Mão Mậu "
    "Nghĩa Nhâm Ninh Phong Phú Phúc Quế Quý Sáng Sinh Sửu Tài Tân Thân Thìn Thịnh Thọ "
    "Thông Thuận Thưởng Tiến Tịnh Toản Tuất Tý Uy Vinh Xuân Yên Cảnh Chung Cương Hảo"
)
_GIVEN_MALE_COMMON = _nfc(
    "An Anh Bách Cường Công Dũng Duy Dương Đạt Đức Giang Hà Hải Hào Hậu Hiếu Hiệp Hoàng "
    "Hùng Huy Hưng Khánh Khoa Kiên Long Luân Mạnh Minh Nam Nghĩa Nguyên Nhân Phương Quân "
    "Quang Quyết Sơn Tâm Thắng Thành Thái Thanh Thiện Toàn Trí Trọng Trung Trường Tú Tuấn "
    "Tùng Việt Vũ Vương Hiệu Hòa Hoan Hưởng Khang Ngọc Sang Thạch Thao Tuyên Đoàn Lương "
    "Nhuận Phi Quyền Tuân Thuật Tấn Vượng Dự Chương Hiệp Khôi Kiệt Lộc Tín Vĩnh Bằng Dân"
)
_GIVEN_MALE_NEW = _nfc(
    "Bảo Bách Đăng Gia Huy Khải Khang Khôi Khoa Kiệt Lâm Lộc Minh Nhật Phát Phong Phúc "
    "Quân Tín Tuệ Vinh Vỹ Hiển Nguyên Sơn Thịnh An Dương Duy Hào Hưng Hoàng Tài Thiên "
    "Trí Tường Đông Hải Kiên Lân Lực Mạnh Nam Quý Thuận Triết Trung Vĩnh Đạt Đức"
)
_GIVEN_FEMALE_OLD = _nfc(
    "Bích Cúc Dậu Đào Gấm Hảo Hằng Hợi Huệ Hường Lài Liên Liễu Loan Lụa Lựu Mận Mến Mơ "
    "Mùi Na Nụ Nương Nhài Nhàn Nhung Quế Sen Sửu Sương Tâm Thắm Thân Thơm Thìn Thoa Thục "
    "Tình Tươi Tý Vân Xoan Xuyến Yến Hoa Hồng Lan Mai Huệ Đoan Hiên Lý Ngát"
)
_GIVEN_FEMALE_COMMON = _nfc(
    "Anh Ánh Bình Chi Châu Dung Duyên Giang Hà Hạnh Hiền Hoa Hòa Hồng Hương Huyền Lan "
    "Liên Linh Loan Ly Mai Minh My Nga Ngân Ngọc Nguyệt Nhung Oanh Phượng Phương Quyên "
    "Quỳnh Tâm Thảo Thanh Thơ Thu Thúy Thủy Thư Thương Trang Trâm Trinh Tuyết Uyên Vân "
    "Xuân Yến Diệp Diệu Điệp Hải Hoài Hằng Khanh Kiều Lệ Mỹ Nhàn Tú Huế Hậu Thùy Cẩm "
    "Kim Ngà Diễm Lành Hiên Lương Nhị Phấn Quý Thái Thoa Vinh Ngần Hợp Hạ Lộc Nhạn"
)
_GIVEN_FEMALE_NEW = _nfc(
    "An Anh Bảo Châu Chi Diệp Giang Hà Hân Hương Khánh Khuê Lam Linh Ly Mai Minh My Ngân "
    "Ngọc Nhi Như Nhiên Phương Quyên Quỳnh Tâm Thảo Thư Trâm Trang Tuệ Uyên Vy Yên Yến "
    "Hạ Hằng Đan Nguyên Ngân Thục Tiên Trúc Vân Xuân Mai Hoa Hiền Thanh Tú"
)

ETHNIC_GROUPS: tuple[str, ...] = _nfc(
    "Kinh Tày Thái Mường Khmer Hoa Nùng Mông Dao Gia_Rai Ngái Ê_Đê Ba_Na Xơ_Đăng Sán_Chay "
    "Cơ_Ho Chăm Sán_Dìu Hrê Mnông Ra_Glai Xtiêng Bru_Vân_Kiều Thổ Giáy Cơ_Tu Gié_Triêng Mạ "
    "Khơ_Mú Co Tà_Ôi Chơ_Ro Kháng Xinh_Mun Hà_Nhì Chu_Ru Lào La_Chí La_Ha Phù_Lá La_Hủ Lự "
    "Lô_Lô Chứt Mảng Pà_Thẻn Cơ_Lao Cống Bố_Y Si_La Pu_Péo Brâu Ơ_Đu Rơ_Măm"
)
ETHNIC_GROUPS = tuple(g.replace("_", " ") for g in ETHNIC_GROUPS)
"""The 54 groups of the GSO list, in code order (01 Kinh ... 54 Rơ Măm)."""

KINH = ETHNIC_GROUPS[0]

_MINORITY_WEIGHTS: dict[str, float] = {
    "Mường": 30,
    "Tày": 22,
    "Thái": 14,
    "Nùng": 10,
    "Hoa": 8,
    "Dao": 6,
    "Mông": 5,
    "Sán Dìu": 2,
    "Khmer": 1,
}
_MINORITY_OTHER = tuple(g for g in ETHNIC_GROUPS[1:] if g not in _MINORITY_WEIGHTS)
_MINORITY_NAMES = (*_MINORITY_WEIGHTS, *_MINORITY_OTHER)
_MINORITY_CUM = _cumulative([*_MINORITY_WEIGHTS.values()] + [0.05] * len(_MINORITY_OTHER))

PROVINCE_MINORITIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "04": (0.6, ("Tày", "Nùng", "Mông", "Dao")),  # Cao Bằng
    "02": (0.8, ("Mông", "Tày", "Dao", "Nùng")),  # Hà Giang
    "20": (0.6, ("Nùng", "Tày", "Dao")),  # Lạng Sơn
    "06": (0.6, ("Tày", "Dao", "Nùng", "Mông")),  # Bắc Kạn
    "08": (0.4, ("Tày", "Dao", "Sán Chay")),  # Tuyên Quang
    "10": (0.6, ("Mông", "Tày", "Dao", "Giáy")),  # Lào Cai
    "14": (0.7, ("Thái", "Mông", "Mường", "Khơ Mú")),  # Sơn La
    "11": (0.7, ("Thái", "Mông", "Khơ Mú")),  # Điện Biên
    "12": (0.7, ("Mông", "Thái", "Dao", "Hà Nhì")),  # Lai Châu
    "17": (0.6, ("Mường", "Thái", "Dao")),  # Hòa Bình
    "15": (0.4, ("Tày", "Dao", "Mông")),  # Yên Bái
    "19": (0.2, ("Tày", "Nùng", "Sán Dìu")),  # Thái Nguyên
    "25": (0.1, ("Mường", "Dao")),  # Phú Thọ
    "38": (0.1, ("Mường", "Thái")),  # Thanh Hóa
    "40": (0.1, ("Thái", "Khơ Mú")),  # Nghệ An
    "94": (0.3, ("Khmer", "Hoa")),  # Sóc Trăng
    "84": (0.3, ("Khmer",)),  # Trà Vinh
    "79": (0.05, ("Hoa", "Khmer")),  # TP HCM
}
"""2-digit province code -> (share not Kinh, groups met there): a rough regional skew."""


def draw_ethnicity(rng: random.Random, province_code: str, base_minority_share: float) -> str:
    """An ethnic group for someone from ``province_code`` (2-digit)."""
    local = PROVINCE_MINORITIES.get(province_code)
    if local and rng.random() < local[0]:
        return rng.choice(local[1])
    if rng.random() >= base_minority_share:
        return KINH
    return _MINORITY_NAMES[bisect.bisect(_MINORITY_CUM, rng.random() * _MINORITY_CUM[-1])]


@dataclass(frozen=True, slots=True)
class PersonName:
    """Family name(s), middle name(s), given name."""

    family: tuple[str, ...]
    middle: tuple[str, ...]
    given: str

    @property
    def full(self) -> str:
        return " ".join((*self.family, *self.middle, self.given))

    @property
    def surname(self) -> str:
        return self.family[0]


def draw_surname(rng: random.Random) -> str:
    return SURNAMES[bisect.bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


class SurnameBalance:
    """Draws newcomers' surnames so that the whole population tracks the national shares.

    Children inherit surnames, so a few prolific lineages would skew a small district; a
    surname already over its share (by more than ``tolerance`` of it) is redrawn, up to a few
    times, so newcomers correct the drift.
    """

    def __init__(self, tolerance: float = 0.02) -> None:
        self.counts: dict[str, int] = dict.fromkeys(SURNAMES, 0)
        self.total = 0
        self.tolerance = tolerance
        self.shares = dict(zip(SURNAMES, _shares(), strict=True))

    def add(self, surname: str) -> None:
        self.counts[surname] = self.counts.get(surname, 0) + 1
        self.total += 1

    def draw(self, rng: random.Random) -> str:
        for _ in range(6):
            surname = draw_surname(rng)
            limit = self.shares[surname] * (1 + self.tolerance) * (self.total + 1)
            if self.counts[surname] < limit:
                return surname
        return surname


def _middle_shares(birth_year: int) -> tuple[float, float, float]:
    """(share of Văn among men, share of Thị among women, share with two middle names)."""
    if birth_year < 1960:
        return 0.70, 0.85, 0.03
    if birth_year < 1980:
        return 0.55, 0.70, 0.06
    if birth_year < 2000:
        return 0.35, 0.45, 0.10
    return 0.12, 0.20, 0.15


def draw_middle(rng: random.Random, sex: Sex, birth_year: int) -> tuple[str, ...]:
    van, thi, two = _middle_shares(birth_year)
    male = sex is Sex.MALE
    pool = MIDDLE_NAMES_MALE if male else MIDDLE_NAMES_FEMALE
    first = ("Văn" if male else "Thị") if rng.random() < (van if male else thi) else None
    if first is None:
        first = rng.choice(pool)
    if rng.random() < two:
        second = rng.choice(pool)
        if second not in (first, "Văn", "Thị"):
            return (first, second)
    return (first,)


def draw_given(
    rng: random.Random, sex: Sex, birth_year: int, avoid: frozenset[str] = frozenset()
) -> str:
    """A given name in the fashion of ``birth_year``; never one of ``avoid`` (siblings)."""
    male = sex is Sex.MALE
    old, common, new = (
        (_GIVEN_MALE_OLD, _GIVEN_MALE_COMMON, _GIVEN_MALE_NEW)
        if male
        else (_GIVEN_FEMALE_OLD, _GIVEN_FEMALE_COMMON, _GIVEN_FEMALE_NEW)
    )
    share_old = min(0.6, max(0.0, (1985 - birth_year) / 60))
    share_new = min(0.6, max(0.0, (birth_year - 1975) / 50))
    for _ in range(20):
        roll = rng.random()
        pool = old if roll < share_old else new if roll > 1 - share_new else common
        given = rng.choice(pool)
        if given not in avoid:
            return given
    return given


def draw_name(
    rng: random.Random,
    sex: Sex,
    birth_year: int,
    *,
    family: tuple[str, ...] | None = None,
    avoid_given: frozenset[str] = frozenset(),
    balance: SurnameBalance | None = None,
) -> PersonName:
    """A full name; ``family`` when it is inherited (children take the father's)."""
    if family is None:
        family = (balance.draw(rng) if balance else draw_surname(rng),)
    return PersonName(
        family=family,
        middle=draw_middle(rng, sex, birth_year),
        given=draw_given(rng, sex, birth_year, avoid_given),
    )


def given_name_count() -> tuple[int, int]:
    """Distinct given names available (male, female)."""
    male = set(_GIVEN_MALE_OLD) | set(_GIVEN_MALE_COMMON) | set(_GIVEN_MALE_NEW)
    female = set(_GIVEN_FEMALE_OLD) | set(_GIVEN_FEMALE_COMMON) | set(_GIVEN_FEMALE_NEW)
    return len(male), len(female)
