"""Run ``process-batch`` in a child process that a test can kill at a real point.

Usage: ``python flow_child.py BATCH_DIR [FREEZE_AT MARKER]``. Settings come from the
environment (``CIVREG_*``, ``PREFECT_API_URL``). With ``FREEZE_AT`` = N, the thread about to
rename the N-th temporary export file into place writes ``MARKER`` and stops there, so the
parent test can SIGKILL the process while the export is half done: earlier partitions renamed
into place, this one written in full under its temporary name. The product knows nothing of
this: the trap is a Python audit hook installed here, in the test's own child process.
On success the last line of stdout is the run's summary as JSON.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


def _freeze_before_rename(count: int, marker: Path) -> None:
    export_dir = os.path.realpath(os.environ["CIVREG_EXPORT_DIR"])
    renames = 0

    def hook(event: str, args: tuple) -> None:
        nonlocal renames
        if event != "os.rename" or not isinstance(args[0], str | os.PathLike):
            return  # os.replace raises the "os.rename" audit event too
        path = os.fspath(args[0])
        if not (isinstance(path, str) and path.endswith(TEMPORARY_SUFFIX)):
            return
        if not os.path.realpath(path).startswith(export_dir):
            return
        renames += 1
        if renames == count:
            marker.write_text(path, encoding="utf-8")
            threading.Event().wait()  # stopped here until the parent kills the process

    sys.addaudithook(hook)


def main() -> None:
    batch_dir = Path(sys.argv[1])
    if len(sys.argv) > 2:
        _freeze_before_rename(int(sys.argv[2]), Path(sys.argv[3]))
    from flows.batch import run_batch

    summary = run_batch(batch_dir)
    print(summary.model_dump_json())


if __name__ == "__main__":
    main()
