"""Suggestions for unknown names: "did you mean 'alpha0'?"."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

MAX_SUGGESTIONS = 25  # difflib is slow on big namespaces: one check suggests this many at most


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Return "did you mean 'x'?" for the closest candidate, if any is close."""
    if len(name) > 60:
        return None
    pool = [c for c in candidates if len(c) <= 60]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close and len(pool) < 5000:
        lower = {c.lower(): c for c in pool}
        if name.lower() in lower:
            close = [lower[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None


class Suggestions:
    """The suggestions of one check, at most MAX_SUGGESTIONS of them (a spec with thousands of
    unknown names must not spend seconds in difflib)."""

    def __init__(self) -> None:
        self.left = MAX_SUGGESTIONS

    def did_you_mean(
        self, name: str, candidates: Iterable[str] | Callable[[], Iterable[str]]
    ) -> str:
        """Return " (did you mean 'x'?)" for an unknown `name`, or ""."""
        if self.left <= 0:
            return ""
        self.left -= 1
        if callable(candidates):
            candidates = candidates()
        hint = suggest(name, candidates)
        return f" ({hint})" if hint else ""
