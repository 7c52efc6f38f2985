"""The executor: serial, process pool and Dask give the same results, in item order."""

from __future__ import annotations

import numpy as np
import pytest

from gamedsl.analysis import executor as ex
from gamedsl.analysis.sweep import sweep

from ._support import spec


def _square(x: int) -> int:
    return x * x


def test_serial_and_pool_agree_in_order():
    items = list(range(17))
    assert ex.SerialExecutor().map(_square, items) == [x * x for x in items]
    with ex.PoolExecutor(2) as pool:
        assert pool.map(_square, items) == [x * x for x in items]


def test_make_executor_picks_by_options():
    assert isinstance(ex.make_executor(1), ex.SerialExecutor)
    pool = ex.make_executor(2)
    assert isinstance(pool, ex.PoolExecutor) and pool.workers == 2
    assert ex.make_executor(None).workers == ex.default_workers()


def test_no_progress_bar_when_piped(capsys):
    ex.SerialExecutor(quiet=False).map(_square, range(5), desc="x")
    assert capsys.readouterr().err == ""


def test_slow_sweep_on_two_processes_equals_serial():
    vary = {"a": np.linspace(3, 12, 6)}
    serial = sweep(spec("cournot"), vary, workers=1, fast=False)
    pooled = sweep(spec("cournot"), vary, workers=2, fast=False)
    np.testing.assert_array_equal(serial.column("q1"), pooled.column("q1"))
    assert list(serial.column("regime")) == list(pooled.column("regime"))


def test_dask_in_process_cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        vary = {"a": np.linspace(3, 12, 4)}
        table = sweep(spec("cournot"), vary, dask=client, fast=False)
        assert table.meta["path"] == "slow"
        np.testing.assert_allclose(table.column("q1"), (table.column("a") - 1) / 3, rtol=1e-9)
        assert ex.DaskExecutor(client).map(_square, [3, 1, 2]) == [9, 1, 4]


def test_cli_dask_address(capsys):
    distributed = pytest.importorskip("dask.distributed")
    from gamedsl.cli import main

    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        # the fast path's check solves run on the cluster
        code = main(
            [
                "sweep",
                spec("cournot"),
                "--vary",
                "a=4:7:2",
                "--dask",
                cluster.scheduler_address,
                "--quiet",
            ]
        )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[2].split()[:4] == ["7", "1", "1", "2"]
