"""Records, candidates and charts as the pages show them (plain data for the templates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Any

from pydantic import BaseModel

from schemas.records import CivilRecordBase, Person
from schemas.store import Party
from schemas.values import FieldValue
from store.matches import CandidateScore
from store.review import DailyThroughput

PERSON_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "place_of_birth",
    "hometown",
    "ethnicity",
    "permanent_residence",
    "father_name",
    "mother_name",
    "spouse_name",
    "date_of_death",
)


def show(value: Any) -> str:
    """A value as text: dates in ISO, places as written, enums by value."""
    if value is None:
        return ""
    if hasattr(value, "iso"):
        return value.iso()
    if hasattr(value, "written"):
        return value.written
    if hasattr(value, "value") and not isinstance(value, BaseModel):
        return str(value.value)
    return str(value)


@dataclass(frozen=True)
class FieldRow:
    """One field of a record as read, with its confidence and any steward correction."""

    name: str
    value: str
    raw_text: str
    confidence: float | None
    low: bool
    has_box: bool
    issues: tuple[str, ...]
    corrected: str | None

    @property
    def party(self) -> Party:
        return party_of_field(self.name)


def party_of_field(name: str) -> Party:
    """The party a record field is about (a marriage's husband_/wife_ fields)."""
    if name.startswith("husband_"):
        return Party.HUSBAND
    if name.startswith("wife_"):
        return Party.WIFE
    return Party.SUBJECT


def person_field(name: str) -> str:
    """The population DB field a record field corrects (``husband_full_name`` → ``full_name``)."""
    for prefix in ("husband_", "wife_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def field_rows(
    record: CivilRecordBase, low_confidence: float, corrected: dict[str, str | None]
) -> list[FieldRow]:
    """Every field of the record, in model order."""
    issues: dict[str, list[str]] = {}
    for issue in record.issues:
        issues.setdefault(issue.field, []).append(f"{issue.severity.value}: {issue.message}")
    rows = []
    for name in type(record).model_fields:
        value = getattr(record, name)
        if not isinstance(value, FieldValue):
            continue
        low = value.confidence is not None and value.confidence < low_confidence
        rows.append(
            FieldRow(
                name=name,
                value=show(value.value),
                raw_text=value.raw_text or "",
                confidence=value.confidence,
                low=low,
                has_box=value.bbox is not None,
                issues=tuple(issues.get(name, ())),
                corrected=corrected.get(name),
            )
        )
    return rows


def record_field(record: CivilRecordBase, name: str) -> FieldValue | None:
    """A FieldValue of the record by name, or ``None`` when there is no such field."""
    if name not in type(record).model_fields:
        return None
    value = getattr(record, name)
    return value if isinstance(value, FieldValue) else None


@dataclass(frozen=True)
class ComparisonCell:
    """One comparison of one candidate: the level reached and its weight."""

    level: str
    description: str
    contribution: float

    @property
    def agreement(self) -> str:
        if self.contribution > 0.5:
            return "agree"
        if self.contribution < -0.5:
            return "disagree"
        return "neutral"


@dataclass(frozen=True)
class CandidateView:
    """A candidate person beside the record: their data and each comparison's weight."""

    rank: int
    personal_id: str
    score: float
    probability: float | None
    person: dict[str, str]
    comparisons: dict[str, ComparisonCell]
    prior_weight: float | None
    excluded: str | None


def candidate_views(
    candidates: list[CandidateScore], people: dict[str, Person]
) -> tuple[list[CandidateView], list[str]]:
    """Candidates best first, and the comparison names in the order the model uses them."""
    names: list[str] = []
    views = []
    for rank, candidate in enumerate(candidates, start=1):
        explanation = candidate.explanation or {}
        cells = {}
        for item in explanation.get("fields", []):
            name = str(item.get("comparison"))
            if name not in names:
                names.append(name)
            cells[name] = ComparisonCell(
                level=str(item.get("level", "")),
                description=str(item.get("description", "")),
                contribution=float(item.get("contribution", 0.0)),
            )
        person = people.get(candidate.personal_id)
        views.append(
            CandidateView(
                rank=rank,
                personal_id=candidate.personal_id,
                score=candidate.score,
                probability=explanation.get("probability"),
                person={f: show(getattr(person, f, None)) for f in PERSON_FIELDS} if person else {},
                comparisons=cells,
                prior_weight=explanation.get("prior_weight"),
                excluded=explanation.get("excluded"),
            )
        )
    return views, names


def throughput_svg(days: list[DailyThroughput], width: int = 640, height: int = 200) -> str:
    """An inline SVG: bars of steward decisions per day, a line of the auto-link rate."""
    left, right, top, bottom = 40, 40, 16, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        'aria-label="Daily steward decisions and auto-link rate">'
    ]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888"/>'
    )
    if not days:
        parts.append(f'<text x="{left + 8}" y="{top + plot_h / 2}">no decisions yet</text></svg>')
        return "".join(parts)
    peak = max(d.steward_decisions for d in days) or 1
    slot = plot_w / len(days)
    points = []
    for index, day in enumerate(days):
        x = left + index * slot
        bar = plot_h * day.steward_decisions / peak
        label = escape(day.day.isoformat())
        parts.append(
            f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{top + plot_h - bar:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar:.1f}" fill="#4a7bd0">'
            f"<title>{label}: {day.steward_decisions} steward decisions</title></rect>"
        )
        if day.auto_link_rate is not None:
            y = top + plot_h * (1 - day.auto_link_rate)
            points.append(f"{x + slot / 2:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x + slot / 2:.1f}" cy="{y:.1f}" r="3" fill="#d0704a">'
                f"<title>{label}: {100 * day.auto_link_rate:.0f}% auto-linked</title></circle>"
            )
        if len(days) <= 14 or index % max(1, len(days) // 7) == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - 8}" font-size="10" '
                f'text-anchor="middle">{escape(day.day.strftime("%m-%d"))}</text>'
            )
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#d0704a" stroke-width="2"/>'
        )
    parts.append(f'<text x="4" y="{top + 10}" font-size="10">{peak}</text>')
    parts.append(f'<text x="{width - right + 4}" y="{top + 10}" font-size="10">100%</text>')
    parts.append(f'<text x="{width - right + 4}" y="{top + plot_h}" font-size="10">0%</text>')
    parts.append("</svg>")
    return "".join(parts)


def when(value: dt.datetime | None) -> str:
    """A timestamp for people: UTC, to the minute."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""
