"""Errors raised for bad user input anywhere in the project.

`ParameterError` lives here, in the lowest layer, so that every package (devices, learning rules,
networks, scenarios) raises the same type and the command line can turn it into one clear line.
"""

from __future__ import annotations

import math
from typing import Any


class ParameterError(ValueError):
    """A parameter is invalid. The message names the field, the value and what is allowed."""


def fail(field: str, value: Any, allowed: str) -> ParameterError:
    """Build the standard error: ``field = value is invalid: allowed``."""
    return ParameterError(f"{field} = {value!r} is invalid: {allowed}")


def check_finite(field: str, value: float) -> None:
    """Raise when ``value`` is NaN or infinite (or not a real number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(field, value, "must be a real number")
    if not math.isfinite(value):
        raise fail(field, value, "must be finite (not NaN or infinity)")


def check_range(
    field: str,
    value: float,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> None:
    """Raise unless ``value`` is finite and within the interval [lo, hi] (ends open if asked)."""
    check_finite(field, value)
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    lo_text = "-inf" if lo is None else lo
    hi_text = "inf" if hi is None else hi
    allowed = f"must be in {left}{lo_text}, {hi_text}{right}"
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise fail(field, value, allowed)
    if hi is not None and (value > hi or (hi_open and value == hi)):
        raise fail(field, value, allowed)


def check_int(field: str, value: int, lo: int | None = None, hi: int | None = None) -> None:
    """Raise unless ``value`` is an integer (not a bool) within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(field, value, "must be an integer")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail(field, value, f"must be an integer in [{lo}, {'inf' if hi is None else hi}]")


def check_bool(field: str, value: Any) -> None:
    """Raise unless ``value`` is True or False."""
    if not isinstance(value, bool):
        raise fail(field, value, "must be true or false")


def check_choice(field: str, value: Any, choices: tuple | list | dict) -> None:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise fail(field, value, f"must be one of {', '.join(map(str, choices))}")
