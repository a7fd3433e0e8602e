"""Device-aware offline training: the forward pass sees the device through its torch twin.

Each weight ``W`` of a layer is held as a conductance pair
``G+- = G_min + relu(+-W) / s (G_max - G_min)`` with the layer's scale ``s`` (``w_max``, or,
with ``layer_scale="max"``, the layer's largest |weight|: the mapping `neuro.conversion` uses by
default, where the largest weight fills the window), and the forward pass uses

    W_seen = s (read(G+) - read(G-)) / (G_max - G_min)

after these effects, each switchable (all off: "ideal training", the same code):

- ``clip``: weights clipped to the window ``[-w_max, w_max]`` (what a pair can hold);
- ``levels``: each conductance rounded to the nearest state the device reaches by whole pulses
  from ``G_min`` (its own, possibly non-linear, LTP curve), with a straight-through gradient;
- ``programming_noise``: ``G += N(0, sigma (G_max - G_min))``, fresh every forward pass
  (the residual error of programming);
- ``read_noise``: ``G *= 1 + N(0, sigma_read)`` with the device's read-noise sigma;
- ``iv``: the cells are read through the device's I-V model by a periphery that assumes ohmic
  cells (current divided by the voltage): spikes at ``V_read`` read ``I(G, V_read) / V_read``
  (a gain for sinh, a compression of high conductances for saturating cells); graded inputs of
  the first layer (``graded_inputs``) read ``G f(a V_read) / V_read`` (separable models only).

The device equations are those of `devices` (curves from `devices.families.step`, the I-V
code of `devices.iv`), so training sees what `neuro.conversion` will program and what the Brian2
engine will read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from devices import (
    Device,
    cell_current,
    is_state_dependent,
    iv_factor,
    nominal_parameters,
    step,
)
from devices.errors import ParameterError, check_choice, check_range

__all__ = ["DeviceAware", "device_states", "ltp_pulses", "make_transforms"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceAware:
    """Which device effects the forward pass sees.

    Attributes
    ----------
    w_max : float
        Weight held by a full conductance window (> 0).
    layer_scale : {"fixed", "max"}
        The window holds ``w_max`` ("fixed") or each layer's largest |weight| ("max").
    clip, levels, read_noise, iv : bool
        See the module docstring.
    programming_noise : float
        Sigma of the programming error, as a fraction of the window (0: off).
    """

    w_max: float = 1.0
    layer_scale: Literal["fixed", "max"] = "fixed"
    clip: bool = True
    levels: bool = True
    programming_noise: float = 0.0
    read_noise: bool = False
    iv: bool = True

    def __post_init__(self) -> None:
        check_range("device_aware.w_max", self.w_max, 0.0, None, lo_open=True)
        check_range("device_aware.programming_noise", self.programming_noise, 0.0, 1.0)
        check_choice("device_aware.layer_scale", self.layer_scale, ("fixed", "max"))

    @classmethod
    def ideal(cls, w_max: float = 1.0) -> DeviceAware:
        """Every effect off: plain training, through the same code."""
        return cls(w_max=w_max, clip=False, levels=False, programming_noise=0.0,
                   read_noise=False, iv=False)


def ltp_pulses(device: Device) -> int:
    """Pulses that take the device from G_min to G_max on its LTP curve."""
    r = device.response
    if hasattr(r, "levels_ltp"):
        return int(r.levels_ltp)
    return int(r.levels - 1 if device.family == "linear" else r.levels)


def device_states(device: Device) -> np.ndarray:
    """Conductances [S] the device reaches from ``G_min`` by 0, 1, 2, ... LTP pulses.

    The noise-free LTP curve of the device's own family, up to ``G_max``. A device finer than
    65,536 pulses is represented by 65,537 states at evenly spaced pulse counts
    (``ltp_pulses(device) / 65,536`` pulses apart).
    """
    r = device.response
    n = ltp_pulses(device)
    params = nominal_parameters(r)
    k = np.arange(min(n, 65_536) + 1, dtype=np.float64) * (n / min(n, 65_536))
    g = step(r, np.full(len(k), float(device.g_min)), k, params)
    return np.maximum.accumulate(g)


class _StraightThrough(torch.autograd.Function):
    """Forward: nearest state; backward: identity."""

    @staticmethod
    def forward(ctx, g, states):
        idx = torch.bucketize(g, states).clamp(1, len(states) - 1)
        lo, hi = states[idx - 1], states[idx]
        return torch.where((g - lo) < (hi - g), lo, hi)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def make_transforms(device: Device, cfg: DeviceAware, *, generator: torch.Generator,
                    graded_inputs: bool = False
                    ) -> tuple[Callable[[int, torch.Tensor], torch.Tensor],
                               Callable[[torch.Tensor], torch.Tensor] | None]:
    """``(weight_transform, input_transform)`` for `neuro.snn.SNN`.

    ``graded_inputs``: the first layer receives graded amplitudes (direct encoding) rather than
    spikes.
    """
    g_min, d_g = float(device.g_min), float(device.g_max - device.g_min)
    states = torch.tensor(device_states(device)) if cfg.levels else None
    sigma_read = device.variability.read_noise if cfg.read_noise else 0.0
    iv = device.iv if cfg.iv and device.iv.kind != "linear" else None
    if iv is not None and graded_inputs and is_state_dependent(iv):
        raise ParameterError(f"iv.kind = {iv.kind!r} is invalid with graded inputs: the cell "
                             "current does not separate into G f(V); use rate-coded spikes")
    v_read = device.v_read

    def read(layer: int, g: torch.Tensor) -> torch.Tensor:
        """Current per volt the periphery sees for a spike (or, graded, the conductance)."""
        if iv is None or (layer == 0 and graded_inputs):
            return g
        return cell_current(iv, g, v_read) / v_read

    def weight_transform(layer: int, w: torch.Tensor) -> torch.Tensor:
        if cfg.clip:
            w = w.clamp(-cfg.w_max, cfg.w_max)
        if not (cfg.levels or cfg.programming_noise or sigma_read) and (
                iv is None or (layer == 0 and graded_inputs)):
            return w  # nothing between the weight and its read changes it
        scale = (w.detach().abs().max().clamp_min(1e-12) if cfg.layer_scale == "max"
                 else cfg.w_max)
        pair = []
        for part in (torch.relu(w), torch.relu(-w)):
            g = g_min + part / scale * d_g
            if states is not None:
                g = _StraightThrough.apply(g.double(), states).to(w.dtype)
            if cfg.programming_noise:
                g = g + cfg.programming_noise * d_g * torch.randn(
                    g.shape, generator=generator, dtype=g.dtype)
            if sigma_read:
                g = g * (1.0 + sigma_read * torch.randn(g.shape, generator=generator,
                                                       dtype=g.dtype))
            pair.append(read(layer, g))
        return scale * (pair[0] - pair[1]) / d_g

    input_transform = None
    if iv is not None and graded_inputs:
        def input_transform(a: torch.Tensor) -> torch.Tensor:
            return iv_factor(iv, a * v_read) / v_read

    return weight_transform, input_transform
