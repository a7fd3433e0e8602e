"""The command line, run as a user would (a subprocess), and the main job end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def neuro(*args: str, env: dict | None = None, cwd: Path | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "neuro.cli", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO, timeout=600)


def assert_one_line_error(proc, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_bad_set_key_lists_valid_keys(tmp_path) -> None:
    proc = neuro("run", "software-mlp", "--quick", "--set", "epoch=3", "--out", str(tmp_path))
    assert_one_line_error(proc, "epoch", "valid keys:", "epochs", "samples_per_epoch")


def test_bad_set_value(tmp_path) -> None:
    proc = neuro("run", "software-mlp", "--quick", "--set", "epochs=many", "--out", str(tmp_path))
    assert_one_line_error(proc, "epochs='many': expected int")
    proc = neuro("run", "software-mlp", "--quick", "--set", "lr=0.1,-2", "--out", str(tmp_path))
    assert_one_line_error(proc, "lr[1] = -2.0 is invalid")


def test_unknown_scenario_and_dataset(tmp_path) -> None:
    assert_one_line_error(neuro("run", "nope", "--out", str(tmp_path)), "must be one of")
    assert_one_line_error(neuro("run", "software-mlp", "--dataset", "cifar", "--out",
                                str(tmp_path)), "dataset = 'cifar'", "mnist-5k")


def test_missing_dataset_is_one_line(tmp_path) -> None:
    env = {"NEURO_DATA_DIR": str(tmp_path / "empty"), "XDG_CACHE_HOME": str(tmp_path / "c"),
           "NEURO_MNIST_MIRRORS": "http://127.0.0.1:9/"}
    proc = neuro("run", "software-mlp", "--dataset", "mnist", "--out", str(tmp_path / "o"),
                 env=env)
    assert_one_line_error(proc, "could not be downloaded", "Put the four MNIST files")
    assert not (tmp_path / "o" / "result.json").exists()


def test_list_names_scenarios_and_main_job() -> None:
    proc = neuro("list")
    assert proc.returncode == 0
    assert "software-mlp" in proc.stdout and "(main job)" in proc.stdout
    main_line = next(line for line in proc.stdout.splitlines() if "(main job)" in line)
    assert "offline-vs-insitu" in main_line
    assert "mnist-5k" in proc.stdout


def test_run_writes_result_and_figure_and_is_reproducible(tmp_path) -> None:
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        proc = neuro("run", "software-mlp", "--quick", "--quiet", "--seed", "7", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert f"result:  {out / 'result.json'}" in proc.stdout
        outs.append(json.loads((out / "result.json").read_text()))
        assert (out / "accuracy.png").stat().st_size > 10_000
        assert not (out / "result.partial.json").exists()
    a, b = outs
    assert set(a) >= {"scenario", "config", "metrics", "rows", "history", "versions", "elapsed_s"}
    assert a["scenario"] == "software-mlp" and a["config"]["seed"] == 7
    assert a["config"]["dataset"] == "mnist-5k"
    assert set(a["versions"]) >= {"python", "numpy", "brian2", "torch", "snntorch"}
    # Same seed, same numbers.
    assert a["metrics"] == b["metrics"] and a["history"] == b["history"]
    # A real result: 3 short epochs of a 400-100-10 MLP on 20x20 binary MNIST reach > 85%.
    assert a["metrics"]["final_test_accuracy"] > 0.85
    assert len(a["history"]["test_accuracy"]) == 3


@pytest.mark.parametrize("command", [["--help"], ["run", "--help"], ["list", "--help"],
                                     ["demo", "--help"]])
def test_help_everywhere(command) -> None:
    proc = neuro(*command)
    assert proc.returncode == 0 and "usage: neuro" in proc.stdout
