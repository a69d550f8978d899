"""The README's promises that can drift: the settings table and the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from civreg.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_configuration_table_lists_every_setting_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `(CIVREG_[A-Z_]+)` \|", README, flags=re.MULTILINE))
    expected = {f"CIVREG_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_the_two_setup_commands_exist_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in README and "make test" in README
    assert re.search(r"^demo:", makefile, flags=re.MULTILINE)
    assert re.search(r"^test:", makefile, flags=re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
