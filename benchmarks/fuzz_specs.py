"""Fuzz the command line with mutated specs: every outcome must be a documented exit code.

Run: python benchmarks/fuzz_specs.py [--count 1000] [--seed 24] [--workers 2]
                                     [--timeout-check 20] [--timeout-solve 60] [--keep DIR]

Takes the specs of specs/ (and specs/lang/) and stdlib/ as seeds and makes `--count` mutants
(deterministic for a seed): a token deleted or duplicated, two names swapped, a name renamed,
random bytes inserted (NUL, escapes, bytes that are not UTF-8, odd Unicode), a number made huge
or tiny (1e400, 10^400, 1e-400, 9^9^9, inf), lines deleted, duplicated, swapped or re-indented,
or a hostile line added (a use of a device, a FIFO-like path or the environment, a number beyond
the floats, deep brackets, a very long line, terminal escapes in a title).
Runs `gamedsl check` and `gamedsl solve` on each (in worker processes that call the CLI's `main`
directly, so a run costs no interpreter start; a run past its timeout is killed and its worker
replaced), then prints the outcome counts per command and exit code, and lists every finding: an
exit code that DESIGN does not document (0, 2, 3 and 130 are), a traceback, an internal error
(exit 3 with "internal error" — a bug by definition), and a timeout.  With --keep DIR the
mutants that gave findings are written there, named by their index, for reproduction.
"""

from __future__ import annotations

import argparse
import collections
import io
import multiprocessing
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTED = {0, 2, 3, 130}
_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|[A-Za-z][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+|\*\*|'
    r"[<>=!]=|\.\.|#[^\n]*|\n|[ \t]+|."
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"\d")
HUGE = ["1e400", "10^400", "1e308*1e308", "1e-400", "9^9^9", "inf", "-inf", "0", "1e308", "2^1024"]
HOSTILE_LINES = [
    'use "/dev/zero"',
    'use "/proc/self/environ"',
    'use "."',
    'use ""',
    'extends "/etc/passwd"',
    "param zz_big = 10^400",
    "report zz_r = 1e308*1e308",
    "report zz_e = exp(1000)",
    "let zz_deep = " + "(" * 150 + "1" + ")" * 150,
    "let zz_long = " + " + ".join(["1"] * 5000),
    'game "\x1b[2J\x1b]0;title\x07"',
    "param zz_tiny = 1e-400",
    "report zz_div = 1/(1 - 1)",
]
ODD = [
    "\x00",
    "\x1b[2J",
    "\x07",
    "\u202e",
    "\ufeff",
    "\u00e9",
    "\uff11",
    "\u2028",
    "\t",
    "\r",
    '"',
    "\\",
    "(",
    "[",
    "{",
    ":",
    ";",
    "#",
]


@dataclass(frozen=True)
class Mutant:
    index: int
    seed: Path  # the spec it was made from
    how: str
    data: bytes


def seeds() -> list[Path]:
    """Return the seed specs: specs/, specs/lang/ and stdlib/ (modules in lib/ included)."""
    out: list[Path] = []
    for folder in ("specs", "specs/lang", "stdlib", "stdlib/lib"):
        out += sorted((ROOT / folder).glob("*.game"))
    return out


def mutate(text: str, rng: random.Random) -> tuple[str, bytes]:
    """Return (what was done, the mutated bytes) for one random mutation of `text`."""
    tokens = _TOKEN.findall(text)
    solid = [i for i, t in enumerate(tokens) if t.strip() and not t.startswith("#")]
    names = sorted({t for t in tokens if _NAME.match(t)})
    kind = rng.choice(
        [
            "delete token",
            "duplicate token",
            "swap names",
            "rename",
            "random bytes",
            "odd character",
            "huge number",
            "delete line",
            "duplicate line",
            "swap lines",
            "indent line",
            "hostile line",
            "two mutations",
        ]
    )
    if kind == "two mutations":
        how1, first = mutate(text, rng)
        how2, second = mutate(first.decode("utf-8", errors="surrogateescape"), rng)
        return f"{how1}; {how2}", second
    lines = text.split("\n")
    if kind == "hostile line":
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(HOSTILE_LINES))
        return kind, "\n".join(lines).encode("utf-8", errors="surrogateescape")
    if kind == "delete token" and solid:
        i = rng.choice(solid)
        tokens[i] = ""
    elif kind == "duplicate token" and solid:
        i = rng.choice(solid)
        tokens[i] = tokens[i] + " " + tokens[i]
    elif kind == "swap names" and len(names) > 1:
        a, b = rng.sample(names, 2)
        tokens = [b if t == a else a if t == b else t for t in tokens]
    elif kind == "rename" and names:
        a = rng.choice(names)
        where = [i for i, t in enumerate(tokens) if t == a]
        tokens[rng.choice(where)] = a + rng.choice(["x", "_2", "Z"])
    elif kind == "huge number":
        numbers = [i for i, t in enumerate(tokens) if _NUMBER.match(t)]
        if numbers:
            tokens[rng.choice(numbers)] = rng.choice(HUGE)
    elif kind == "odd character" and tokens:
        i = rng.randrange(len(tokens))
        tokens[i] = tokens[i] + rng.choice(ODD)
    elif kind == "random bytes":
        data = "".join(tokens).encode("utf-8", errors="surrogateescape")
        at = rng.randrange(len(data) + 1)
        noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return kind, data[:at] + noise + data[at:]
    elif kind in ("delete line", "duplicate line", "swap lines", "indent line") and lines:
        i = rng.randrange(len(lines))
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(i, lines[i])
        elif kind == "swap lines":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = ("" if lines[i].startswith(" ") else "  ") + lines[i].lstrip()
        return kind, "\n".join(lines).encode("utf-8", errors="surrogateescape")
    return kind, "".join(tokens).encode("utf-8", errors="surrogateescape")


def mutants(count: int, seed: int) -> list[Mutant]:
    """Return `count` mutants, cycling over the seed specs (deterministic for `seed`)."""
    rng = random.Random(seed)
    specs = seeds()
    out = []
    for k in range(count):
        spec = specs[k % len(specs)]
        how, data = mutate(spec.read_text(encoding="utf-8"), rng)
        out.append(Mutant(k, spec, how, data))
    return out


# ---- running the CLI in worker processes ---------------------------------------------------------
def _worker(conn) -> None:
    """Run `main(argv)` for each argv received; send back (code, stdout tail, stderr tail)."""
    from gamedsl.cli import main

    while True:
        argv = conn.recv()
        if argv is None:
            return
        out, err = io.StringIO(), io.StringIO()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                code = main(list(argv))
        except BaseException:  # noqa: BLE001 - what escapes main is a finding
            code = "escaped"
            err.write(traceback.format_exc())
        conn.send((code, out.getvalue()[-1000:], err.getvalue()[-3000:]))


class Worker:
    """One worker process and its pipe; replaced when a run passes its timeout."""

    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.job = None
        self.started = 0.0

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)


@dataclass
class Outcome:
    mutant: Mutant
    command: str
    code: object  # an int, "timeout" or "escaped"
    stderr: str

    @property
    def finding(self) -> str | None:
        if self.code == "timeout":
            return "timeout"
        if self.code == "escaped" or "Traceback" in self.stderr:
            return "traceback"
        if self.code not in DOCUMENTED:
            return f"exit {self.code}"
        if "internal error" in self.stderr:
            return "internal error"
        return None


def run_all(jobs: list[tuple[Mutant, str, list[str], float]], workers: int) -> list[Outcome]:
    """Return the outcome of every job (mutant, command, argv, timeout)."""
    ctx = multiprocessing.get_context("fork")
    pool = [Worker(ctx) for _ in range(workers)]
    pending = collections.deque(jobs)
    results: list[Outcome] = []
    done = 0
    while pending or any(w.job for w in pool):
        for k, w in enumerate(pool):
            if w.job is None and pending:
                w.job = pending.popleft()
                w.started = time.monotonic()
                w.conn.send(w.job[2])
            if w.job is None:
                continue
            mutant, command, _argv, limit = w.job
            if w.conn.poll(0.02):
                try:
                    code, _out, err = w.conn.recv()
                except EOFError:  # the worker died (a crash of the interpreter itself)
                    code, err = "escaped", "worker process died"
                    w.stop()
                    pool[k] = Worker(ctx)
                results.append(Outcome(mutant, command, code, err))
                w.job = None
                done += 1
            elif time.monotonic() - w.started > limit or not w.process.is_alive():
                code = "timeout" if w.process.is_alive() else "escaped"
                w.stop()
                results.append(Outcome(mutant, command, code, "" if code == "timeout" else "died"))
                pool[k] = Worker(ctx)
                done += 1
            if done and done % 100 == 0 and w.job is None:
                print(f"  {done}/{len(jobs)} runs", file=sys.stderr, flush=True)
    for w in pool:
        w.conn.send(None)
        w.process.join(5)
    return results


def _workdir(tmp: Path, seed: Path) -> Path:
    """Return the folder for mutants of `seed`: its `lib/` reachable, so `use` resolves."""
    folder = tmp / seed.parent.relative_to(ROOT).as_posix().replace("/", "_")
    if not folder.exists():
        folder.mkdir(parents=True)
        if (seed.parent / "lib").is_dir():
            (folder / "lib").symlink_to(seed.parent / "lib")
        for sibling in seed.parent.glob("*.game"):  # extends "other.game" of the same folder
            (folder / sibling.name).symlink_to(sibling)
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=24)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout-check", type=float, default=20)
    p.add_argument("--timeout-solve", type=float, default=60)
    p.add_argument("--keep", metavar="DIR", help="write the mutants with findings here")
    args = p.parse_args(argv)

    import gamedsl.cli  # noqa: F401 - loaded once, before the workers fork

    tmp = Path(tempfile.mkdtemp(prefix="gamedsl-fuzz-"))
    jobs = []
    for m in mutants(args.count, args.seed):
        path = _workdir(tmp, m.seed) / f"mutant_{m.index:05d}.game"
        path.write_bytes(m.data)
        jobs.append((m, "check", ["check", str(path)], args.timeout_check))
        jobs.append((m, "solve", ["solve", str(path)], args.timeout_solve))
    start = time.monotonic()
    print(f"{args.count} mutants of {len(seeds())} seed specs, {len(jobs)} runs", flush=True)
    try:
        results = run_all(jobs, args.workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - start

    print(f"\noutcomes ({elapsed:.0f} s):")
    for command in ("check", "solve"):
        counts = collections.Counter(str(r.code) for r in results if r.command == command)
        shown = ", ".join(
            f"exit {c}: {n}" if c.isdigit() else f"{c}: {n}" for c, n in sorted(counts.items())
        )
        print(f"  {command}: {shown}")
    findings = [r for r in results if r.finding]
    kinds = collections.Counter(r.finding for r in findings)
    print(f"findings: {len(findings)}" + (f" ({dict(kinds)})" if findings else ""))
    for r in findings:
        last = r.stderr.strip().splitlines()[-1:] or [""]
        print(
            f"  #{r.mutant.index:05d} {r.command} {r.finding}: {r.mutant.seed.relative_to(ROOT)} "
            f"[{r.mutant.how}] {last[0][:160]}"
        )
    if args.keep:
        keep = Path(args.keep)
        keep.mkdir(parents=True, exist_ok=True)
        for r in findings:
            name = f"mutant_{r.mutant.index:05d}_{r.mutant.seed.stem}.game"
            (keep / name).write_bytes(r.mutant.data)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
