"""Names and numbers in LaTeX: the one rule every LaTeX output uses (`solve --format latex`,
`derive`, `compare --format latex`, a Solution in Jupyter).

- a param or choice variable (`latex_name`): a Greek letter's name is the letter (`theta` ->
  `\\theta`), a part after `_` and trailing digits are subscripts (`alpha0` -> `\\alpha_{0}`,
  `omega_bar` -> `\\omega_{bar}`, `c2` -> `c_{2}`), other names of several letters are italic
  words (`qL` -> `\\mathit{qL}`);
- a player's payoff (`payoff_name`): `\\pi_{\\mathrm{L}}`;
- a report or any other label (`label`): upright text, `_` escaped (`\\mathrm{CS}`);
- a number (`latex_number`): as in text (`gamedsl.model.numbers.number`), a power of ten as
  `1.5 \\times 10^{-7}`.
"""

from __future__ import annotations

from typing import Any

from gamedsl.model.numbers import number

GREEK = frozenset(
    {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
    }
)
DIGITS = "0123456789"


def latex_name(name: str) -> str:
    """Return a param or choice name as a LaTeX math symbol (see the module)."""
    if "_" in name:
        head, tail = name.split("_", 1)
        return f"{latex_name(head)}_{{{escape(tail)}}}"
    if name in GREEK:
        return "\\" + name
    base = name.rstrip(DIGITS)
    if base and base != name and len(name) > 1:
        digits = name[len(base) :]
        if base in GREEK:
            return f"\\{base}_{{{digits}}}"
        return f"{base}_{{{digits}}}" if len(base) == 1 else f"\\mathit{{{base}}}_{{{digits}}}"
    return name if len(name) == 1 else f"\\mathit{{{name}}}"


def payoff_name(player: str) -> str:
    """Return the symbol of a player's payoff: `\\pi_{\\mathrm{L}}`."""
    return rf"\pi_{{\mathrm{{{player}}}}}"


def label(text: str) -> str:
    """Return a report's name (or any label) as upright text in math mode."""
    return rf"\mathrm{{{escape(text)}}}"


def escape(text: str) -> str:
    """Return text with LaTeX's subscript character `_` escaped."""
    return text.replace("_", r"\_")


def latex_number(x: Any) -> str:
    """Return a number for a LaTeX table: as in text, `m \\times 10^{e}` for `me+e`."""
    s = number(x)
    if "e" in s and s not in ("inf", "-inf"):
        m, e = s.split("e")
        return f"${m} \\times 10^{{{int(e)}}}$"
    return s
