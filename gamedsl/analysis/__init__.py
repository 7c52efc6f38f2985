"""Analyses on top of `solve`: sweeps, region maps, comparative statics, scenario comparisons.

Each module has one job: `sweep` (the equilibrium over a grid, vectorised where closed forms
exist; `pieces` evaluates the compiled closed forms, `intervals` encloses them over a box),
`scenarios` (one grid under several scenarios, and columns computed from expressions that
read them), `regions` (the plane of two params by regime or expression), `statics` (derivatives
and their signs; `signs` says what holds on the whole domain), `compare` (scenarios side by
side); `executor` runs their parallel maps, `regime` names regimes, `expr` parses the `--by` and
`--columns` expressions.
They call the solver through its package (`gamedsl.solver`) and return the dataclasses of
`gamedsl.model.analysis`, which `gamedsl.report` formats.  The Python entry points are
`gamedsl.api.Model.sweep`, `.regions`, `.statics` and `.compare`.
"""
