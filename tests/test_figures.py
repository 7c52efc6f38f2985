"""The documented figures: every finding of every stdlib model has one documented command that
draws its figure into docs/img/, every picture there is drawn by a documented command, the
commands are well formed, and `docs/make_figures.py` runs them (on cut-down grids here; the
whole set with `-m slow`).

The findings are those each spec's header lists (`#   F1 ...` or `#   1 ...`, as its model card
numbers them); a finding's section in stdlib/README.md starts `**F<n> — `.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from gamedsl.cli.arguments import build_parser, finish_args

ROOT = Path(__file__).resolve().parents[1]
STDLIB = ROOT / "stdlib"
IMG = ROOT / "docs" / "img"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _make_figures():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_figures"] = module
    spec.loader.exec_module(module)
    return module


MF = _make_figures()
FIGURES = MF.figures()
MODELS = sorted(p.stem for p in STDLIB.glob("*.game"))


def _findings(model: str) -> list[int]:
    """Return the numbers of the findings the spec's header lists."""
    header = []
    for line in (STDLIB / f"{model}.game").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    numbers = [int(m[1]) for m in (re.match(r"#\s{2,4}F?(\d+) ", h) for h in header) if m]
    assert numbers == list(range(1, len(numbers) + 1)), (model, numbers)
    return numbers


def _sections() -> dict[str, str]:
    """Return each model's section of stdlib/README.md."""
    text = (STDLIB / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {p.split(" ", 1)[0]: p for p in parts[1:]}


def test_every_model_lists_its_findings():
    assert MODELS == [
        "ai_supply_chain",
        "fm_openness",
        "fm_openness_dynamic",
        "openness_regulation",
    ]
    assert {m: len(_findings(m)) for m in MODELS} == {
        "ai_supply_chain": 6,
        "fm_openness": 3,
        "fm_openness_dynamic": 4,
        "openness_regulation": 6,
    }


@pytest.mark.parametrize("model", MODELS)
def test_every_finding_has_one_command_and_its_figure(model):
    section = _sections()[model]
    findings = re.split(r"^\*\*F(\d+) — ", section, flags=re.MULTILINE)
    found = {int(n): body for n, body in zip(findings[1::2], findings[2::2])}
    assert sorted(found) == _findings(model)
    for n, body in found.items():
        image = f"docs/img/{model}_f{n}.png"
        lines = [ln.strip() for _, ln in MF._code_lines(body) if ln.strip().startswith("gamedsl ")]
        assert len(lines) == 1, (model, n, lines)  # one command per finding
        commands = [f for f in FIGURES if f.doc == "stdlib/README.md" and f.image in lines[0]]
        assert [f.image for f in commands] == [image], (model, n)
        assert f"](../{image})" in body  # shown where it is documented
        path = ROOT / image
        assert path.read_bytes().startswith(PNG_MAGIC), image
        assert f"stdlib:{model}" in commands[0].argv


def test_every_picture_is_drawn_by_a_documented_command_and_shown():
    drawn = {f.image for f in FIGURES}
    assert {f"docs/img/{p.name}" for p in IMG.glob("*.png")} == drawn
    docs = "".join((ROOT / d).read_text(encoding="utf-8") for d in MF.DOCS)
    for image in drawn:
        assert image.removeprefix("docs/") in docs  # img/... in an <img> or ![...](...)


@pytest.mark.parametrize(
    "figure", FIGURES, ids=[f.image.removeprefix("docs/img/") for f in FIGURES]
)
def test_documented_commands_are_well_formed(figure):
    args = build_parser().parse_args(list(figure.argv))
    finish_args(args)
    assert args.command in ("sweep", "regions", "statics", "compare")


def test_quick_axes():
    argv = ("sweep", "x", "--vary", "a=0:1:101", "--set", "b=1", "--vary", "c=0:1:3")
    assert MF.quick_argv(argv, 5) == (
        "sweep",
        "x",
        "--vary",
        "a=0:1:5",
        "--set",
        "b=1",
        "--vary",
        "c=0:1:3",
    )


def test_make_figures_runs_documented_commands(tmp_path, capsys):
    # a sweep and a region map with NAME@SCENARIO of the fast model, on grids of at most 4 values
    # an axis (every command: -m slow)
    only = ["--only", "openness_regulation_f1.png", "--only", "openness_regulation_f5.png"]
    assert MF.main(["--quick", "4", "--out", str(tmp_path), *only]) == 0
    assert "2 of 2 figures" in capsys.readouterr().out
    for n in (1, 5):
        assert (tmp_path / f"openness_regulation_f{n}.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_make_figures_runs_every_command(tmp_path, capsys):
    assert MF.main(["--quick", "3", "--out", str(tmp_path)]) == 0
    assert f"{len(FIGURES)} of {len(FIGURES)} figures" in capsys.readouterr().out
