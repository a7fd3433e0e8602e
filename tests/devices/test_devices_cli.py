"""``neuro devices ...`` as a user runs it."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from devices import PRESETS, get_device
from tests.test_cli import assert_one_line_error, neuro


def test_list_is_a_table_of_every_preset() -> None:
    proc = neuro("devices", "list")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:7] == ["name", "family", "levels", "NL", "on/off", "C2C", "drift"]
    assert [line.split()[0] for line in lines[1:]] == list(PRESETS)
    assert "97/100" in lines[1] and "2.4/-4.88" in lines[1] and "3.5%" in lines[1]


def test_curve_json_noise_free_and_seeded(tmp_path) -> None:
    proc = neuro("devices", "curve", "epiram", "--pulses", "64", "--direction", "ltp", "--json")
    out = json.loads(proc.stdout)
    g = np.array(out["g"])
    assert out["unit"] == "S" and len(g) == 64 and np.all(np.diff(g) > 0)
    assert g[-1] == pytest.approx(12.35e-6, rel=1e-9)
    again = json.loads(neuro("devices", "curve", "epiram", "--pulses", "64", "--direction",
                             "ltp", "--json").stdout)
    assert again["g"] == out["g"]
    seeded = [json.loads(neuro("devices", "curve", "epiram", "--pulses", "64", "--direction",
                               "ltp", "--seed", "1", "--json").stdout)["g"] for _ in range(2)]
    assert seeded[0] == seeded[1] and seeded[0] != out["g"]


def test_show_prints_loadable_toml_and_files_work_like_names(tmp_path) -> None:
    text = neuro("devices", "show", "ag-a-si").stdout
    f = tmp_path / "agsi.toml"
    f.write_text(text)
    assert get_device(f) == PRESETS["ag-a-si"]
    proc = neuro("devices", "curve", str(f), "--pulses", "3", "--direction", "ltd", "--json")
    ref = neuro("devices", "curve", "ag-a-si", "--pulses", "3", "--direction", "ltd", "--json")
    assert json.loads(proc.stdout)["g"] == json.loads(ref.stdout)["g"]


def test_plot_writes_png(tmp_path) -> None:
    proc = neuro("devices", "plot", "ag-a-si", "--out", str(tmp_path / "p.png"))
    assert proc.returncode == 0 and (tmp_path / "p.png").stat().st_size > 20_000


def test_fit_prints_preset_error_and_plot(tmp_path) -> None:
    g = json.loads(neuro("devices", "curve", "hzo-fefet", "--pulses", "32", "--direction", "ltp",
                         "--json").stdout)["g"]
    d = json.loads(neuro("devices", "curve", "hzo-fefet", "--pulses", "32", "--direction", "ltd",
                         "--json").stdout)["g"]
    rows = [f"0,{3.973e-8},ltp"] + [f"{k + 1},{x},ltp" for k, x in enumerate(g)]
    rows += [f"0,{1.788e-6},ltd"] + [f"{k + 1},{x},ltd" for k, x in enumerate(d)]
    f = tmp_path / "fefet.csv"
    f.write_text("pulse,conductance,direction\n" + "\n".join(rows) + "\n")
    proc = neuro("devices", "fit", str(f), "--family", "neurosim")
    assert proc.returncode == 0, proc.stderr
    body = tomllib.loads(proc.stdout)  # comment lines are TOML comments
    assert body["response"]["nl_ltp"] == pytest.approx(1.75, abs=1e-3)
    assert body["response"]["nl_ltd"] == pytest.approx(1.46, abs=1e-3)
    assert "# fit error (RMS):" in proc.stdout
    assert (tmp_path / "fefet-fit.png").exists()


def test_bad_device_and_bad_file_are_one_line(tmp_path) -> None:
    assert_one_line_error(neuro("devices", "show", "unobtainium"), "device = 'unobtainium'")
    f = tmp_path / "x.csv"
    f.write_text("0,1e-6,sideways\n")
    assert_one_line_error(neuro("devices", "fit", str(f), "--family", "linear"),
                          "direction = 'sideways' is invalid")
