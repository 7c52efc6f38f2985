"""The derivation of an equilibrium as a standalone LaTeX document (`gamedsl derive`).

The document uses the article class and amsmath only; compile it with any TeX installation
(`pdflatex appendix.tex`) or paste its sections into a paper's appendix."""

from __future__ import annotations

import sympy

from gamedsl.model.game import Game, symbol
from gamedsl.model.numbers import number
from gamedsl.report.latex import latex_name, payoff_name
from gamedsl.report.maths import math_latex


def derivation_latex(derivation, game: Game) -> str:
    """Return the derivation as a LaTeX document."""
    names = {symbol(n): latex_name(n) for n in list(game.params) + [c.var for c in game.choices]}

    def m(e) -> str:
        return math_latex(e, names)

    sol = derivation.solution
    out = [
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\begin{document}",
        rf"\section*{{Derivation: {escape(derivation.title)}}}",
        "The game is solved by backward induction, from the last stage to the first.",
        "Parameters: "
        + ", ".join(f"${latex_name(k)} = {number(v)}$" for k, v in sol.parameters.items())
        + " (the values solved at; the closed forms hold in the params).",
    ]
    for stage in derivation.stages:
        out.append(rf"\subsection*{{Stage \texttt{{{escape(stage.name)}}}}}")
        for c in stage.choices:
            out += _choice(c, m, names)
    out.append(r"\subsection*{Equilibrium}")
    if sol.closed_forms:
        out.append("In the params, on the equilibrium path:")
        out.append(r"\begin{align*}")
        rows = []
        for key, pieces in sol.closed_forms.items():
            lhs = _lhs(key, sol)
            for i, p in enumerate(pieces):
                cond = "" if str(p.when) == "True" else rf" && \text{{if }} {m(p.when)}"
                rows.append(f"{lhs if i == 0 else ''} &= {m(p.value)}{cond}")
        out.append(" \\\\\n".join(rows))
        out.append(r"\end{align*}")
    else:
        out.append("No closed form in the params was found; the values solved are:")
        out.append(r"\begin{align*}")
        out.append(
            " \\\\\n".join(f"{latex_name(k)}^* &= {number(v)}" for k, v in sol.equilibrium.items())
        )
        out.append(r"\end{align*}")
    if derivation.statics:
        out.append(r"\subsection*{Comparative statics}")
        out.append(r"\begin{align*}")
        rows = []
        for s in derivation.statics:
            lhs = rf"\frac{{\partial {latex_name(s.key)}^*}}{{\partial {latex_name(s.param)}}}"
            if not s.sign:
                sign = r"\quad\text{(its sign changes)}"
            elif s.proved:
                sign = f" {s.sign}"
            else:
                sign = rf" {s.sign} \quad\text{{(at every sampled point)}}"
            cond = "" if str(s.when) == "True" else rf" && \text{{if }} {m(s.when)}"
            rows.append(f"{lhs} &= {m(s.derivative)}{sign}{cond}")
        out.append(" \\\\\n".join(rows))
        out.append(r"\end{align*}")
    v = sol.verification
    out.append(
        "Verification: no player gains by deviating (largest gain found "
        f"${number(v.max_gain, 2)}$)."
        if v.ok
        else f"Verification failed: {escape(v.worst or '')} gains ${number(v.max_gain, 3)}$."
    )
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


def escape(text: str) -> str:
    """Return text with LaTeX's special characters escaped (and control characters dropped)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in text if ch >= " " or ch == "\n")


def _lhs(key: str, sol) -> str:
    """Return the LaTeX name of a closed form's quantity."""
    if key.startswith("payoff("):
        return payoff_name(key[len("payoff(") : -1])
    if key in sol.equilibrium:
        return latex_name(key) + "^*"
    return latex_name(key)


def _choice(c, m, names) -> list[str]:
    """Return the paragraphs of one player's problem in a stage."""
    x = latex_name(c.var)
    dom = escape(c.domain) if c.domain else ""
    out = [
        rf"\paragraph{{{escape(c.player)} chooses ${x}$}}"
        + (rf" (domain: \texttt{{{dom}}})." if dom else "."),
    ]
    if c.numeric:
        shown = number(c.value) if c.value is not None else "?"
        out.append(
            "This stage has no closed form within the budget; it was solved numerically: "
            rf"${x}^* = {shown}$ on the equilibrium path."
        )
        return out
    out.append("The problem, with the later stages' best replies substituted in:")
    out.append(rf"\[ \max_{{{x}}} \; {m(c.objective)} \]")
    if c.discrete:
        out.append("The choice is finite: the payoffs of its values are compared.")
    elif c.foc is not None:
        out.append("First-order condition:")
        u = payoff_name(c.player)
        out.append(rf"\[ \frac{{\partial {u}}}{{\partial {x}}} = {m(c.foc)} = 0 \]")
        soc = m(c.soc)
        where = {
            "everywhere": "it holds on the whole domain of the params",
            "everywhere (weakly)": "the payoff is weakly concave on the whole domain",
            "nowhere": "it fails: the optimum is at a bound of the domain",
        }.get(c.concave, "it holds where this is negative")
        out.append(
            rf"Second-order condition: \[ \frac{{\partial^2 {u}}}{{\partial {x}^2}} = {soc} < 0, \]"
        )
        out.append(where + ".")
    if c.best_reply is not None:
        out.append("Best reply:")
        out.append(rf"\[ {x} = {m(sympy.sympify(c.best_reply))} \]")
        if c.conditions:
            out.append(r"when \texttt{" + escape(c.conditions) + "}.")
    return out
