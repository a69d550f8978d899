"""The examples in the normalizers' docstrings are true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "normalize.construct",
    "normalize.dates",
    "normalize.ethnicity",
    "normalize.issues",
    "normalize.names",
    "normalize.nationality",
    "normalize.number_words",
    "normalize.personal_ids",
    "normalize.places",
    "normalize.records",
    "normalize.sex",
    "normalize.syllables",
    "normalize.text",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
