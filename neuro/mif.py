"""The memristive integrate-and-fire (MIF) neuron and fully memristive networks trained by BPTT.

MIF neuron (Kang, Choi, Eshraghian, Zhou et al. 2021; the neuron of MEMprop, Zhou et al.,
IEEE JETCAS 2022): a membrane capacitor ``C`` with two volatile threshold-switching memristors,
each in series with a battery ``E_i``. One explicit step of length ``dt`` (DESIGN.md section 4):

    I   <- I + (dt / tau_a) (a - I)
    v   <- v + (dt / C) (I - G1 (v - E1) - G2 (v - E2))
    x_i <- x_i + (dt / tau) [ (1 - x_i) sigma((u_i - v_on) / k) - x_i sigma((v_off - u_i) / k) ],
           u_i = v - E_i,  sigma(z) = 1 / (1 + exp(-z))
    G_i = x_i / R_on + (1 - x_i) / R_off

``G_i`` uses the state before the step, ``x_i`` the new ``v``. With the defaults (``C`` = 10 nF)
a rectangular input current of 8 uA for 1 ms gives a spike of about 46 mV, repolarisation by the
switching of memristor 1, and an undershoot of about 12 mV below zero: the analog spike of the
DESIGN notes. Every operation is smooth, so back-propagation through time runs through the spike
itself: no surrogate gradient.

`mif_step` is written once for numpy arrays and torch tensors (float32 or float64); the Brian2
twin (`neuro.brian_mif`) runs the same statements as Brian2 code.

Fully memristive network (`MIFNet`): rate-coded input spikes drive the rows of a crossbar of
conductance pairs; the column currents ``a = i_scale (s @ W)`` feed MIF neurons; the membrane
voltages of one layer, relative to rest and in units of ``v_spike``, drive the rows of the next
crossbar; the read-out is the mean membrane voltage of the output neurons (relative to rest,
in units of ``v_logit``) as logits. Inputs change once per network step; the neurons integrate
``substeps`` MIF steps per network step (sub-stepping: the explicit step stays stable while the
network step is long enough to be cheap). Every signal crosses one layer per MIF step (a
one-step synaptic delay, as in the Brian2 network), so the torch and Brian2 networks compute the
same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from devices.errors import check_choice, check_int, check_range, fail

__all__ = ["MIFNet", "MIFNetSpec", "MIFParams", "MIFState", "evaluate_mif", "mif_step",
           "rest_state", "simulate", "train_mif"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MIFParams:
    """Parameters of the MIF neuron (SI units).

    Attributes
    ----------
    c : float
        Membrane capacitance [F].
    r_on, r_off : float
        Memristor resistance fully on / off [Ohm], ``0 < r_on < r_off``.
    v_on, v_off : float
        Switching voltages [V]: on-switching centred at ``u = v_on``, off-switching at
        ``u = v_off`` (``u = v - E_i``).
    tau : float
        Switching time constant of the memristors [s].
    tau_a : float
        Time constant of the input-current filter [s].
    k : float
        Width of the switching sigmoids [V].
    e1, e2 : float
        Batteries in series with memristor 1 and 2 [V] (DESIGN: (-25, 25) mV or (0, 50) mV).
    x0 : float
        Initial memristor state (both), in [0, 1].
    v0 : float
        Initial membrane voltage [V].
    dt : float
        Integration step [s]; at most ``r_on c`` (explicit Euler of ``v`` stays stable with
        both memristors fully on) and at most ``tau`` and ``tau_a``.
    """

    c: float = 10e-9
    r_on: float = 1e3
    r_off: float = 100e3
    v_on: float = 0.110
    v_off: float = 0.005
    tau: float = 1e-3
    tau_a: float = 1e-3
    k: float = 0.015
    e1: float = -0.025
    e2: float = 0.025
    x0: float = 0.0238
    v0: float = 0.0
    dt: float = 10e-6

    def __post_init__(self) -> None:
        for name in ("c", "r_on", "r_off", "tau", "tau_a", "k", "dt"):
            check_range(f"mif.{name}", getattr(self, name), 0.0, None, lo_open=True)
        if self.r_on >= self.r_off:
            raise fail("mif.r_on", self.r_on, f"must be below mif.r_off = {self.r_off:g} Ohm")
        check_range("mif.x0", self.x0, 0.0, 1.0)
        limit = min(self.r_on * self.c, self.tau, self.tau_a)
        if self.dt > limit * (1 + 1e-12):
            raise fail("mif.dt", self.dt, f"must be at most min(r_on c, tau, tau_a) = {limit:g} s "
                       "(explicit step stability)")


class MIFState(NamedTuple):
    """State of a population of MIF neurons (arrays of one shape)."""

    i: object
    """Filtered input current [A]."""
    v: object
    """Membrane voltage [V]."""
    x1: object
    """State of memristor 1, in [0, 1]."""
    x2: object
    """State of memristor 2, in [0, 1]."""


def _sigmoid(z):
    if isinstance(z, torch.Tensor):
        return torch.sigmoid(z)
    from scipy.special import expit

    return expit(z)


def _switch(x, u, p: MIFParams):
    rate = (1.0 - x) * _sigmoid((u - p.v_on) / p.k) - x * _sigmoid((p.v_off - u) / p.k)
    return x + (p.dt / p.tau) * rate


def mif_step(a, state: MIFState, p: MIFParams) -> MIFState:
    """One MIF step for input current ``a`` [A]; numpy arrays or torch tensors.

    Returns the new state; its ``v`` is the membrane voltage after the step.
    """
    i = state.i + (p.dt / p.tau_a) * (a - state.i)
    g1 = state.x1 / p.r_on + (1.0 - state.x1) / p.r_off
    g2 = state.x2 / p.r_on + (1.0 - state.x2) / p.r_off
    v = state.v + (p.dt / p.c) * (i - g1 * (state.v - p.e1) - g2 * (state.v - p.e2))
    return MIFState(i, v, _switch(state.x1, v - p.e1, p), _switch(state.x2, v - p.e2, p))


def simulate(a: np.ndarray, p: MIFParams, state: MIFState | None = None) -> np.ndarray:
    """Membrane trace [V] of one neuron (or a population) for input currents ``a`` [A].

    ``a`` has shape ``(n_steps, ...)``; the result has the same shape (``v`` after each step).
    The default initial state is ``(0, v0, x0, x0)``.
    """
    a = np.asarray(a, dtype=np.float64)
    if state is None:
        z = np.zeros(a.shape[1:])
        state = MIFState(z, z + p.v0, z + p.x0, z + p.x0)
    out = np.empty_like(a)
    for t in range(len(a)):
        state = mif_step(a[t], state, p)
        out[t] = state.v
    return out


def rest_state(p: MIFParams, *, duration: float = 0.2) -> MIFState:
    """The resting state (no input), reached by integrating from ``(0, v0, x0, x0)``.

    Raises if the neuron has not settled (|dv| per step above 1e-12 V) after ``duration``.
    """
    s = MIFState(0.0, p.v0, p.x0, p.x0)
    for _ in range(int(np.ceil(duration / p.dt))):
        prev, s = s, mif_step(0.0, s, p)
    if abs(s.v - prev.v) > 1e-12:
        raise fail("duration", duration, "too short for the MIF neuron to settle at rest")
    return MIFState(*(float(z) for z in s))


# ----------------------------------------------------------------------------------------------
# Fully memristive network
# ----------------------------------------------------------------------------------------------


RELAYS = ("rectified", "linear")
"""How a hidden voltage drives the next crossbar (`MIFNetSpec.relay`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MIFNetSpec:
    """Shape, time budget and scaling of a fully memristive MIF network.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths, input first (e.g. ``(784, 100, 10)``).
    mif : MIFParams
        Neuron of every layer.
    n_steps : int
        Network steps T per sample (input spikes change once per step).
    substeps : int
        MIF steps per network step; a sample lasts ``n_steps * substeps * mif.dt``.
    i_scale : float
        Column current [A] of a unit weight driven by a unit input (a spike, or ``v_spike``).
    v_spike : float
        Membrane voltage above rest [V] that drives a row of the next crossbar like one input
        spike.
    v_logit : float
        Output voltage [V] (mean, above rest) that makes one unit of logit.
    init_scale : float
        Initial weights ``U(-s, s)``, ``s = init_scale / sqrt(n_in)``.
    clip_grad : float
        Gradient norm clipping in training (0: off).
    relay : {"rectified", "linear"}
        What of a hidden neuron's voltage drives the next crossbar: ``"rectified"`` passes only
        the depolarisation ``max(v - v_rest, 0)`` (a diode at the neuron's output, so the spike
        and not the hyperpolarisation is relayed); ``"linear"`` passes ``v - v_rest`` of either
        sign. With ``"linear"`` strongly inhibited neurons send large negative drives and the
        network learns little more than a linear classifier (docs/offline.md, `memprop`).
    """

    sizes: tuple[int, ...]
    mif: MIFParams = MIFParams()
    n_steps: int = 25
    substeps: int = 10
    i_scale: float = 40e-6
    v_spike: float = 0.046
    v_logit: float = 1e-3
    init_scale: float = 1.0
    clip_grad: float = 1.0
    relay: str = "rectified"

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise fail("sizes", self.sizes, "needs an input and an output width")
        for i, n in enumerate(self.sizes):
            check_int(f"sizes[{i}]", n, 1)
        check_int("n_steps", self.n_steps, 1)
        check_int("substeps", self.substeps, 1)
        check_range("i_scale", self.i_scale, 0.0, None, lo_open=True)
        check_range("v_spike", self.v_spike, 0.0, None, lo_open=True)
        check_range("v_logit", self.v_logit, 0.0, None, lo_open=True)
        check_range("init_scale", self.init_scale, 0.0, None, lo_open=True)
        check_range("clip_grad", self.clip_grad, 0.0, None)
        check_choice("relay", self.relay, RELAYS)

    @property
    def duration(self) -> float:
        """Presentation time of one sample [s]."""
        return self.n_steps * self.substeps * self.mif.dt


class MIFNet(nn.Module):
    """Crossbar layers (normalised weights, a full window = 1) with MIF neurons.

    Parameters
    ----------
    spec : MIFNetSpec
    generator : torch.Generator
        Initial weights (keyword-only).
    weight_transform : callable, optional
        ``(layer_index, W) -> W_seen`` (e.g. `learning_rules.device_aware.make_transforms`):
        what the forward pass reads instead of ``W``.
    dtype : torch.dtype
        float32 (training) or float64 (checks).
    """

    def __init__(self, spec: MIFNetSpec, *, generator: torch.Generator,
                 weight_transform: Callable[[int, torch.Tensor], torch.Tensor] | None = None,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.spec = spec
        self.weights = nn.ParameterList()
        for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:], strict=True):
            s = spec.init_scale / np.sqrt(n_in)
            w = (torch.rand(n_in, n_out, generator=generator, dtype=torch.float64) * 2 - 1) * s
            self.weights.append(nn.Parameter(w.to(dtype)))
        self.weight_transform = weight_transform
        self.rest = rest_state(spec.mif)

    def seen_weights(self) -> list[torch.Tensor]:
        if self.weight_transform is None:
            return list(self.weights)
        return [self.weight_transform(k, w) for k, w in enumerate(self.weights)]

    def forward(self, raster: torch.Tensor, *, record: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits ``(batch, n_out)`` and, with ``record``, every layer's voltages.

        ``raster``: input spikes ``(T, batch, n_in)`` (0/1, or graded amplitudes). MIF step
        ``n`` (0-based, ``T * substeps`` of them) of the first layer receives the input of
        network step ``(n - 1) // substeps`` (none at ``n = 0``); layer ``l > 0`` receives
        ``i_scale (relay(v_{l-1} - v_rest) / v_spike) @ W_l`` with ``v_{l-1}`` before the step
        (``relay``: `MIFNetSpec.relay`).
        The logits are the output voltages above rest in units of ``v_logit``, averaged over
        all MIF steps.
        With ``record`` the second value is the list of ``(T * substeps, batch, n_l)`` traces.
        """
        spec, p, rest = self.spec, self.spec.mif, self.rest
        ws = [w.to(raster.dtype) for w in self.seen_weights()]
        batch = raster.shape[1]
        states = []
        for w in ws:
            shape = (batch, w.shape[1])
            full = [torch.full(shape, float(z), dtype=raster.dtype, device=raster.device)
                    for z in rest]
            states.append(MIFState(*full))
        zero_in = torch.zeros(batch, ws[0].shape[1], dtype=raster.dtype, device=raster.device)
        v_sum = torch.zeros_like(states[-1].v)
        traces: list[list[torch.Tensor]] = [[] for _ in ws]
        a_in = zero_in
        n_total = raster.shape[0] * spec.substeps
        for n in range(n_total):
            if n >= 1 and (n - 1) % spec.substeps == 0:
                a_in = spec.i_scale * (raster[(n - 1) // spec.substeps] @ ws[0])
            drives = [a_in] + [spec.i_scale * (_relay(s.v - rest.v, spec.relay) / spec.v_spike @ w)
                               for s, w in zip(states[:-1], ws[1:], strict=True)]
            states = [mif_step(a, s, p) for a, s in zip(drives, states, strict=True)]
            v_sum = v_sum + states[-1].v
            if record:
                for k, s in enumerate(states):
                    traces[k].append(s.v)
        logits = (v_sum / n_total - rest.v) / spec.v_logit
        return logits, ([torch.stack(t) for t in traces] if record else None)

    def numpy_weights(self) -> list[np.ndarray]:
        return [w.detach().double().numpy().copy() for w in self.weights]


def _relay(dv, relay: str):
    """The part of a voltage above rest that drives the next crossbar (`MIFNetSpec.relay`)."""
    return torch.clamp(dv, min=0.0) if relay == "rectified" else dv


def _encode(x: np.ndarray, n_steps: int, generator: torch.Generator,
            dtype: torch.dtype) -> torch.Tensor:
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64)).to(dtype)
    return (torch.rand((n_steps, *xt.shape), generator=generator, dtype=dtype) < xt).to(dtype)


def train_mif(model: MIFNet, x: np.ndarray, y: np.ndarray, *, epochs: int, batch: int,
              lr: float, generator: torch.Generator, evaluate=None, iterate=iter,
              clip_weights: float | None = 1.0, on_epoch=None,
              lr_decay: float = 1.0) -> dict[str, list[float]]:
    """Adam + BPTT through the MIF dynamics (no surrogate) on Bernoulli-encoded inputs.

    Gradients are clipped to norm ``spec.clip_grad`` (unless 0), weights to the device window
    ``[-clip_weights, clip_weights]`` after each step; the learning rate is multiplied by
    ``lr_decay`` after each epoch. Returns per-epoch mean loss, training
    accuracy and (with ``evaluate``) test accuracy; ``on_epoch(history)`` is called after each
    epoch (checkpointing).
    """
    check_int("epochs", epochs, 1)
    check_int("batch", batch, 1)
    check_range("lr", lr, 0.0, None, lo_open=True)
    check_range("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
    dtype = model.weights[0].dtype
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_decay)
    ce = nn.CrossEntropyLoss()
    yt = torch.as_tensor(np.array(y), dtype=torch.long)
    hist: dict[str, list[float]] = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    for _ in iterate(range(epochs)):
        order = torch.randperm(len(x), generator=generator).numpy()
        total, correct = 0.0, 0
        for start in range(0, len(x), batch):
            idx = order[start: start + batch]
            logits, _ = model(_encode(x[idx], model.spec.n_steps, generator, dtype))
            loss = ce(logits, yt[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss = {float(loss)} at sample {start}: the MIF "
                                         "dynamics diverged (lower lr or i_scale)")
            opt.zero_grad()
            loss.backward()
            if model.spec.clip_grad:
                nn.utils.clip_grad_norm_(model.parameters(), model.spec.clip_grad)
            opt.step()
            if clip_weights is not None:
                with torch.no_grad():
                    for w in model.weights:
                        w.clamp_(-clip_weights, clip_weights)
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yt[idx]).sum())
        hist["loss"].append(total / len(x))
        hist["train_accuracy"].append(correct / len(x))
        schedule.step()
        if evaluate is not None:
            hist["test_accuracy"].append(evaluate())
        if on_epoch is not None:
            on_epoch(hist)
    return hist


@torch.no_grad()
def evaluate_mif(model: MIFNet, x: np.ndarray, y: np.ndarray, *, generator: torch.Generator,
                 batch: int = 1000) -> float:
    """Test accuracy: the output neuron with the highest mean voltage (ties: lowest index)."""
    correct = 0
    dtype = model.weights[0].dtype
    for start in range(0, len(x), batch):
        logits, _ = model(_encode(x[start: start + batch], model.spec.n_steps, generator, dtype))
        correct += int((logits.argmax(1).numpy() == y[start: start + batch]).sum())
    return correct / len(x)
