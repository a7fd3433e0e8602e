"""The scenario framework: results, run context, configuration overrides, atomic output.

A scenario is a module with

- ``Config``: a frozen, keyword-only dataclass (fields ``dataset`` and ``seed`` at least),
  validated in ``__post_init__``;
- ``QUICK``: a small ``Config`` for the tests and ``make demo``;
- ``run(cfg, ctx) -> Result``;
- ``plot(result, out_dir) -> list[Path]`` (figures only; no computation).

`execute` runs one: it builds the result, writes ``result.json`` atomically (temporary file, then
rename), and draws the figures. Long scenarios call ``ctx.checkpoint(result)`` after each finished
piece of work, so an interrupted run keeps ``result.partial.json`` with everything finished so far.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import sys
import tempfile
import time
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from neuro.errors import ConfigError

__all__ = [
    "Result",
    "RunContext",
    "apply_overrides",
    "atomic_write_text",
    "config_to_dict",
    "execute",
    "parallel_map",
    "versions",
]


@dataclass(slots=True, kw_only=True)
class Result:
    """What a scenario run produced (serialised as ``result.json``).

    Attributes
    ----------
    scenario : str
        Registry name.
    config : dict
        The configuration, field by field.
    metrics : dict[str, float]
        Flat ``name -> number`` summary (e.g. ``"accuracy/EpiRAM": 0.91``).
    rows : list[dict]
        The main table, one row per item (device, method, ...).
    history : dict[str, list[float]]
        Per-epoch (or per-step) curves, by name.
    versions : dict[str, str]
        Python, numpy, brian2, torch, snntorch and this package.
    elapsed_s : float
        Wall time of ``run`` [s].
    complete : bool
        False in a checkpoint of an unfinished run.
    """

    scenario: str
    config: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    complete: bool = True

    def to_json(self) -> str:
        return json.dumps(_jsonable(dataclasses.asdict(self)), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls(**json.loads(text))


def _jsonable(obj: Any) -> Any:
    """Plain JSON types; NaN and infinities become None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def versions() -> dict[str, str]:
    """Versions of Python and the packages results depend on (without importing them)."""
    out = {"python": platform.python_version()}
    for dist in ("numpy", "brian2", "torch", "snntorch", "scipy", "memristive-neuro"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


@dataclass(slots=True, kw_only=True)
class RunContext:
    """What a running scenario may use besides its config.

    Attributes
    ----------
    out_dir : Path or None
        Where checkpoints go (None: no checkpoints, e.g. in tests).
    data_dir : str or None
        Explicit data directory for `neuro.data.load`.
    progress : bool
        Show progress bars.
    """

    out_dir: Path | None = None
    data_dir: str | None = None
    progress: bool = True

    def dataset(self, name: str):
        """Load a data set by name (see `neuro.data.DATASETS`)."""
        from neuro import data

        return data.load(name, data_dir=self.data_dir)

    def iterate(self, items: Iterable, *, desc: str, total: int | None = None) -> Iterator:
        """``items`` wrapped in a progress bar unless progress is off."""
        if not self.progress:
            return iter(items)
        from tqdm import tqdm

        return iter(tqdm(items, desc=desc, total=total, leave=False, file=sys.stderr))

    def checkpoint(self, result: Result) -> None:
        """Save an unfinished result as ``result.partial.json`` (atomically)."""
        if self.out_dir is None:
            return
        partial = dataclasses.replace(result, complete=False, versions=versions())
        atomic_write_text(self.out_dir / "result.partial.json", partial.to_json())


def config_to_dict(cfg: Any) -> dict[str, Any]:
    return _jsonable({f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)})


def _parse_value(text: str, tp: Any, key: str, valid: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if text.lower() in ("none", "null") and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        errors = []
        for a in inner:
            try:
                return _parse_value(text, a, key, valid)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"--set {key}={text!r}: cannot parse")
    if origin is tuple:
        elem = args[0] if args else str
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return tuple(_parse_value(p, elem, key, valid) for p in parts)
    if origin is typing.Literal:
        if text not in args:
            raise ConfigError(f"--set {key}={text!r}: must be one of {', '.join(map(str, args))}")
        return text
    try:
        if tp is bool:
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if tp is int:
            return int(text)
        if tp is float:
            return float(text)
        if tp is str:
            return text
    except ValueError:
        raise ConfigError(f"--set {key}={text!r}: expected {tp.__name__}") from None
    raise ConfigError(f"--set {key}: field type {tp!r} cannot be set from the command line")


def apply_overrides(cfg: Any, overrides: Sequence[str]) -> Any:
    """A copy of ``cfg`` with ``key=value`` overrides parsed by the fields' types.

    Tuples are comma lists (``devices=EpiRAM,ideal``); ``none`` sets an optional field to None.

    Raises
    ------
    ConfigError
        Malformed item, unknown key (the message lists the valid keys), a value that does not
        parse as the field's type, or one the config's own validation rejects.
    """
    hints = typing.get_type_hints(type(cfg))
    names = [f.name for f in dataclasses.fields(cfg)]
    valid = ", ".join(names)
    changes: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected key=value; valid keys: {valid}")
        key, text = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if key not in names:
            raise ConfigError(f"--set {key}: unknown key; valid keys: {valid}")
        changes[key] = _parse_value(text.strip(), hints[key], key, valid)
    try:
        return dataclasses.replace(cfg, **changes)
    except ConfigError:
        raise
    except ValueError as exc:  # validation in Config.__post_init__
        raise ConfigError(str(exc)) from exc


def execute(module: types.ModuleType, name: str, cfg: Any, *, out_dir: Path,
            data_dir: str | None = None, progress: bool = True) -> tuple[Result, list[Path]]:
    """Run a scenario, write ``result.json`` and its figures into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = RunContext(out_dir=out_dir, data_dir=data_dir, progress=progress)
    t0 = time.perf_counter()
    result = module.run(cfg, ctx)
    result.elapsed_s = time.perf_counter() - t0
    result.scenario = name
    result.config = config_to_dict(cfg)
    result.versions = versions()
    result.complete = True
    atomic_write_text(out_dir / "result.json", result.to_json())
    (out_dir / "result.partial.json").unlink(missing_ok=True)
    figures = module.plot(result, out_dir)
    return result, figures


def parallel_map(fn, items: Sequence, *, jobs: int):
    """Yield ``(index, fn(item))`` as each finishes, in ``jobs`` worker processes (1: in process).

    Each item must carry its own seed, so results do not depend on ``jobs`` or on the order in
    which workers finish.
    """
    if jobs <= 1 or len(items) <= 1:
        for i, item in enumerate(items):
            yield i, fn(item)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=ctx) as pool:
        futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
