"""Fixtures of the extract tests: ward keys, and a work store with linked records (no OCR)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import store_samples as samples
from sqlalchemy import Engine

from certificates import IssueContext, create_dev_keys
from civreg.settings import get_settings
from schemas.enums import RegisterType, Sex
from schemas.records import Place
from schemas.values import FieldValue
from store import append_decisions, save_records


@pytest.fixture
def ward_keys(isolated_settings: Path) -> Path:
    """A development key pair at the default paths under the test's var folder."""
    settings = get_settings()
    create_dev_keys(
        settings.resolved_signing_key_path, settings.resolved_signing_cert_path, "Phường Tây Hồ"
    )
    return settings.resolved_signing_cert_path


@dataclass
class Linked:
    """The seeded store and the ids of the records the tests use."""

    store: Engine
    context: IssueContext
    birth: str  # auto-linked to 001198000001, with a full set of facts
    other_birth: str  # auto-linked to 001198000002
    unmatched_birth: str  # sent to review
    death: str  # steward-linked
    marriage: str  # both spouses auto-linked


def _ids(seeded, register_type: RegisterType) -> list[str]:
    return [rid for rid, spec in seeded.specs.items() if spec.register_type is register_type]


@pytest.fixture
def linked(store_engine: Engine, ward_keys: Path, tmp_path: Path) -> Linked:
    seeded = samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
    append_decisions(store_engine, samples.sample_decisions(seeded)[0])
    births = _ids(seeded, RegisterType.BIRTH)
    deaths = _ids(seeded, RegisterType.DEATH)
    marriages = _ids(seeded, RegisterType.MARRIAGE)
    full = seeded.records[births[0]].model_copy(
        update={
            "sex": FieldValue[Sex](value=Sex.MALE),
            "ethnicity": FieldValue[str](value="Kinh"),
            "nationality": FieldValue[str](value="Việt Nam"),
            "place_of_birth": FieldValue[Place](
                value=Place(written="Bệnh viện Phụ sản Hà Nội, phường Láng, thành phố Hà Nội")
            ),
            "hometown": FieldValue[Place](value=Place(written="xã Đông Hưng, tỉnh Thái Bình")),
            "mother_name": FieldValue[str](value="Trần Thị Ngọc Ánh"),
            "mother_birth_year": FieldValue[int](value=1928),
            "father_name": FieldValue[str](value="Nguyễn Đức Thắng"),
            "parents_residence": FieldValue[Place](
                value=Place(written="số 12 ngõ 31 đường Xuân Diệu, phường Tây Hồ, Hà Nội")
            ),
        }
    )
    save_records(store_engine, [full])
    return Linked(
        store=store_engine,
        context=IssueContext.from_settings(get_settings(), store_engine),
        birth=births[0],
        other_birth=births[1],
        unmatched_birth=births[2],
        death=deaths[0],
        marriage=marriages[1],
    )
