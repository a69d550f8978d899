"""The 12-digit personal identification number (số định danh cá nhân), DOMAIN.md §3.

Layout ``PPP G YY NNNNNN`` (Decree 137/2015 Art. 13; Law on Identification 2023 Art. 12):

- ``PPP``: province (or country) of birth registration, by the pre-2025 63-province codes;
- ``G``: century and sex: 1900s male 0 / female 1, 2000s 2 / 3, 2100s 4 / 5, 2200s 6 / 7,
  2300s 8 / 9;
- ``YY``: last two digits of the birth year;
- ``NNNNNN``: a random serial. There is no check digit.

So an ID cross-checks sex, birth year and birth province. :func:`check_personal_id` reports every
inconsistency at once, each in words (``digit 4 says female, born 2000s; record says male``).

>>> pid = parse_personal_id("001190123456")
>>> pid.province_name, pid.sex, pid.birth_year
('Hà Nội', <Sex.FEMALE: 'F'>, 1990)
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from schemas.enums import Sex

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
"""Pre-2025 province codes used in personal IDs (63 provinces)."""

FIRST_CENTURY = 1900
LAST_BIRTH_YEAR = FIRST_CENTURY + 5 * 100 - 1  # digit 8/9: the 2300s
_SEPARATORS = re.compile(r"[\s.\-]")
_SEX_WORDS = {Sex.MALE: "male", Sex.FEMALE: "female"}


class PersonalIdError(ValueError):
    """The text is not a personal ID at all (wrong length or characters)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdProblem:
    """One inconsistency of an ID, alone or against the record that carries it."""

    code: str
    message: str


@dataclass(frozen=True)
class PersonalId:
    """A structurally valid personal ID, split into its parts."""

    province_code: str
    century_sex_digit: int
    year_digits: int
    serial: str

    @property
    def text(self) -> str:
        return f"{self.province_code}{self.century_sex_digit}{self.year_digits:02d}{self.serial}"

    @property
    def sex(self) -> Sex:
        return Sex.MALE if self.century_sex_digit % 2 == 0 else Sex.FEMALE

    @property
    def century(self) -> int:
        """First year of the birth century (1900, 2000, ...)."""
        return FIRST_CENTURY + 100 * (self.century_sex_digit // 2)

    @property
    def birth_year(self) -> int:
        return self.century + self.year_digits

    @property
    def province_name(self) -> str | None:
        return PROVINCE_CODES.get(self.province_code)

    def __str__(self) -> str:
        return self.text


def clean_personal_id_text(text: str) -> str:
    """Drop spaces, dots and dashes that registers put inside IDs."""
    return _SEPARATORS.sub("", text.strip())


def parse_personal_id(text: str) -> PersonalId:
    """Split an ID into its parts; raise :class:`PersonalIdError` unless it is 12 digits."""
    digits = clean_personal_id_text(text)
    if digits and (not digits.isascii() or not digits.isdigit()):
        raise PersonalIdError(
            "personal_id.not_digits", f"a personal ID has only digits; got {text!r}"
        )
    if len(digits) != 12:
        raise PersonalIdError(
            "personal_id.length",
            f"a personal ID has 12 digits; got {len(digits)}"
            + (" (a 9-digit number is an old CMND)" if len(digits) == 9 else ""),
        )
    return PersonalId(
        province_code=digits[:3],
        century_sex_digit=int(digits[3]),
        year_digits=int(digits[4:6]),
        serial=digits[6:],
    )


def _describe_digit(pid: PersonalId) -> str:
    return f"digit 4 says {_SEX_WORDS[pid.sex]}, born {pid.century}s"


def check_personal_id(
    text: str,
    *,
    sex: Sex | None = None,
    birth_year: int | None = None,
    birth_province_code: str | None = None,
) -> list[IdProblem]:
    """Every problem of ``text`` as an ID and against the record's sex, birth year, province.

    An empty list means the ID is consistent with everything given.

    >>> [p.message for p in check_personal_id("001190123456", sex=Sex.MALE)]
    ['digit 4 says female, born 1900s; record says male']
    """
    try:
        pid = parse_personal_id(text)
    except PersonalIdError as exc:
        return [IdProblem(exc.code, exc.message)]

    problems: list[IdProblem] = []
    if pid.province_name is None:
        problems.append(
            IdProblem(
                "personal_id.province_unknown",
                f"digits 1-3 ({pid.province_code}) are not a province code of the pre-2025 list",
            )
        )
    if sex is not None and pid.sex is not sex:
        problems.append(
            IdProblem(
                "personal_id.sex_mismatch",
                f"{_describe_digit(pid)}; record says {_SEX_WORDS[sex]}",
            )
        )
    if birth_year is not None and pid.birth_year != birth_year:
        if birth_year // 100 * 100 != pid.century:
            problems.append(
                IdProblem(
                    "personal_id.century_mismatch",
                    f"{_describe_digit(pid)}; record says born {birth_year}",
                )
            )
        else:
            problems.append(
                IdProblem(
                    "personal_id.year_mismatch",
                    f"digits 5-6 say born {pid.birth_year}; record says born {birth_year}",
                )
            )
    if (
        birth_province_code is not None
        and pid.province_name is not None
        and birth_province_code != pid.province_code
    ):
        problems.append(
            IdProblem(
                "personal_id.province_mismatch",
                f"digits 1-3 say registered in {pid.province_name} ({pid.province_code}); "
                f"record says {PROVINCE_CODES.get(birth_province_code, birth_province_code)}",
            )
        )
    return problems


def century_sex_digit(sex: Sex, birth_year: int) -> int:
    """The 4th digit for a person of ``sex`` born in ``birth_year``."""
    if not FIRST_CENTURY <= birth_year <= LAST_BIRTH_YEAR:
        raise ValueError(f"birth year {birth_year} is outside {FIRST_CENTURY}-{LAST_BIRTH_YEAR}")
    return 2 * ((birth_year - FIRST_CENTURY) // 100) + (0 if sex is Sex.MALE else 1)


def make_personal_id(province_code: str, sex: Sex, birth_year: int, serial: int) -> str:
    """Compose an ID from its parts; ``serial`` in 0..999999."""
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code!r}")
    if not 0 <= serial <= 999_999:
        raise ValueError(f"serial {serial} is outside 0-999999")
    digit = century_sex_digit(sex, birth_year)
    return f"{province_code}{digit}{birth_year % 100:02d}{serial:06d}"


def generate_personal_id(
    rng: random.Random, *, sex: Sex, birth_year: int, province_code: str = "001"
) -> str:
    """A random, valid ID for a person of ``sex`` born in ``birth_year`` in ``province_code``."""
    return make_personal_id(province_code, sex, birth_year, rng.randrange(1_000_000))
