"""Analyses on top of `solve`: sweeps, region maps, comparative statics, scenario comparisons.

Each module has one job: `sweep` (the equilibrium over a grid, vectorised where closed forms
exist), `regions` (the plane of two params by regime or expression), `statics` (derivatives and
their signs), `compare` (scenarios side by side); `executor` runs their parallel maps, `regime`
names regimes, `expr` parses command-line expressions, `table` and `plot` hold and draw results,
`cli` is the command line's side.  The Python entry points are `gamedsl.api.Model.sweep`,
`.regions`, `.statics` and `.compare`.
"""
