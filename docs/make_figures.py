"""Draw the pictures of docs/analyses.md into docs/img/ (one per analysis).

python docs/make_figures.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gamedsl.api as gamedsl
from gamedsl.report.plot import close

IMG = ROOT / "docs" / "img"


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    # sweep: Cournot with a capacity on firm 2 — the capacity starts to bind as demand grows
    capacity = gamedsl.load(str(ROOT / "specs" / "cournot_capacity.game"))
    table = capacity.sweep({"a": np.linspace(2, 20, 91)}, {"K": 3})
    close(table.plot(["q1", "q2", "F1", "F2", "price"], IMG / "sweep.png"))

    # regions by regime: the openness regulator's (theta, p) plane
    model = gamedsl.load("stdlib:openness_regulation")
    rmap = model.regions(("theta", np.linspace(0, 1, 101)), ("p", np.linspace(0, 0.5, 101)))
    close(rmap.plot(IMG / "regions.png"))

    # regions by an expression: welfare gain of the regulation over no regulation
    gain = model.regions(
        ("theta", np.linspace(0, 1, 81)),
        ("alpha0", np.linspace(0.05, 0.9, 81)),
        by="welfare - welfare@no_regulation",
    )
    close(gain.plot(IMG / "regions_by.png"))

    # statics: Cournot, every quantity w.r.t. a and c
    cournot = gamedsl.load(str(ROOT / "specs" / "cournot.game"))
    close(cournot.statics(["a", "c"]).plot(IMG / "statics.png"))

    # compare: the openness model's scenarios
    cmp = model.compare("no_regulation", "strict", "mandate", "integrated")
    close(cmp.plot(IMG / "compare.png"))

    for p in sorted(IMG.glob("*.png")):
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size / 1024:.0f} KiB")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
