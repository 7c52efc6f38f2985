"""Interrupts (issue 24): Ctrl-C or SIGTERM stops a parallel sweep within two seconds, its
worker processes included, with exit 130 and no output file changed; a parent killed outright
takes its workers with it.  Each case starts a real process (`tests/cli/hanging_sweep.py`: the
workers hang, so only the interrupt can end the sweep) and sends it a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 2.0
START_SECONDS = 120  # how long the sweep may take to reach its workers on a loaded machine


def _alive(pid: int) -> bool:
    """Return True when process `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start(tmp_path: Path, output: Path) -> tuple[subprocess.Popen, list[int]]:
    """Start a parallel sweep whose two workers hang; return it and the workers' pids once both
    are computing."""
    marks = tmp_path / "marks"
    marks.mkdir()
    argv = ["sweep", "specs/cournot.game", "--vary", "a=2:20:400", "--workers", "2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.cli.hanging_sweep", *argv, "--quiet", "-o", str(output)],
        cwd=ROOT,
        env=dict(os.environ, GAMEDSL_MARKS=str(marks)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job has
    )
    deadline = time.monotonic() + START_SECONDS
    while len(list(marks.iterdir())) < 2:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the sweep did not reach its workers: {process.communicate()}")
        time.sleep(0.05)
    return process, [int(p.name) for p in marks.iterdir()]


def _stop_and_check(process: subprocess.Popen, workers: list[int], send) -> str:
    """Send the signal; check exit 130 within STOP_SECONDS and no worker left; return stderr."""
    start = time.monotonic()
    send(process)
    try:
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    elapsed = time.monotonic() - start
    while any(_alive(w) for w in workers) and time.monotonic() - start < STOP_SECONDS:
        time.sleep(0.02)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert process.returncode == 130, err
    assert elapsed < STOP_SECONDS, f"stopped after {elapsed:.2f} s"
    assert not left, f"workers still running: {left}"
    return err


SIGNALS = {
    "Ctrl-C": lambda p: os.killpg(p.pid, signal.SIGINT),  # a terminal signals the whole group
    "SIGINT to the parent": lambda p: p.send_signal(signal.SIGINT),
    "SIGTERM to the parent": lambda p: p.send_signal(signal.SIGTERM),
}


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("Ctrl-C"),
        pytest.param("SIGINT to the parent", marks=pytest.mark.slow),
        pytest.param("SIGTERM to the parent"),
    ],
)
def test_an_interrupt_stops_a_parallel_sweep_and_its_workers(how: str, tmp_path: Path) -> None:
    output = tmp_path / "table.csv"
    output.write_text("the table of yesterday\n")
    process, workers = _start(tmp_path, output)
    err = _stop_and_check(process, workers, SIGNALS[how])
    assert err.strip() == "gamedsl: interrupted"  # no traceback from the parent or the workers
    assert output.read_text() == "the table of yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marks", "table.csv"]  # no temp file


@pytest.mark.slow
def test_workers_die_with_a_parent_killed_outright(tmp_path: Path) -> None:
    process, workers = _start(tmp_path, tmp_path / "table.csv")
    process.kill()  # SIGKILL: no handler runs; the workers' parent-death signal ends them
    process.communicate(timeout=30)
    deadline = time.monotonic() + STOP_SECONDS
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, f"orphaned workers: {left}"
