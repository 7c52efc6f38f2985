"""The contracts between the steps: the checked `Game`, the `Solution`, errors with spans."""
