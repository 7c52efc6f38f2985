"""Record the golden outputs: `python -m tests.golden.record [SUBSTRING ...]`.

With substrings, only the cases whose id contains one of them are recorded again.
"""

from __future__ import annotations

import sys
import time

from tests.golden.cases import EXPECTED, cases
from tests.golden.run import expected_path, run_case


def main(argv: list[str]) -> int:
    EXPECTED.mkdir(exist_ok=True)
    chosen = [c for c in cases() if not argv or any(s in c.id for s in argv)]
    for case in chosen:
        t0 = time.perf_counter()
        record = run_case(case)
        expected_path(case).write_text(record, encoding="utf-8")
        print(f"{time.perf_counter() - t0:6.2f} s  {case.id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
