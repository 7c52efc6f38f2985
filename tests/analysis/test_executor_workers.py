"""Workers of the executor (issue 21): pool workers never outlive their parent, whatever ends
it, and Dask workers get the registered state shipped instead of rebuilding it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from gamedsl.analysis import executor as ex
from gamedsl.analysis.sweep import sweep

from ._support import spec

ROOT = Path(__file__).resolve().parents[2]

# a parent mapping items that each write the worker's pid, then sleep
PARENT = textwrap.dedent(
    """
    import os, sys, time
    from gamedsl.analysis.executor import PoolExecutor

    def nap(k):
        with open(os.path.join(sys.argv[1], f"{os.getpid()}.pid"), "w"):
            pass
        time.sleep(120)
        return k

    if __name__ == "__main__":
        with PoolExecutor(2, quiet=True) as pool:
            pool.map(nap, range(4))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited: it only waits for its parent to read its status
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _start_parent(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = [int(p.stem) for p in tmp_path.glob("*.pid")]
        if len(pids) == 2:
            return parent, pids
        time.sleep(0.05)
    parent.kill()
    pytest.fail("the workers did not start")


def _gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and PR_SET_PDEATHSIG")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_pool_workers_end_with_their_parent(tmp_path: Path, sig: signal.Signals) -> None:
    parent, workers = _start_parent(tmp_path)
    try:
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)  # SIGINT: the parent ends its workers and exits (130 or 1)
        assert _gone(workers), f"workers {workers} outlived their parent ({sig.name})"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        parent.kill()


def _explode(*recipe):
    raise RuntimeError(f"rebuilt on a worker from {recipe}")


def _look_up(task: tuple) -> str:
    context, key = task
    return ex.resolve(context)[key]


@pytest.fixture(scope="module")
def client():
    """A Dask cluster of two worker processes (one thread each), for the module's tests."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_workers_get_the_registered_state_shipped(client) -> None:
    """The recipe would fail: the items resolve only because the state was sent to the workers,
    which run in processes of their own."""
    context = ex.register(ex.Context(_explode, ("recipe",), "shipped"), {1: "one", 2: "two"})
    dask = ex.DaskExecutor(client)
    assert dask.map(_look_up, [(context, 1), (context, 2), (context, 1)]) == ["one", "two", "one"]
    assert os.getpid() not in client.run(os.getpid).values()


def test_dask_sweep_on_worker_processes_equals_serial(client) -> None:
    vary = {"a": np.linspace(4, 12, 9), "c": [0.5, 1.5]}
    serial = sweep(spec("cournot"), vary, workers=1)
    remote = sweep(spec("cournot"), vary, dask=client)
    assert remote.meta["path"] == serial.meta["path"] == "fast"
    for c in serial.columns:
        if serial.kinds.get(c) in ("choice", "payoff", "report"):
            np.testing.assert_allclose(remote.column(c), serial.column(c), rtol=1e-12)
    assert list(remote.column("regime")) == list(serial.column("regime"))
