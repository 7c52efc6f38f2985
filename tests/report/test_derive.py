"""`gamedsl derive`: a standalone LaTeX appendix whose every formula converts (latex2mathml) and
whose structure parses (pylatexenc); there is no TeX engine here."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

latex2mathml = pytest.importorskip("latex2mathml.converter")
pylatexenc = pytest.importorskip("pylatexenc.latexwalker")


def derive(spec: str, *extra: str) -> tuple[int, str, str]:
    from gamedsl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["derive", spec, *extra])
        except SystemExit as exit_:
            code = exit_.code
    return code or 0, out.getvalue(), err.getvalue()


MATH = re.compile(r"\\\[(.+?)\\\]|\$(.+?)\$|\\begin\{align\*\}(.+?)\\end\{align\*\}", re.DOTALL)


def formulas(doc: str) -> list[str]:
    """Return every displayed or inline formula (align rows one by one)."""
    out = []
    for m in MATH.finditer(doc):
        block, inline, align = m.groups()
        if align is not None:
            out += [row.replace("&", " ") for row in align.split("\\\\") if row.strip()]
        else:
            out.append(block if block is not None else inline)
    return out


@pytest.mark.parametrize(
    "spec",
    [
        "specs/stackelberg.game",
        "specs/ultimatum.game",
        pytest.param("specs/cournot_capacity.game", marks=pytest.mark.slow),
        pytest.param("specs/threshold_penalty.game", marks=pytest.mark.slow),
        pytest.param("specs/double_marginalisation.game", marks=pytest.mark.slow),
    ],
)
def test_derivation_is_a_document_whose_formulas_convert(spec: str) -> None:
    code, doc, err = derive(str(ROOT / spec))
    assert code == 0, err
    assert doc.startswith("\\documentclass{article}")
    assert "\\usepackage{amsmath}" in doc and doc.rstrip().endswith("\\end{document}")
    nodes, _, _ = pylatexenc.LatexWalker(doc, tolerant_parsing=False).get_latex_nodes()
    envs = [n.environmentname for n in nodes if n.isNodeType(pylatexenc.LatexEnvironmentNode)]
    assert envs == ["document"]
    found = formulas(doc)
    assert len(found) >= 4
    for f in found:
        latex2mathml.convert(f)  # raises on LaTeX it cannot read


def test_stackelberg_derivation_has_the_textbook_steps() -> None:
    code, doc, _ = derive(str(ROOT / "specs/stackelberg.game"))
    assert code == 0
    # the follower's stage comes first (backward induction), with its FOC and concavity
    assert doc.index("Stage \\texttt{follow}") < doc.index("Stage \\texttt{lead}")
    assert "a - 2 b \\mathit{qF} - b \\mathit{qL} - c + s = 0" in doc
    assert "- 2 b < 0" in doc
    # the equilibrium qL* = (a - c + s)/(2b) and a proved sign of a comparative static
    assert "\\mathit{qL}^* &= \\frac{a - c + s}{2 b}" in doc
    assert "\\frac{\\partial \\mathit{qL}^*}{\\partial s} &= \\frac{1}{2 b} > 0" in doc


def test_derive_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "appendix.tex"
    code, out, err = derive(str(ROOT / "specs/cournot.game"), "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert target.read_text().startswith("\\documentclass{article}")
