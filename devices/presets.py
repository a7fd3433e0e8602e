"""Real-device presets, and loading / saving device descriptions as TOML or JSON.

The seven devices of the MLP+NeuroSim V3.0 manual (Table II; DESIGN.md 2.4), an ideal device,
the PCMO device of Babu et al. 2018 and a PCM device with drift. Each preset is a `Device`
instance naming its source; values the source table does not give (absolute conductances of
some devices, pulse details) are stated in ``notes`` as chosen here. Units: S, V, s.

Wherever a preset name is accepted, a path to a ``.toml`` or ``.json`` file is accepted too
(`get_device`); `device_to_dict` / `device_from_dict` / `to_toml` convert both ways.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
import typing
from pathlib import Path
from typing import Any

from devices.device import Device, PulseSpec
from devices.errors import ParameterError, fail
from devices.families import FAMILIES
from devices.iv import IV_MODELS
from devices.linear import LinearResponse
from devices.neurosim import NeuroSimResponse
from devices.variability import Drift, Variability

__all__ = ["PRESETS", "device_from_dict", "device_to_dict", "get_device", "load_device",
           "to_toml"]

_NEUROSIM = "MLP+NeuroSim V3.0 manual, Table II"


def _ns(name, *, g_min, g_max, levels, nl, c2c, pulse, source, notes="", **kw) -> Device:
    lt, ld = levels if isinstance(levels, tuple) else (levels, levels)
    return Device(
        name=name,
        response=NeuroSimResponse(g_min=g_min, g_max=g_max, levels_ltp=lt, levels_ltd=ld,
                                  nl_ltp=nl[0], nl_ltd=nl[1]),
        variability=Variability(c2c=c2c),
        pulse=PulseSpec(v_ltp=pulse[0], width_ltp=pulse[1], v_ltd=pulse[2], width_ltd=pulse[3]),
        source=source, notes=notes, **kw)


_PRESET_LIST = (
    _ns("ag-a-si", g_min=3.0769e-9, g_max=3.8462e-8, levels=(97, 100), nl=(2.40, -4.88),
        c2c=0.035, pulse=(3.2, 300e-6, -2.8, 300e-6),
        source=f"Ag:a-Si, Jo et al., Nano Lett. 10, 1297 (2010); {_NEUROSIM}",
        notes="NeuroSim-reported online accuracy ~72%."),
    _ns("taox-hfox", g_min=1e-6, g_max=1e-5, levels=128, nl=(0.04, -0.63), c2c=0.037,
        pulse=(1.6, 50e-9, -1.6, 50e-9),
        source=f"TaOx/HfOx, Wu et al., VLSI 2018; {_NEUROSIM}",
        notes="Depression amplitude taken as -1.6 V (the table gives 1.6 V/50 ns). ~80%."),
    _ns("pcmo", g_min=1e-6, g_max=6.84e-6, levels=50, nl=(3.68, -6.76), c2c=0.01,
        pulse=(-2.0, 1e-3, 2.0, 1e-3),
        source=f"PCMO, Park et al., IEDM 2013; {_NEUROSIM}",
        notes="Table gives on/off 6.84 and C2C <1%: G_min = 1 uS chosen here, C2C = 1% (the "
              "bound). ~33%."),
    _ns("alox-hfo2", g_min=13.36e-6, g_max=59.17e-6, levels=40, nl=(1.94, -0.61), c2c=0.05,
        pulse=(0.9, 100e-6, -1.0, 100e-6),
        source=f"AlOx/HfO2, Woo et al., IEEE EDL 37, 994 (2016); {_NEUROSIM}",
        notes="~20%."),
    _ns("gst", g_min=1e-6, g_max=19.8e-6, levels=(100, 120), nl=(0.105, 2.4), c2c=0.015,
        pulse=(0.7, 6e-6, 3.0, 125e-9),
        source=f"GST PCM, Kuzum et al., Nano Lett. 12, 2179 (2012); {_NEUROSIM}",
        notes="Table gives on/off 19.8 and 100-120 levels: G_min = 1 uS chosen here, 100 LTP / "
              "120 LTD levels. ~89%."),
    _ns("epiram", g_min=0.246e-6, g_max=12.35e-6, levels=64, nl=(0.5, -0.5), c2c=0.02,
        pulse=(5.0, 5e-6, -3.0, 5e-6),
        source=f"EpiRAM Ag:SiGe, Choi et al., Nat. Mater. 17, 335 (2018); {_NEUROSIM}",
        notes="~92%."),
    _ns("hzo-fefet", g_min=3.973e-8, g_max=1.788e-6, levels=32, nl=(1.75, 1.46), c2c=0.005,
        pulse=(3.65, 75e-9, -2.95, 75e-9),
        source=f"HZO FeFET, Jerry et al., IEDM 2017; {_NEUROSIM}",
        notes="Window from NeuroSim's 2T1F FeFET cell (on/off 45); C2C = 0.5% (table: <0.5%). "
              "~88%."),
    Device(
        name="ideal",
        response=LinearResponse(g_min=0.0, g_max=5e-6, levels=65536),
        pulse=PulseSpec(v_ltp=2.0, width_ltp=10e-9, v_ltd=-2.0, width_ltd=10e-9),
        source="ideal device (linear, 16-bit, noise-free); NeuroSim IdealDevice window",
        notes="Reference: software accuracy 96-97% in the NeuroSim table."),
    Device(
        name="pcmo-babu",
        response=LinearResponse(g_min=10e-6, g_max=18e-6, levels=26),
        variability=Variability(c2c=0.02),
        pulse=PulseSpec(v_ltp=-2.0, width_ltp=1e-6, v_ltd=2.0, width_ltd=1e-6),
        source="PCMO, Babu et al., Neurocomputing (2018) (linear, on/off 1.8, 26 levels)",
        notes="Reported 88.1%. Window (10-18 uS), pulses and the C2C sigma (2% of the window, "
              "half a level per pulse: 'large variability') are chosen here."),
    _ns("pcm-drift", g_min=0.1e-6, g_max=25e-6, levels=(100, 120), nl=(0.105, 2.4),
        c2c=0.015, pulse=(0.7, 6e-6, 3.0, 125e-9),
        drift=Drift(nu=0.05, nu_sigma=0.02, t0=20.0), v_read=0.2, t_read=100e-9,
        source="PCM with drift (composite): GST response of Kuzum et al. 2012, drift of "
               "Le Gallo et al. 2018 and Joshi et al., Nat. Commun. 11, 2473 (2020)",
        notes="Reconstruction for retention studies: nu 0.05 +- 0.02, t0 20 s, G_max 25 uS "
              "(Joshi 2020), read at 0.2 V."),
)

PRESETS: dict[str, Device] = {d.name: d for d in _PRESET_LIST}
"""Preset name -> Device."""


# ----------------------------------------------------------------------------------------------
# dict / TOML / JSON
# ----------------------------------------------------------------------------------------------

def _fields_to_dict(obj) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return out


def device_to_dict(device: Device) -> dict[str, Any]:
    """Plain dict (TOML/JSON-ready) describing ``device``."""
    out: dict[str, Any] = {"name": device.name, "source": device.source, "notes": device.notes,
                           "v_read": device.v_read, "t_read": device.t_read}
    out["response"] = {"family": device.family, **_fields_to_dict(device.response)}
    out["pulse"] = _fields_to_dict(device.pulse)
    out["variability"] = _fields_to_dict(device.variability)
    out["iv"] = {"kind": device.iv.kind, **_fields_to_dict(device.iv)}
    if device.drift is not None:
        out["drift"] = _fields_to_dict(device.drift)
    return out


def _build(cls: type, data: dict[str, Any], section: str):
    if not isinstance(data, dict):
        raise fail(section, data, "must be a table of key = value")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            raise ParameterError(f"{section}.{key}: unknown key; valid keys: {', '.join(names)}")
        tp = hints[key]
        if typing.get_origin(tp) is tuple:
            if not isinstance(value, list | tuple):
                raise fail(f"{section}.{key}", value, "must be a list of numbers")
            value = tuple(float(x) for x in value)
        elif tp is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif tp is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required key is missing
        missing = [n for n in names if n not in kwargs]
        raise ParameterError(f"{section}: missing keys {', '.join(missing)} ({exc})") from None


def device_from_dict(data: dict[str, Any]) -> Device:
    """The `Device` described by a dict of the `device_to_dict` form (validated)."""
    data = dict(data)
    response = dict(data.pop("response", None) or {})
    family = response.pop("family", None)
    if family not in FAMILIES:
        raise fail("response.family", family, f"must be one of {', '.join(FAMILIES)}")
    kw: dict[str, Any] = {"response": _build(FAMILIES[family], response, "response")}
    if "pulse" not in data:
        raise ParameterError("pulse: missing table (v_ltp, width_ltp, v_ltd, width_ltd)")
    kw["pulse"] = _build(PulseSpec, data.pop("pulse"), "pulse")
    if "variability" in data:
        kw["variability"] = _build(Variability, data.pop("variability"), "variability")
    if data.get("drift") is not None:
        kw["drift"] = _build(Drift, data.pop("drift"), "drift")
    data.pop("drift", None)
    if "iv" in data:
        iv = dict(data.pop("iv"))
        kind = iv.pop("kind", "linear")
        if kind not in IV_MODELS:
            raise fail("iv.kind", kind, f"must be one of {', '.join(IV_MODELS)}")
        kw["iv"] = _build(IV_MODELS[kind], iv, "iv")
    allowed = {"name", "source", "notes", "v_read", "t_read"}
    for key in data:
        if key not in allowed:
            raise ParameterError(f"{key}: unknown key; valid top-level keys: "
                                 f"{', '.join(sorted(allowed))}, response, pulse, variability, "
                                 "drift, iv")
    for key in ("v_read", "t_read"):
        if isinstance(data.get(key), int):
            data[key] = float(data[key])
    if "name" not in data or "source" not in data:
        raise ParameterError("name/source: a device file must give its name and its source")
    return Device(**data, **kw)


def load_device(path: str | Path) -> Device:
    """Read a device from a ``.toml`` or ``.json`` file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ParameterError(f"device file {path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ParameterError(f"device file {path}: not valid {path.suffix[1:]} ({exc})") from None
    try:
        return device_from_dict(data)
    except ParameterError as exc:
        raise ParameterError(f"device file {path}: {exc}") from None


def get_device(name_or_path: str | Path | Device) -> Device:
    """A preset by name, or a device file (``.toml`` / ``.json``) by path."""
    if isinstance(name_or_path, Device):
        return name_or_path
    key = str(name_or_path)
    if key in PRESETS:
        return PRESETS[key]
    if key.endswith((".toml", ".json")) or Path(key).is_file():
        return load_device(key)
    raise fail("device", key, f"must be a preset ({', '.join(PRESETS)}) or a .toml/.json file")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(data: dict[str, Any]) -> str:
    """TOML text for a dict of scalars, lists and one level of tables (`device_to_dict` form)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()
                                       if vv is not None]
    return "\n".join(lines) + "\n"

