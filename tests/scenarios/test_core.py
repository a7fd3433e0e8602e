from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from neuro.errors import ConfigError
from scenarios import _core


@dataclass(frozen=True, slots=True, kw_only=True)
class Cfg:
    dataset: str = "mnist-5k"
    seed: int = 0
    lr: float = 0.1
    devices: tuple[str, ...] = ("ideal",)
    levels: tuple[int, ...] = (16, 32)
    verify: bool = False
    n_test: int | None = None

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"lr = {self.lr!r} is invalid: must be > 0")


def test_overrides_parse_by_field_type() -> None:
    cfg = _core.apply_overrides(Cfg(), ["lr=0.5", "devices=EpiRAM, ideal", "levels=64",
                                        "verify=yes", "n_test=100", "seed=3"])
    assert cfg == Cfg(lr=0.5, devices=("EpiRAM", "ideal"), levels=(64,), verify=True,
                      n_test=100, seed=3)
    assert _core.apply_overrides(cfg, ["n_test=none"]).n_test is None


@pytest.mark.parametrize("item, message", [
    ("epochs=3", "unknown key; valid keys: dataset, seed, lr, devices, levels, verify, n_test"),
    ("lr=fast", "lr='fast': expected float"),
    ("seed=1.5", "seed='1.5': expected int"),
    ("verify=maybe", "verify='maybe': expected bool"),
    ("levels=1,x", "levels='x': expected int"),
    ("lr", "expected key=value"),
    ("lr=-1", "lr = -1.0 is invalid: must be > 0"),
])
def test_bad_overrides_are_clear(item: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _core.apply_overrides(Cfg(), [item])
    assert message in str(info.value)


def test_result_json_round_trip_and_nan(tmp_path) -> None:
    r = _core.Result(scenario="x", config={"a": 1}, metrics={"acc": 0.5, "bad": float("nan")},
                     rows=[{"device": "d", "acc": 0.5}], history={"acc": [0.1, 0.5]})
    text = r.to_json()
    back = _core.Result.from_json(text)
    assert back.metrics == {"acc": 0.5, "bad": None}
    assert back.rows == r.rows and back.history == r.history
    json.loads(text)  # strict JSON (no NaN literal)


def test_atomic_write_leaves_no_temporary(tmp_path) -> None:
    target = tmp_path / "sub" / "result.json"
    _core.atomic_write_text(target, "one")
    _core.atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]


def test_checkpoint_keeps_finished_work(tmp_path) -> None:
    ctx = _core.RunContext(out_dir=tmp_path, progress=False)
    ctx.checkpoint(_core.Result(scenario="x", config={}, rows=[{"device": "a", "acc": 0.9}]))
    saved = json.loads((tmp_path / "result.partial.json").read_text())
    assert saved["complete"] is False and saved["rows"] == [{"device": "a", "acc": 0.9}]
    assert saved["versions"]["numpy"] != "not installed"
