"""One interface for the parallel maps of the analyses: serial, a process pool, or Dask.

An analysis hands `Executor.map` a module-level function and a list of picklable work items
(chunks of grid points, scenario names) and gets the results back in the order of the items.
Where the work runs is the executor's business:

- `SerialExecutor` runs the items here, one after another;
- `PoolExecutor` runs them in a pool of worker processes (forked on Linux, so a worker starts with
  everything the parent already built: the checked game, compiled plans, lambdified functions);
- `DaskExecutor` submits them to a Dask cluster (`dask.distributed`, an optional dependency).

Large state that the items need (a game, its step plans) is not sent with every item: the
analysis registers it under a `Context` key before mapping (`register`), and workers look it up
with `resolve`.  A forked worker or an in-process Dask worker finds it in the registry it shares
with the parent.  Dask workers in other processes or machines are sent the registered state once
(`DaskExecutor` ships every context its items name, pickled with cloudpickle, to each worker
before the items; issue 21: each worker rebuilt the plans before, 1.8x slower than one local
worker); a worker that joins later, or state that cannot be pickled, is rebuilt once from the
key's recipe (the analysis's builder function and the game's path) and kept.  The executor knows
no analysis: the builders come with the keys.

Workers are killable: pool workers ignore SIGINT (the parent takes Ctrl-C and ends them), die
with the parent on Linux (`PR_SET_PDEATHSIG`, whatever ended it), and are terminated, not
waited for, when a map ends in an exception (KeyboardInterrupt, SystemExit from a signal
handler).

The progress bar (tqdm, on stderr) shows only when stderr is a terminal and `quiet` is off.

An interrupt (Ctrl-C, or SIGTERM, which the command line turns into one) or an error while a
pool maps stops its workers at once (`PoolExecutor._abort`) rather than waiting for the items
they are computing.  Workers leave Ctrl-C to the parent (a terminal sends it to the whole process
group) and, on Linux, die with it, so they are never left computing for nobody.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Self

DASK_CONNECT_TIMEOUT = "10s"  # how long to wait for a Dask scheduler given by address
_REGISTRY: dict[tuple, Any] = {}
_REGISTRY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Context:
    """The key of shared state in the worker registry, with the recipe to rebuild it.

    `build` is a module-level function (pickled by reference: a worker imports its module) and
    `recipe` its picklable arguments: `build(*recipe)` rebuilds the state where it is missing.
    `token` makes two registrations of the same recipe distinct when they were built from
    different objects.
    """

    build: Callable[..., Any]
    recipe: tuple
    token: str = ""

    @property
    def key(self) -> tuple:
        return (self.build.__module__, self.build.__qualname__, self.recipe, self.token)


def register(context: Context, value: Any) -> Context:
    """Store `value` under `context` in this process's registry; return the context."""
    with _REGISTRY_LOCK:
        _REGISTRY[context.key] = value
    return context


def resolve(context: Context) -> Any:
    """Return the value registered under `context`, rebuilding it from its recipe if absent."""
    with _REGISTRY_LOCK:
        if context.key in _REGISTRY:
            return _REGISTRY[context.key]
    value = context.build(*context.recipe)
    with _REGISTRY_LOCK:
        _REGISTRY.setdefault(context.key, value)
        return _REGISTRY[context.key]


def default_workers() -> int:
    """Return the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Progress:
    """A tqdm bar on stderr when it is a terminal and not quiet; otherwise nothing."""

    def __init__(self, total: int, desc: str | None, quiet: bool):
        self.bar = None
        if quiet or total <= 0 or not _stderr_is_terminal():
            return
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            return
        self.bar = tqdm(
            total=total, desc=desc, unit="pt", file=sys.stderr, leave=False, dynamic_ncols=True
        )

    def update(self, k: int) -> None:
        if self.bar is not None:
            self.bar.update(k)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Executor:
    """Runs `fn(item)` for every item and returns the results in item order."""

    name = "executor"
    workers = 1

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def map(
        self,
        fn: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        desc: str | None = None,
        weights: Sequence[int] | None = None,
    ) -> list[Any]:
        """Return `[fn(item) for item in items]`, computed wherever this executor computes.

        `weights` (one per item, e.g. the number of points in a chunk) drive the progress bar.
        """
        items = list(items)
        weights = list(weights) if weights is not None else [1] * len(items)
        progress = _Progress(sum(weights), desc, self.quiet)
        try:
            return self._map(fn, items, weights, progress)
        finally:
            progress.close()

    def _map(self, fn, items, weights, progress) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (a no-op for the serial executor)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, in order."""

    name = "serial"

    def _map(self, fn, items, weights, progress) -> list[Any]:
        out = []
        for item, w in zip(items, weights):
            out.append(fn(item))
            progress.update(w)
        return out


WORKER_STOP_SECONDS = 1.0  # how long a stopped worker gets to exit before it is killed


def _die_with_parent(parent: int) -> None:
    """Initialise a pool worker: leave Ctrl-C to the parent (which ends the workers), let
    SIGTERM end it and, on Linux, be killed when the parent dies, however it dies (no orphaned
    workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Return a pool of `workers` processes, forked where the platform can (they start with
    what this process has built), that ignore SIGINT and die with this process (Linux)."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(
        max_workers=max(1, workers),
        mp_context=ctx,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def terminate_pool(pool: ProcessPoolExecutor) -> None:
    """End the processes of `pool` now, without waiting for their work (an interruption or an
    error): terminated, then killed if still alive after WORKER_STOP_SECONDS."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            p.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            p.join(WORKER_STOP_SECONDS)
            if p.is_alive():
                p.kill()
                p.join(WORKER_STOP_SECONDS)


class PoolExecutor(Executor):
    """A pool of worker processes (fork where the platform has it, so workers inherit state).

    The pool is created at each `map`, after the analysis has registered its context.  Its
    workers ignore SIGINT, die with the parent (Linux) and are terminated when a map is
    interrupted.
    """

    name = "processes"

    def __init__(self, workers: int, quiet: bool = False):
        super().__init__(quiet)
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None

    def _map(self, fn, items, weights, progress) -> list[Any]:
        if len(items) <= 1:
            return SerialExecutor(quiet=True)._map(fn, items, weights, progress)
        # a fresh pool per map: forked workers see the registry as it is now
        self.close()
        self._pool = process_pool(min(self.workers, len(items)))
        try:
            futures = {self._pool.submit(fn, item): k for k, item in enumerate(items)}
            out: list[Any] = [None] * len(items)
            for f in as_completed(futures):
                k = futures[f]
                out[k] = f.result()
                progress.update(weights[k])
            return out
        except BaseException:
            self.terminate()
            raise

    def terminate(self) -> None:
        """End the workers now, without waiting for their items (an interrupted map)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            terminate_pool(pool)

    _abort = terminate  # the name the interrupt handling used first

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """Submits the items to a Dask cluster: an address (`tcp://host:8786`) or a `Client`."""

    name = "dask"

    def __init__(self, client_or_address: Any, quiet: bool = False):
        super().__init__(quiet)
        try:
            from dask.distributed import Client
        except ImportError:
            from gamedsl.model.errors import SpecError

            raise SpecError(
                "--dask needs dask.distributed, which is not installed",
                None,
                "pip install 'gamedsl[distributed]'",
            ) from None
        if isinstance(client_or_address, str):
            try:
                self.client = Client(client_or_address, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as e:
                from gamedsl.model.errors import SpecError

                raise SpecError(
                    f"--dask {client_or_address}: cannot connect ({e})",
                    None,
                    "give the scheduler's address, e.g. tcp://127.0.0.1:8786",
                ) from None
            self._own = True
        else:
            self.client = client_or_address
            self._own = False
        self._shipped: set[tuple] = set()
        try:
            self.workers = max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a cluster that does not say still works
            self.workers = 1

    def _map(self, fn, items, weights, progress) -> list[Any]:
        from dask.distributed import as_completed as dask_completed

        self._ship(items)
        futures = self.client.map(fn, items, pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        out: list[Any] = [None] * len(items)
        for f in dask_completed(futures):
            k = index[f.key]
            out[k] = f.result()
            progress.update(weights[k])
        return out

    def _ship(self, items: Sequence[Any]) -> None:
        """Send the registered state that `items` name to every worker, once per context: the
        workers then resolve it instead of rebuilding it (a game's plans take seconds)."""
        for context in _contexts(items):
            if context.key in self._shipped:
                continue
            self._shipped.add(context.key)
            with _REGISTRY_LOCK:
                if context.key not in _REGISTRY:
                    continue  # nothing built here: the workers build it from the recipe
                value = _REGISTRY[context.key]
            blob = _pickled(value)
            if blob is None:  # unpicklable state: the workers build it from the recipe
                continue
            with contextlib.suppress(Exception):  # a worker that fails builds from the recipe
                self.client.run(_install, context, blob)

    def close(self) -> None:
        if self._own:
            self.client.close()


def _contexts(items: Sequence[Any]) -> list[Context]:
    """Return the contexts that work items name (an item is a Context or a tuple holding them)."""
    found: dict[tuple, Context] = {}
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            if isinstance(part, Context):
                found.setdefault(part.key, part)
    return list(found.values())


def _pickled(value: Any) -> bytes | None:
    """Return `value` pickled by cloudpickle (lambdified functions too), or None if it cannot
    be."""
    with contextlib.suppress(Exception):
        import cloudpickle

        return cloudpickle.dumps(value)
    return None


def _install(context: Context, blob: bytes) -> None:
    """Register the pickled state `blob` under `context` in this (worker's) process, unless it
    is there already (an in-process worker shares the client's registry)."""
    with _REGISTRY_LOCK:
        if context.key in _REGISTRY:
            return
    import pickle

    register(context, pickle.loads(blob))


def make_executor(workers: int | None = None, dask: Any = None, quiet: bool = False) -> Executor:
    """Return the executor for these options: Dask when `dask` is given (an address or a Client),
    a process pool for `workers` > 1 (None: all cores), serial otherwise."""
    if dask:
        return DaskExecutor(dask, quiet=quiet)
    n = default_workers() if workers is None else int(workers)
    if n > 1:
        return PoolExecutor(n, quiet=quiet)
    return SerialExecutor(quiet=quiet)


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """Return (start, stop) index ranges of at most `size` covering range(n)."""
    size = max(1, int(size))
    return [(i, min(i + size, n)) for i in range(0, n, size)]
