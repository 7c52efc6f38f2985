"""The language: `.game` text to a checked `Game` (parse, load, check, lower, scenarios)."""
