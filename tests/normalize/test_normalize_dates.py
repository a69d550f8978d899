"""Dates and times in every written form of DOMAIN.md §2, with their precision and doubts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalize.dates import (
    DateForm,
    DateStyle,
    format_date,
    parse_date,
    parse_death_moment,
    parse_time,
)
from normalize.number_words import number_to_words, words_to_number
from schemas.enums import DatePrecision
from schemas.values import PartialDate


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("05/03/1990", "1990-03-05"),
        ("5-3-1990", "1990-03-05"),
        ("05.03.1990", "1990-03-05"),
        ("1990-03-05", "1990-03-05"),
        ("ngày 05 tháng 03 năm 1990", "1990-03-05"),
        ("Ngày 5 tháng 3 năm 1990.", "1990-03-05"),
        ("ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi", "1990-03-05"),
        ("ngay mung nam thang ba nam mot nghin chin tram chin muoi", "1990-03-05"),
        ("ngày hai mươi mốt tháng mười hai năm hai nghìn không trăm linh năm", "2005-12-21"),
        ("ngày 10 tháng năm năm hai nghìn lẻ năm", "2005-05-10"),
        ("ngày mười lăm tháng tư năm một nghìn chín trăm bảy mươi tư", "1974-04-15"),
        ("ngày mồng một tháng giêng năm một ngàn chín trăm năm mươi", "1950-01-01"),
        ("ngày 05 tháng ba năm 1990", "1990-03-05"),
        ("sinh ngày 05/03/1990", "1990-03-05"),
        ("03/1990", "1990-03"),
        ("tháng 3 năm 1990", "1990-03"),
        ("tháng năm năm 1990", "1990-05"),
        ("1990", "1990"),
        ("năm 1990", "1990"),
        ("năm một nghìn chín trăm chín mươi", "1990"),
        ("05/03/1990 (ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi)", "1990-03-05"),
    ],
)
def test_domain_forms(text: str, iso: str) -> None:
    parsed = parse_date(text)
    assert parsed.value is not None and parsed.value.iso() == iso
    assert parsed.findings == ()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/1990", "February 1990 has 28 days"),
        ("29/02/1900", "February 1900 has 28 days"),
        ("31/04/2001", "April 2001 has 30 days"),
        ("00/03/1990", "there is no day 0"),
        ("13/13/1990", "there is no month 13"),
    ],
)
def test_impossible_dates_are_rejected_with_the_reason(text: str, reason: str) -> None:
    parsed = parse_date(text)
    assert parsed.value is None
    assert [f.code.value for f in parsed.findings] == ["date.impossible"]
    assert reason in parsed.findings[0].message


def test_leap_day_is_fine() -> None:
    assert parse_date("29/02/2000").value == PartialDate(year=2000, month=2, day=29)


def test_a_month_above_twelve_is_read_swapped_and_said() -> None:
    parsed = parse_date("05/13/1990")
    assert parsed.value == PartialDate(year=1990, month=5, day=13)
    assert [f.code.value for f in parsed.findings] == ["date.day_month_swapped"]


def test_swappable_only_when_both_readings_exist() -> None:
    assert parse_date("05/03/1990").swappable
    assert parse_date("05/03/1990").swapped() == PartialDate(year=1990, month=5, day=3)
    assert not parse_date("25/03/1990").swappable
    assert not parse_date("05/05/1990").swappable
    assert not parse_date("1990-03-05").swappable  # machine-written


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "date.unreadable"),
        ("1/1/1700", "date.implausible_year"),
        ("ngày 32 tháng 1", "date.unreadable"),  # no year
    ],
)
def test_unreadable(text: str, code: str) -> None:
    parsed = parse_date(text)
    assert parsed.value is None and [f.code.value for f in parsed.findings] == [code]


def test_two_digit_year_uses_the_book_year() -> None:
    assert parse_date("05/03/90", 2001).value == PartialDate(year=1990, month=3, day=5)
    assert parse_date("05/03/01", 2001).value == PartialDate(year=2001, month=3, day=5)
    assert [f.code.value for f in parse_date("05/03/90", 2001).findings] == ["date.two_digit_year"]


def test_words_and_digits_that_disagree_keep_the_digits() -> None:
    parsed = parse_date("05/03/1990 (ngày mùng sáu tháng ba năm một nghìn chín trăm chín mươi)")
    assert parsed.value == PartialDate(year=1990, month=3, day=5)
    assert [f.code.value for f in parsed.findings] == ["date.words_digits_disagree"]


def test_blank() -> None:
    parsed = parse_date("   ")
    assert parsed.value is None and parsed.form is DateForm.BLANK and parsed.findings == ()


partial_dates = st.one_of(
    st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 12, 31)).map(
        lambda d: PartialDate(year=d.year, month=d.month, day=d.day)
    ),
    st.builds(
        lambda y, m: PartialDate(year=y, month=m),
        st.integers(1850, 2100),
        st.integers(1, 12),
    ),
    st.integers(1850, 2100).map(lambda y: PartialDate(year=y)),
)


@given(partial_dates, st.sampled_from(list(DateStyle)))
def test_any_supported_form_parses_back_to_itself(value: PartialDate, style: DateStyle) -> None:
    written = format_date(value, style)
    parsed = parse_date(written)
    assert parsed.value == value, written
    assert parsed.precision is value.precision
    assert parsed.findings == ()


@given(st.integers(0, 9999))
def test_number_words_round_trip(number: int) -> None:
    assert words_to_number(number_to_words(number).split()) == number


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("mười lăm", 15),
        ("hai mươi mốt", 21),
        ("hai mươi tư", 24),
        ("ba mươi nhăm", 35),
        ("một trăm lẻ năm", 105),
        ("hai ngàn", 2000),
        ("hai nghìn mười", 2010),
        ("một chín chín không", 1990),
    ],
)
def test_number_words_variants(words: str, number: int) -> None:
    assert words_to_number(words.split()) == number


@pytest.mark.parametrize("words", ["trăm", "mươi mươi", "nghìn", "một hai", "xyz"])
def test_number_words_nonsense(words: str) -> None:
    assert words_to_number(words.split()) is None


@given(st.text(max_size=60))
def test_any_text_gives_a_result(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.value is None or 1850 <= parsed.value.year <= 2100
    assert parsed.precision in (None, *DatePrecision)


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("14 giờ 30 phút", "14:30"),
        ("14h30", "14:30"),
        ("14h", "14:00"),
        ("14:30", "14:30"),
        ("lúc 7 giờ 5 phút", "07:05"),
        ("mười bốn giờ ba mươi phút", "14:30"),
        ("", None),
    ],
)
def test_times(text: str, time: str | None) -> None:
    assert parse_time(text).value == time


def test_impossible_time() -> None:
    assert [f.code.value for f in parse_time("25 giờ 10 phút").findings] == ["time.impossible"]


def test_death_moment_in_digits_and_words() -> None:
    time, date = parse_death_moment(
        "14 giờ 30 phút, ngày 05 tháng 03 năm 2020 (mười bốn giờ ba mươi phút, ngày năm "
        "tháng ba năm hai nghìn không trăm hai mươi)"
    )
    assert time.value == "14:30" and time.findings == ()
    assert date.value == PartialDate(year=2020, month=3, day=5)


def test_death_moment_words_disagree() -> None:
    time, _ = parse_death_moment("14 giờ 30 phút (mười lăm giờ ba mươi phút)")
    assert time.value == "14:30"
    assert [f.code.value for f in time.findings] == ["date.words_digits_disagree"]


def _reading(parsed: object) -> tuple[object, ...]:
    """What a date reading means, without the texts its messages quote."""
    return (
        parsed.value,  # type: ignore[attr-defined]
        parsed.form,  # type: ignore[attr-defined]
        parsed.swappable,  # type: ignore[attr-defined]
        [f.code for f in parsed.findings],  # type: ignore[attr-defined]
    )


@given(
    day=st.integers(0, 33),
    month=st.integers(0, 14),
    year=st.integers(1840, 2110),
    form=st.sampled_from(
        [
            "{d:02d}/{m:02d}/{y}",
            "{d}-{m}-{y}",
            "{d:02d}.{m:02d}.{y}",
            "ngày {d:02d}/{m:02d}/{y}",
            "ngay {d}/{m}/{y}",
            "ngày {d:02d} tháng {m:02d} năm {y}",
            "ngay {d} thang {m} nam {y}",
            "{y}",
        ]
    ),
)
def test_fast_paths_read_as_the_general_reading(day: int, month: int, year: int, form: str) -> None:
    """The common forms skip the general reading; a trailing "." sends them through it."""
    text = form.format(d=day, m=month, y=year)
    assert _reading(parse_date(text, 2020)) == _reading(parse_date(text + ".", 2020))


@given(
    hour=st.integers(0, 26),
    minute=st.integers(0, 61),
    day=st.integers(1, 28),
    form=st.sampled_from(["ngày {d:02d}/03/2020", "ngày {d} tháng 3 năm 2020"]),
)
def test_death_moment_fast_path_reads_as_the_general_reading(
    hour: int, minute: int, day: int, form: str
) -> None:
    text = f"{hour:02d} giờ {minute:02d} phút, {form.format(d=day)}"
    fast_time, fast_date = parse_death_moment(text, 2020)
    # written without the marks of "giờ", it takes the general reading
    slow_time, slow_date = parse_death_moment(text.replace("giờ", "gio"), 2020)
    assert fast_time.value == slow_time.value
    assert [f.code for f in fast_time.findings] == [f.code for f in slow_time.findings]
    assert _reading(fast_date) == _reading(slow_date)


@pytest.mark.parametrize(
    ("text", "by_year"),
    [
        ("05/03/90", True),
        ("05/03/1990", False),
        ("ngày 05 tháng 03 năm 1990", False),
        ("05/03/90 (ngày năm tháng ba năm một nghìn chín trăm chín mươi)", True),
        ("31/02/90 (ngày năm tháng ba năm một nghìn chín trăm chín mươi)", True),
        ("abc", False),
    ],
)
def test_readings_say_when_they_depend_on_the_book_year(text: str, by_year: bool) -> None:
    """Only such readings may differ between books of different years (memos key on it)."""
    assert parse_date(text, 2001).by_year is by_year
    assert parse_death_moment(f"14 giờ, {text}", 2001)[1].by_year is by_year
