"""The deployments of ``prefect.yaml``, unchanged, on a real Prefect server and a process worker.

Exactly what an operator does, on loopback with a throw-away ``PREFECT_HOME``: ``prefect server
start``, ``prefect work-pool create civreg --type process``, ``prefect deploy --all`` from the
project folder, ``prefect worker start --pool civreg``, then ``prefect deployment run`` of
``process-batch`` on a one-page batch; the work store and the export are checked afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from store.status import stage_counts

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("flow-children")]

PROJECT_DIR = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
STARTUP_TIMEOUT = 120.0
RUN_TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Operator:
    """Runs ``prefect`` commands from the project folder against one server."""

    env: dict[str, str]
    logs: Path
    background: list[tuple[subprocess.Popen, Path]] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 120.0) -> str:
        done = subprocess.run(
            [PREFECT, *args],
            check=False,  # the assertion below shows the output
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{output[-3000:]}"
        return output

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [PREFECT, *args],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopping it stops its flow runs too
            )
        self.background.append((process, log))
        return process

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-2500:]}"
            for _, log in self.background
        )

    def stop_all(self) -> None:
        for process, _ in reversed(self.background):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in reversed(self.background):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def operator(tmp_path: Path, new_world) -> Iterator[tuple[Operator, object]]:
    """A Prefect server of our own on a free loopback port, and a world to point flows at."""
    world = new_world(files=lambda path: path.suffix == ".pdf")  # one born-digital page
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = world.env(
        api_url,
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_UI_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
        PREFECT_CLI_PROMPT="false",
    )
    env.pop("PREFECT_PROFILES_PATH", None)
    (tmp_path / "logs").mkdir()
    operator = Operator(env, tmp_path / "logs")
    server = operator.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(port))
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert server.poll() is None, f"prefect server start exited\n{operator.log_tails()}"
            assert time.monotonic() < deadline, f"no server on {api_url}\n{operator.log_tails()}"
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        yield operator, world
    finally:
        operator.stop_all()


def test_deploy_all_and_a_worker_run_process_batch_unchanged(operator, scanned_batch) -> None:
    prefect, world = operator

    prefect.run("work-pool", "create", "civreg", "--type", "process")
    prefect.run("deploy", "--all")
    nightly = prefect.run("deployment", "inspect", "nightly-sync/nightly-sync")
    assert "0 1 * * *" in nightly and "Asia/Ho_Chi_Minh" in nightly
    prefect.start("worker", "worker", "start", "--pool", "civreg")

    output = prefect.run(
        "deployment",
        "run",
        "process-batch/process-batch",
        "--param",
        f"batch_path={world.batch_dir}",
        "--watch",
        "--watch-timeout",
        str(int(RUN_TIMEOUT)),
        timeout=RUN_TIMEOUT + 30,
    )
    assert "Completed" in output, f"{output}\n{prefect.log_tails()}"

    engine = create_engine(world.store_url)
    try:
        counts = stage_counts(engine)
    finally:
        engine.dispose()
    expected = sum(1 for (name, _page, _row) in scanned_batch.truth if name.endswith(".pdf"))
    assert counts.documents == counts.pages == 1
    assert counts.entries == counts.records == counts.exported == expected
    assert counts.auto_linked + counts.to_review + counts.new_person == expected
    assert len(world.exports()) >= 1
