"""`neuro demo` (what `make demo` runs): the main job's quick config on the embedded data."""

from __future__ import annotations

import json

from tests.test_cli import neuro


def test_demo_writes_result_and_figures(tmp_path) -> None:
    out = tmp_path / "demo"
    proc = neuro("demo", "--out", str(out), "--quiet", env={"NEURO_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["scenario"] == "offline-vs-insitu" and result["config"]["dataset"] == "mnist-5k"
    assert result["complete"] is True
    figures = [line.split()[-1] for line in proc.stdout.splitlines() if line.startswith("figure:")]
    assert len(figures) >= 1 and all(p.endswith(".png") for p in figures)
    assert len(figures) == 3
    acc = {(r["device"], r["route"]): r["accuracy"] for r in result["rows"]}
    assert len(acc) == 8  # two devices, four routes
    assert acc[("epiram", "offline")] > 0.7  # real training on real digits
