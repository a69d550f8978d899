"""Progress reports reach the observer installed around a run, and only that one."""

from __future__ import annotations

import pytest

from flows.progress import Stage, observing, report


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[Stage, int, int | None, str]] = []

    def update(self, stage: Stage, done: int, total: int | None, scope: str) -> None:
        self.seen.append((stage, done, total, scope))


def test_reports_reach_the_observer_of_the_block_only() -> None:
    outer, inner = Recorder(), Recorder()
    report(Stage.OCR, 1, 2, "nobody listens")
    with observing(outer):
        report(Stage.INGEST, 0, None, "b")
        with observing(inner):
            report(Stage.OCR, 1, 2, "b")
        report(Stage.OCR, 2, 2, "b")
    report(Stage.OCR, 3, 3, "after")

    assert outer.seen == [(Stage.INGEST, 0, None, "b"), (Stage.OCR, 2, 2, "b")]
    assert inner.seen == [(Stage.OCR, 1, 2, "b")]


def test_a_failing_display_does_not_stop_the_run(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def update(self, stage: Stage, done: int, total: int | None, scope: str) -> None:
            raise RuntimeError("terminal gone")

    with observing(Broken()):
        report(Stage.EXPORT, 1, 1)

    assert "progress display failed" in caplog.text
