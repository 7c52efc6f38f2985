"""Every command on specs/ and stdlib/ gives the output recorded in tests/golden/expected/.

The records were made before the code was reorganised (DESIGN §3); a difference is either a
fixed defect (the record is made again, and the commit says which) or a regression.
"""

from __future__ import annotations

import pytest

from tests.golden.cases import cases
from tests.golden.run import differences, expected_path, run_case

CASES = [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in cases()]


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    path = expected_path(case)
    if not path.exists():
        pytest.fail(f"no record for {case.id}: run python -m tests.golden.record {case.id}")
    problem = differences(path.read_text(encoding="utf-8"), run_case(case))
    assert problem is None, f"{' '.join(case.argv)}\n{problem}"
