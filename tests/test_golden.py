"""Every command on specs/ and stdlib/ gives the output recorded in tests/golden/expected/.

The records were made before the code was reorganised (DESIGN §3); a difference is either a
fixed defect (the record is made again, and the commit says which) or a regression.
"""

from __future__ import annotations

import pytest

from tests.golden.cases import cases
from tests.golden.run import differences, expected_path, run_case

# Outputs that depend on how fast the machine is at the moment: the first stage's symbolic step
# runs close to its CPU-time budget and is solved numerically when it overruns (the determinism
# defect of the reliability issue: budgets are to count work, not time).
LOAD_DEPENDENT = {
    f"solve-{kind}-specs_vertical_quality"
    for kind in ("text", "json", "latex", "symbolic", "symbolic-json", "all")
} | {
    # the release stage's symbolic step runs close to its budget too (a warning that it ran
    # past it comes and goes with the load, before and after the reorganisation alike)
    "solve-specs_openness_audit-liability",
}


def _marks(case):
    marks = [pytest.mark.slow] if case.slow else []
    if case.id in LOAD_DEPENDENT:
        marks.append(pytest.mark.xfail(reason="depends on machine load", strict=False))
    return marks


CASES = [pytest.param(c, id=c.id, marks=_marks(c)) for c in cases()]


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    path = expected_path(case)
    if not path.exists():
        pytest.fail(f"no record for {case.id}: run python -m tests.golden.record {case.id}")
    problem = differences(path.read_text(encoding="utf-8"), run_case(case))
    assert problem is None, f"{' '.join(case.argv)}\n{problem}"
