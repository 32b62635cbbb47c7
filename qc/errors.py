"""Errors the CLI maps to exit codes (cli.py is the only place that exits)."""


class QcError(Exception):
    """Base class for qc errors that carry a message for the user."""

    exit_code = 3


class ConfigError(QcError):
    """Bad rules, config or usage: exit code 2. The message names the file and key."""

    exit_code = 2
