"""Presets, device files (TOML/JSON) and validation of parameters."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from devices import (
    PRESETS,
    Device,
    Drift,
    LinearResponse,
    NeuroSimResponse,
    PulseSpec,
    SoftBoundsResponse,
    TableResponse,
    Variability,
    device_from_dict,
    device_to_dict,
    get_device,
    to_toml,
)

# DESIGN.md 2.4: levels, NL, on/off, C2C of the NeuroSim table.
TABLE = {
    "ag-a-si": ((97, 100), (2.40, -4.88), 12.5, 0.035),
    "taox-hfox": ((128, 128), (0.04, -0.63), 10, 0.037),
    "pcmo": ((50, 50), (3.68, -6.76), 6.84, 0.01),
    "alox-hfo2": ((40, 40), (1.94, -0.61), 4.43, 0.05),
    "gst": ((100, 120), (0.105, 2.4), 19.8, 0.015),
    "epiram": ((64, 64), (0.5, -0.5), 50.2, 0.02),
    "hzo-fefet": ((32, 32), (1.75, 1.46), 45, 0.005),
}


@pytest.mark.parametrize("name", TABLE)
def test_neurosim_presets_match_the_table(name: str) -> None:
    d = PRESETS[name]
    levels, nl, on_off, c2c = TABLE[name]
    assert (d.response.levels_ltp, d.response.levels_ltd) == levels
    assert (d.response.nl_ltp, d.response.nl_ltd) == nl
    assert d.on_off == pytest.approx(on_off, rel=0.01)
    assert d.variability.c2c == c2c
    assert "NeuroSim" in d.source and d.pulse.width_ltp > 0


def test_every_preset_names_its_source_and_round_trips(tmp_path) -> None:
    assert {"ideal", "pcmo-babu", "pcm-drift"} <= set(PRESETS) and len(PRESETS) == 10
    assert PRESETS["pcmo-babu"].response.levels == 26
    assert PRESETS["pcmo-babu"].on_off == pytest.approx(1.8)
    assert PRESETS["pcm-drift"].drift is not None
    for name, d in PRESETS.items():
        assert d.source and d.name == name
        assert device_from_dict(device_to_dict(d)) == d
        toml_file = tmp_path / f"{name}.toml"
        toml_file.write_text(to_toml(device_to_dict(d)))
        json_file = tmp_path / f"{name}.json"
        json_file.write_text(json.dumps(device_to_dict(d)))
        assert get_device(str(toml_file)) == d
        assert get_device(json_file) == d


def test_table_and_iv_devices_round_trip(tmp_path) -> None:
    d = Device(name="measured", response=TableResponse(g_ltp=(1e-6, 2e-6, 2.5e-6),
                                                      g_ltd=(2.5e-6, 1.5e-6, 1e-6)),
               pulse=PulseSpec(v_ltp=1, width_ltp=1e-6, v_ltd=-1, width_ltd=1e-6),
               source="lab", drift=Drift(nu=0.1))
    f = tmp_path / "m.toml"
    f.write_text(to_toml(device_to_dict(d)))
    assert get_device(f) == d


def test_file_errors_name_the_key(tmp_path) -> None:
    data = device_to_dict(PRESETS["epiram"])
    data["response"]["nl_ltpp"] = 1.0
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"bad.json: response.nl_ltpp: unknown key; valid keys:"):
        get_device(f)
    data = device_to_dict(PRESETS["epiram"])
    data["response"]["family"] = "magic"
    f.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="response.family = 'magic' is invalid"):
        get_device(f)
    (tmp_path / "broken.toml").write_text("name = \n")
    with pytest.raises(ValueError, match="broken.toml: not valid toml"):
        get_device(tmp_path / "broken.toml")
    with pytest.raises(ValueError, match="device = 'nothing' is invalid: must be a preset"):
        get_device("nothing")


NS = dict(g_min=1e-6, g_max=1e-5, levels_ltp=64, levels_ltd=64, nl_ltp=1.0, nl_ltd=-1.0)


@pytest.mark.parametrize("cls, kwargs, message", [
    (NeuroSimResponse, {**NS, "g_min": 2e-5},
     r"response.g_min = 2e-05 is invalid: must be < g_max"),
    (NeuroSimResponse, {**NS, "levels_ltp": 1}, r"response.levels_ltp = 1 is invalid: must be an "
                                                r"integer in \[2, inf\]"),
    (NeuroSimResponse, {**NS, "nl_ltd": -9.5}, r"response.nl_ltd = -9.5 is invalid: must be in "
                                               r"\[-9.0, 9.0\]"),
    (NeuroSimResponse, {**NS, "nl_ltp": math.nan}, r"response.nl_ltp = nan is invalid: must be "
                                                   "finite"),
    (NeuroSimResponse, {**NS, "g_max": -1.0}, r"response.g_max = -1.0 is invalid"),
    (LinearResponse, dict(g_min=0.0, g_max=1.0, levels=1), r"response.levels = 1 is invalid"),
    (SoftBoundsResponse, dict(g_min=0.0, g_max=1.0, levels=10, beta_ltp=-1.0, beta_ltd=1.0),
     r"response.beta_ltp = -1.0 is invalid: must be in \[0.0, 50.0\]"),
    (TableResponse, dict(g_ltp=(1.0, 3.0, 2.0), g_ltd=(2.0, 1.0)),
     r"response.g_ltp = 'not monotone' is invalid: must increase strictly"),
    (Variability, dict(c2c=-0.01), r"variability.c2c = -0.01 is invalid: must be in \[0.0, 1.0\]"),
    (Variability, dict(read_noise=math.nan), r"variability.read_noise = nan is invalid"),
    (Variability, dict(stuck_off=0.7, stuck_on=0.6), r"must sum to at most 1"),
    (Drift, dict(nu=0.05, t0=0.0), r"drift.t0 = 0.0 is invalid: must be in \(0.0, inf\]"),
    (PulseSpec, dict(v_ltp=1.0, width_ltp=-1e-6, v_ltd=-1.0, width_ltd=1e-6),
     r"pulse.width_ltp = -1e-06 is invalid"),
])
def test_invalid_parameters_name_field_value_and_range(cls, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_too_wide_d2d_spread_is_an_error_not_a_silent_clip() -> None:
    dev = dataclasses.replace(PRESETS["pcmo-babu"], variability=Variability(
        d2d_g_min=0.9, d2d_g_max=0.9))
    from devices import DeviceArray
    arr = DeviceArray(dev, (20_000,), rng=np.random.default_rng(0))  # redrawn, valid
    assert np.all(arr.params["g_min"] < arr.params["g_max"])
