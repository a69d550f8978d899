"""Fixtures of the store tests: the sample builders, and a work store seeded with them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import store_samples
from sqlalchemy import Engine


@pytest.fixture(scope="session")
def samples() -> ModuleType:
    """The sample builders of :mod:`store_samples`."""
    return store_samples


@pytest.fixture
def seeded(store_engine: Engine, samples: ModuleType, tmp_path: Path):
    """A work store holding the default sample batch, pages, entries and records."""
    return samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
