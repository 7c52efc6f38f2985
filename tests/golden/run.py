"""Running a golden case in-process and comparing its record with the one on file."""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

from tests.golden.cases import EXPECTED, ROOT, Case

# numbers in outputs are compared with this relative tolerance (the rest of the text exactly):
# the last digits of a float can differ between machines' maths libraries, and a step whose
# symbolic budget runs out under load is solved numerically (vertical_quality: 6e-9 off)
REL_TOL = 1e-7
ABS_TOL = 1e-12
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def run_case(case: Case) -> str:
    """Return the record of `case`: exit code, stdout, stderr and the files it wrote."""
    from gamedsl.cli import main

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{out}", tmp) for a in case.argv]
        out, err = io.StringIO(), io.StringIO()
        os.chdir(ROOT)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as e:  # argparse
                    code = e.code if isinstance(e.code, int) else 2
        finally:
            os.chdir(cwd)
        parts = [f"exit {code}", "--- stdout", out.getvalue(), "--- stderr", err.getvalue()]
        for path in sorted(Path(tmp).iterdir()):
            if path.suffix == ".png":
                parts.append(
                    f"--- file {path.name}: png, {'non-empty' if path.stat().st_size else 'EMPTY'}"
                )
            else:
                parts.append(f"--- file {path.name}")
                parts.append(path.read_text(encoding="utf-8"))
        text = "\n".join(parts)
        return text.replace(tmp, "{out}").replace(str(ROOT), "{repo}")


def expected_path(case: Case) -> Path:
    return EXPECTED / f"{case.id}.txt"


# The conditions of `--symbolic` are printed in a form that depends on the hash seed (the order
# sympy meets the pieces in); they are compared once that is deterministic.
_CONDITION_TEXT = re.compile(r"    when .*$", re.MULTILINE)
_CONDITION_JSON = re.compile(r'("conditions": \{).*?(\n  \})', re.DOTALL)


def _comparable(record: str) -> str:
    return _CONDITION_JSON.sub(r"\1...\2", _CONDITION_TEXT.sub("    when ...", record))


def differences(expected: str, actual: str) -> str | None:
    """Return a description of the first difference (numbers within REL_TOL are equal)."""
    exp_lines, act_lines = _comparable(expected).splitlines(), _comparable(actual).splitlines()
    for i, (e, a) in enumerate(zip(exp_lines, act_lines), 1):
        if e == a:
            continue
        if _NUMBER.sub("#", e) == _NUMBER.sub("#", a):
            ne = [float(x) for x in _NUMBER.findall(e)]
            na = [float(x) for x in _NUMBER.findall(a)]
            if all(abs(x - y) <= ABS_TOL + REL_TOL * abs(x) for x, y in zip(ne, na)):
                continue
        return f"line {i}:\n  expected: {e}\n  actual:   {a}"
    if len(exp_lines) != len(act_lines):
        return f"expected {len(exp_lines)} lines, got {len(act_lines)}"
    return None
