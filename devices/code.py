"""Device equations as code strings, run by numpy, torch and Brian2 alike.

Each pulse-response family writes its update once, as a sequence of statements in Brian2's
abstract-code syntax (Python syntax; ``int(cond)`` turns a condition into 0/1; functions
``exp``, ``expm1``, ``log``, ``log1p``, ``sqrt``, ``abs``, ``sign``, ``clip``, ``sinh``). The
same strings are

- executed here on numpy arrays or torch tensors (`Statements.run`), and
- handed to Brian2 as ``on_pre`` / ``on_post`` / ``run_regularly`` code (`neuro.brian`),

so the three backends run one set of equations rather than three copies. Names starting with
``tmp_`` are temporaries; every other name is a device parameter, the conductance ``g`` or the
signed pulse count ``n_pulses``.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

import numpy as np

from devices._array import NumpyOps, ops

__all__ = ["Statements", "free_names", "rename"]

_FUNCTIONS = ("exp", "expm1", "log", "log1p", "sqrt", "abs", "sign", "clip", "sinh", "int")
_CONSTANTS = {"inf": np.inf, "second": 1.0}
"""Brian2 constants and units the device code may use; plain numbers here (SI, seconds)."""


_NAMESPACES: dict[str, dict] = {}


def _namespace(x) -> dict:
    """Functions and constants for the backend of ``x`` (built once per backend)."""
    o = ops(x)
    key = "numpy" if o is NumpyOps else "torch"
    if key not in _NAMESPACES:
        ns = {name: getattr(o, name) for name in _FUNCTIONS if name != "int"}
        if key == "numpy":
            ns["int"] = lambda c: np.asarray(c, dtype=np.float64)
        else:  # 0/1 as float32: exact, and promoted to float64 next to float64 tensors
            ns["int"] = lambda c: c.float() if hasattr(c, "float") else float(c)
        ns.update(_CONSTANTS)
        _NAMESPACES[key] = ns
    return _NAMESPACES[key]


@dataclass(frozen=True, slots=True)
class Statements:
    """An ordered block of ``target = expression`` statements.

    Attributes
    ----------
    lines : tuple of str
        The statements, in Brian2 abstract-code syntax.
    """

    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        for line in self.lines:
            target, _, expr = line.partition("=")
            if not _ or not target.strip().isidentifier():
                raise ValueError(f"device code line {line!r} is not 'name = expression'")
            ast.parse(expr.strip(), mode="eval")

    @property
    def code(self) -> str:
        """The statements as one code block (what Brian2 receives)."""
        return "\n".join(self.lines)

    def run(self, env: dict, *, like) -> dict:
        """Execute on arrays: ``env`` maps names to arrays/scalars; returns the updated env.

        ``like`` is an array or tensor that selects the backend (numpy or torch).
        """
        local = dict(env)
        ns = _namespace(like)
        for target, code in _compile(self.lines):
            local[target] = eval(code, ns, local)  # noqa: S307 (our own device code)
        return local

    def targets(self) -> tuple[str, ...]:
        return tuple(line.partition("=")[0].strip() for line in self.lines)


@functools.lru_cache(maxsize=256)
def _compile(lines: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    out = []
    for line in lines:
        target, _, expr = line.partition("=")
        out.append((target.strip(), compile(expr.strip(), f"<device: {line}>", "eval")))
    return tuple(out)


def free_names(statements: Statements) -> set[str]:
    """Names read by the statements that they do not define themselves (parameters, inputs)."""
    defined: set[str] = set()
    free: set[str] = set()
    for line in statements.lines:
        target, _, expr = line.partition("=")
        for node in ast.walk(ast.parse(expr.strip(), mode="eval")):
            if isinstance(node, ast.Name) and node.id not in defined:
                free.add(node.id)
        defined.add(target.strip())
    return free - set(_FUNCTIONS) - set(_CONSTANTS)


def rename(code: str, mapping: dict[str, str]) -> str:
    """Whole-word renaming of identifiers in a code string."""
    if not mapping:
        return code
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], code)
