"""Memristor device physics: numpy arrays in SI units (S, V, s, A, J).

One description of a device (`Device`: pulse-response family, variability, drift, I-V model,
programming pulses, source) drives every path of the simulator:

- numpy: `DeviceArray` holds the state of many devices and applies pulses in one call;
- torch: the same equations on tensors (`devices.families.step`, `devices.read`), for training;
- Brian2: `devices.brian.brian_code` emits the same equations as Brian2 code strings.

Presets: `PRESETS` (name -> Device), `get_device(name_or_file)`.
"""

from devices.array import DeviceArray
from devices.device import Device, PulseSpec
from devices.errors import ParameterError
from devices.families import FAMILIES, nominal_parameters, one_pulse, step
from devices.iv import (
    IV_MODELS,
    LinearIV,
    NeuroSimIV,
    PooleFrenkelIV,
    SaturatingIV,
    SinhIV,
    cell_current,
    is_state_dependent,
    iv_factor,
)
from devices.linear import LinearResponse
from devices.neurosim import NeuroSimResponse
from devices.presets import (
    PRESETS,
    device_from_dict,
    device_to_dict,
    get_device,
    load_device,
    to_toml,
)
from devices.read import pulse_count, quantize, read_current, write_noise
from devices.softbounds import SoftBoundsResponse
from devices.table import TableResponse
from devices.variability import Drift, Variability

__all__ = [
    "FAMILIES", "IV_MODELS", "PRESETS", "Device", "DeviceArray", "Drift", "LinearIV",
    "LinearResponse", "NeuroSimIV", "NeuroSimResponse", "ParameterError", "PooleFrenkelIV",
    "PulseSpec", "SaturatingIV", "SinhIV", "SoftBoundsResponse", "TableResponse", "Variability",
    "cell_current", "device_from_dict", "device_to_dict", "get_device", "is_state_dependent",
    "iv_factor", "load_device", "nominal_parameters", "one_pulse",
    "pulse_count", "quantize", "read_current", "step", "to_toml", "write_noise",
]
