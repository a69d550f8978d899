"""Fixtures of the store tests: the sample builders, and a work store seeded with them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine


def load_store_samples() -> ModuleType:
    """``tests/store/store_samples.py``, imported once (test folders are not packages)."""
    if "store_samples" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "store_samples", Path(__file__).with_name("store_samples.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["store_samples"] = module
        spec.loader.exec_module(module)
    return sys.modules["store_samples"]


@pytest.fixture(scope="session")
def samples() -> ModuleType:
    """The sample builders of :mod:`store_samples`."""
    return load_store_samples()


@pytest.fixture
def seeded(store_engine: Engine, samples: ModuleType, tmp_path: Path):
    """A work store holding the default sample batch, pages, entries and records."""
    return samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
