"""``CIVREG_TASK_RUNNER=dask``: pages read on a Dask cluster give what the thread runner gives."""

from __future__ import annotations

import pytest
from distributed import LocalCluster
from prefect_dask import DaskTaskRunner

from civreg.settings import get_settings
from flows.batch import run_batch
from flows.runtime import make_task_runner

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("flow-children")]


def test_dask_runner_on_a_local_cluster_leaves_what_the_thread_runner_leaves(
    prefect_server: str, clean_run, new_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = new_world()
    # Set before the cluster starts: its worker processes read their settings from this.
    for name, value in world.settings_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CIVREG_TASK_RUNNER", "dask")
    monkeypatch.setenv("CIVREG_OCR_WORKERS", "2")
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("CIVREG_DASK_ADDRESS", cluster.scheduler_address)
        get_settings.cache_clear()
        assert isinstance(make_task_runner(get_settings()), DaskTaskRunner)

        summary = run_batch(world.batch_dir)

        # The pages were read by the cluster's workers, not in this process.
        computed = {
            name: prefix.state_counts["memory"]
            for name, prefix in cluster.scheduler.task_prefixes.items()
        }
    assert computed.get("read_page_task", 0) == clean_run.summary["pages_read"], computed
    assert summary.pages_read == clean_run.summary["pages_read"]
    assert world.differences_from(clean_run.state) == []
