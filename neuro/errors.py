"""Error types of the `neuro` layer (see also `devices.errors.ParameterError`)."""

from __future__ import annotations

from devices.errors import ParameterError


class DataError(RuntimeError):
    """A data set is missing, corrupt or inconsistent. The message names the file."""


class ConfigError(ParameterError):
    """A scenario configuration value or ``--set`` override is invalid."""


USER_ERRORS = (ParameterError, DataError)
"""Errors the command line reports as one line (no traceback)."""
