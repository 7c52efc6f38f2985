"""The golden cases: every command of DESIGN §2 on specs/ and stdlib/, recorded before a change
that must preserve behaviour and compared after it (`tests/test_golden.py`).

A case is a command line, run in-process through `gamedsl.cli.main`; its record is the exit
code, stdout, stderr and the files it wrote (`{out}` in the arguments is a fresh directory).
Record them anew with `python -m tests.golden.record` (then read the diff: every change is
either a fixed defect, named in the commit, or a regression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"


@dataclass(frozen=True)
class Case:
    """One command line; `slow` cases run only with `-m slow`."""

    id: str
    argv: tuple[str, ...]
    slow: bool = False


def _files() -> list[str]:
    """Return the spec files with golden records (those of specs/ and stdlib/ at recording)."""
    listed = (Path(__file__).resolve().parent / "files.txt").read_text(encoding="utf-8")
    return [line.strip() for line in listed.splitlines() if line.strip()]


def _scenarios(path: str) -> list[str]:
    text = (ROOT / path).read_text(encoding="utf-8")
    return re.findall(r"^scenario\s+([A-Za-z][A-Za-z0-9_]*)", text, flags=re.MULTILINE)


def _key(path: str) -> str:
    return path.removesuffix(".game").replace("/", "_")


# symbolic solves that take tens of seconds
_SLOW_SYMBOLIC = {
    "stdlib/fm_openness.game",
    "stdlib/fm_openness_dynamic.game",
    "stdlib/ai_supply_chain.game",
    "specs/hotelling.game",
    "specs/openness_audit.game",
    "specs/lang/stackelberg_entry.game",
}
_SLOW_SOLVE = {"stdlib/fm_openness_dynamic.game"}


def cases() -> list[Case]:
    """Return every golden case, in a stable order."""
    out: list[Case] = [Case("list", ("list",))]
    for path in _files():
        k = _key(path)
        slow = path in _SLOW_SOLVE
        out.append(Case(f"check-{k}", ("check", path)))
        for fmt in ("text", "dot", "mermaid"):
            out.append(Case(f"graph-{fmt}-{k}", ("graph", path, "--format", fmt)))
        for fmt in ("text", "json", "latex"):
            out.append(Case(f"solve-{fmt}-{k}", ("solve", path, "--format", fmt), slow))
        out.append(
            Case(f"solve-symbolic-{k}", ("solve", path, "--symbolic"), path in _SLOW_SYMBOLIC)
        )
        out.append(
            Case(
                f"solve-symbolic-json-{k}",
                ("solve", path, "--symbolic", "--format", "json"),
                True,
            )
        )
        out.append(
            Case(f"solve-all-{k}", ("solve", path, "--select", "all", "--format", "json"), True)
        )
        for sc in _scenarios(path):
            out.append(Case(f"check-{k}-{sc}", ("check", path, "--scenario", sc)))
            out.append(
                Case(f"solve-{k}-{sc}", ("solve", path, "--scenario", sc, "--format", "json"), slow)
            )
        if _scenarios(path):
            for fmt in ("text", "json", "latex"):
                out.append(
                    Case(
                        f"compare-{fmt}-{k}",
                        ("compare", path, "--workers", "1", "--format", fmt),
                        True,
                    )
                )
    out += _analyses()
    return out


def _analyses() -> list[Case]:
    w = ("--workers", "1", "--quiet")
    return [
        Case("sweep-cournot", ("sweep", "specs/cournot.game", "--vary", "a=5:15:5", *w)),
        Case(
            "sweep-cournot_capacity-csv",
            (
                "sweep",
                "specs/cournot_capacity.game",
                "--vary",
                "a=2:20:7",
                "--set",
                "K=3",
                "-o",
                "{out}/s.csv",
                *w,
            ),
        ),
        Case(
            "sweep-stackelberg-json",
            (
                "sweep",
                "specs/stackelberg.game",
                "--vary",
                "a=5:15:3",
                "--vary",
                "c=0:2:3",
                "-o",
                "{out}/s.json",
                *w,
            ),
        ),
        Case(
            "sweep-threshold_penalty",
            ("sweep", "specs/threshold_penalty.game", "--vary", "p=0:0.5:6", *w),
        ),
        Case(
            "sweep-entry_deterrence",
            ("sweep", "specs/entry_deterrence.game", "--vary", "F=0:20:6", *w),
        ),
        Case(
            "sweep-openness_regulation",
            ("sweep", "stdlib/openness_regulation.game", "--vary", "theta=0:1:5", *w),
        ),
        Case(
            "sweep-cost_reduction-numeric",
            ("sweep", "specs/cost_reduction.game", "--vary", "a=8:12:3", *w),
        ),
        Case(
            "sweep-plot",
            (
                "sweep",
                "specs/cournot_capacity.game",
                "--vary",
                "a=2:20:7",
                "--set",
                "K=3",
                "--plot",
                "{out}/p.png",
                "-o",
                "{out}/p.csv",
                *w,
            ),
        ),
        Case(
            "sweep-ai_supply_chain",
            ("sweep", "stdlib/ai_supply_chain.game", "--vary", "c=0.2:0.8:3", *w),
            True,
        ),
        Case(
            "regions-openness_regulation",
            (
                "regions",
                "stdlib/openness_regulation.game",
                "--x",
                "theta=0:1:6",
                "--y",
                "p=0:0.5:5",
                *w,
            ),
        ),
        Case(
            "regions-openness_regulation-csv",
            (
                "regions",
                "stdlib/openness_regulation.game",
                "--x",
                "theta=0:1:4",
                "--y",
                "p=0:0.5:3",
                "-o",
                "{out}/r.csv",
                *w,
            ),
        ),
        Case(
            "regions-openness_regulation-by",
            (
                "regions",
                "stdlib/openness_regulation.game",
                "--x",
                "theta=0:1:5",
                "--y",
                "p=0:0.5:4",
                "--by",
                "welfare - welfare@no_regulation",
                *w,
            ),
        ),
        Case(
            "regions-cournot_capacity-png",
            (
                "regions",
                "specs/cournot_capacity.game",
                "--x",
                "a=2:20:5",
                "--y",
                "K=1:5:4",
                "-o",
                "{out}/r.png",
                *w,
            ),
        ),
        Case("statics-cournot", ("statics", "specs/cournot.game", "--wrt", "a", "--wrt", "c", *w)),
        Case(
            "statics-stackelberg-json",
            ("statics", "specs/stackelberg.game", "--wrt", "a", "--format", "json", *w),
        ),
        Case(
            "statics-threshold_penalty",
            ("statics", "specs/threshold_penalty.game", "--wrt", "p", *w),
        ),
        Case(
            "statics-openness_regulation",
            ("statics", "stdlib/openness_regulation.game", "--wrt", "theta", *w),
        ),
        Case(
            "compare-openness_regulation-two",
            (
                "compare",
                "stdlib/openness_regulation.game",
                "--scenario",
                "strict",
                "--scenario",
                "mandate",
                *w,
            ),
        ),
        Case(
            "compare-double_marginalisation",
            ("compare", "specs/double_marginalisation.game", *w),
        ),
    ] + _errors()


def _errors() -> list[Case]:
    """Command-line and spec errors (exit 2/3): messages, positions, hints."""
    bad = Path(__file__).resolve().parent / "bad"
    out = [
        Case(f"error-{p.stem}", ("check", str(p.relative_to(ROOT))))
        for p in sorted(bad.glob("*.game"))
    ]
    out += [
        Case("error-solve-matching_pennies", ("solve", "specs/matching_pennies.game", "--pure")),
        Case("error-set-unknown", ("solve", "specs/cournot.game", "--set", "zz=1")),
        Case("error-set-domain", ("solve", "specs/cournot.game", "--set", "b=-1")),
        Case("error-set-malformed", ("solve", "specs/cournot.game", "--set", "a")),
        Case("error-scenario-unknown", ("solve", "specs/cournot.game", "--scenario", "nope")),
        Case("error-missing-file", ("check", "specs/nope.game")),
        Case("error-stdlib-unknown", ("check", "stdlib:nope")),
        Case("error-vary-bad", ("sweep", "specs/cournot.game", "--vary", "a=1:2")),
        Case(
            "error-columns-unknown",
            (
                "sweep",
                "specs/cournot.game",
                "--vary",
                "a=5:6:2",
                "--columns",
                "qq",
                "--workers",
                "1",
            ),
        ),
        Case(
            "error-by-bad",
            (
                "regions",
                "specs/cournot.game",
                "--x",
                "a=5:6:2",
                "--y",
                "c=0:1:2",
                "--by",
                "q1 +",
                "--workers",
                "1",
            ),
        ),
        Case("check-stdlib-ref", ("check", "stdlib:openness_regulation")),
        Case("solve-stdlib-ref", ("solve", "stdlib:ai_supply_chain", "--format", "json")),
    ]
    return out
