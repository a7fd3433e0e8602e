"""A memristor crossbar holding one signed weight matrix, read and written as on a chip.

Mapping of a weight ``w`` in ``[-w_max, w_max]`` (rows = inputs / word lines, columns = outputs /
bit lines), with ``dG = G_max - G_min`` of the nominal device:

- ``pair``: ``w = w_max (G+ - G-) / dG``; two devices per weight;
- ``reference``: ``w = w_max (G - G_ref) / (dG / 2)``, ``G_ref = (G_max + G_min) / 2``; one
  device per weight against a reference column (as in the NeuroSim protocol).

Reads are analog vector-matrix products. An input vector ``x`` is applied as read voltages
``V_i = (x_i / s) V_read`` with ``s = max(1, max|x|)`` (optionally through a DAC of ``dac_bits``);
the column currents are ``I_j = sum_i f(V_i) G_ij (1 + N(0, sigma_read))`` with the device's I-V
shape ``f`` (`devices.iv`), and the weighted sum is recovered as
``y_j = s (I+_j - I-_j) w_max / (V_read dG)`` (pair; a reference column for ``reference``).
The periphery assumes ohmic cells: models with ``f(V_read) = V_read`` are exact at full scale,
``sinh`` has a gain error there. The result goes optionally through an ADC of ``adc_bits`` over
``[-adc_range, adc_range]`` (an ADC saturates there, like a real one; the fraction of saturated
outputs is counted). With a linear device, no
noise and no converters, ``y = x @ W`` exactly. The transposed read applies voltages to the
columns and reads the rows: ``delta @ W^T``.

Read noise is drawn per device per read; its sum over a column is Gaussian with variance
``sigma^2 sum_i f(V_i)^2 G_ij^2``, which is what is sampled (exact in distribution, one normal per
output instead of one per device).

Writes: a signed number of pulses per weight (positive: increase the weight), open loop, through
`devices.DeviceArray`. ``reference``: the device gets ``n`` (LTP for n > 0, LTD for n < 0).
``pair`` with ``push-pull``: ``G+`` gets ``n`` and ``G-`` gets ``-n``; with ``ltp-only``: ``G+``
gets ``n`` when n > 0, ``G-`` gets ``|n|`` when n < 0 (PCM-style, devices only potentiated).
The nominal weight change per pulse is `Crossbar.dw_min`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices import (
    Device,
    DeviceArray,
    is_state_dependent,
    iv_factor,
    nominal_parameters,
    one_pulse,
    pulse_count,
)
from devices.errors import check_choice, check_int, check_range, fail

__all__ = ["INIT_WRITES", "Crossbar", "CrossbarSpec"]

INIT_WRITES = ("window", "neurosim")  # how `Crossbar.program` places the initial weights


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossbarSpec:
    """How weights live in a crossbar and how it is read.

    Attributes
    ----------
    mapping : {"reference", "pair"}
        One device against a reference column, or a conductance pair.
    pair_update : {"push-pull", "ltp-only"}
        How a pair is written (see the module docstring).
    w_max : float
        Weight represented by a full conductance window (> 0).
    dac_bits : int or None
        Input DAC resolution (magnitude bits; sign is separate); None: analog inputs.
    adc_bits : int or None
        Output ADC resolution over ``[-adc_range, adc_range]``; None: no ADC.
    adc_range : float or None
        ADC full scale in weighted-sum units (> 0); None: the array's full scale, every row
        at ``w_max`` (``n_rows * w_max``), as NeuroSim's ADC.
    read_noise : bool
        Use the device's read noise.
    iv_nonlinearity : bool
        Use the device's I-V model (False: ohmic reads).
    r_access : float
        Series resistance of each cell's access transistor (1T1R) [Ohm], >= 0. A cell then
        conducts ``G_eff = G / (1 + G r_access)``, and the read-out (reference column, scale)
        is built from the effective window ``[G_eff(G_min), G_eff(G_max)]``, as NeuroSim's 1T1R
        cell (15 kOhm) does: large conductances are compressed. Applied to the ohmic
        conductance (with an I-V model too, the I-V shape acts on the applied voltage).
    weight_unit : {"window", "g_max"}
        The conductance that stands for ``w_max``: the window ``G_max - G_min`` (every weight in
        ``[-w_max, w_max]`` is representable), or ``G_max`` (the read-out normalises by the
        largest conductance, so only ``|w| <= w_max (1 - G_min/G_max)`` is representable and a
        small dynamic range ``G_max/G_min`` shrinks the weight range; Babu & Rajendran 2017).
    read_precision : {"float64", "float32"}
        Arithmetic of the analog reads (the vector-matrix products and the read-noise sums).
        Conductances, pulses and the weights the learning rules see stay float64. In the DBN's
        profile (not side by side) float32 reads took about 40% less time (5.4 s -> 3.1 s);
        their rounding (relative 6e-8) is far below any device's read noise. The DBN uses it
        (`scenarios.dbn`); the default keeps float64.
    """

    mapping: Literal["reference", "pair"] = "reference"
    pair_update: Literal["push-pull", "ltp-only"] = "push-pull"
    w_max: float = 1.0
    dac_bits: int | None = None
    adc_bits: int | None = None
    adc_range: float | None = None
    read_noise: bool = True
    iv_nonlinearity: bool = True
    r_access: float = 0.0
    weight_unit: Literal["window", "g_max"] = "window"
    read_precision: Literal["float64", "float32"] = "float64"

    def __post_init__(self) -> None:
        check_choice("crossbar.mapping", self.mapping, ("reference", "pair"))
        check_choice("crossbar.pair_update", self.pair_update, ("push-pull", "ltp-only"))
        check_range("crossbar.w_max", self.w_max, 0.0, None, lo_open=True)
        check_choice("crossbar.weight_unit", self.weight_unit, ("window", "g_max"))
        check_choice("crossbar.read_precision", self.read_precision, ("float64", "float32"))
        check_range("crossbar.r_access", self.r_access, 0.0, 1e9)
        if self.dac_bits is not None:
            check_int("crossbar.dac_bits", self.dac_bits, 1, 32)
        if self.adc_bits is not None:
            check_int("crossbar.adc_bits", self.adc_bits, 1, 32)
        if self.adc_range is not None:
            check_range("crossbar.adc_range", self.adc_range, 0.0, None, lo_open=True)


def _quantize_symmetric(y: np.ndarray, bits: int, full_scale: float) -> np.ndarray:
    """Uniform quantiser with 2^bits - 1 levels over [-full_scale, full_scale] (saturating)."""
    half = 2 ** (bits - 1) - 0.5 if bits > 1 else 0.5
    step = full_scale / half
    return np.clip(np.round(y / step), -half, half) * step


class Crossbar:
    """One weight matrix of shape ``(n_in, n_out)`` stored in memristors.

    Parameters
    ----------
    device : Device
        The device of every cell.
    shape : (int, int)
        ``(n_in, n_out)``.
    spec : CrossbarSpec
    rng : np.random.Generator
        Draws device-to-device parameters (keyword-only).

    Attributes
    ----------
    devices : list of DeviceArray
        ``[G]`` (reference) or ``[G+, G-]`` (pair).
    dw_min : float
        Nominal weight change of one pulse.
    """

    def __init__(self, device: Device, shape: tuple[int, int], spec: CrossbarSpec, *,
                 rng: np.random.Generator) -> None:
        self.device = device
        self.spec = spec
        self.shape = (int(shape[0]), int(shape[1]))
        n_dev = 1 if spec.mapping == "reference" else 2
        g0 = "min" if spec.mapping == "pair" and spec.pair_update == "ltp-only" else "mid"
        self.devices = [DeviceArray(device, self.shape, rng=rng, g0=g0) for _ in range(n_dev)]
        self.d_g = device.g_max - device.g_min
        lo, hi = self._effective(device.g_min), self._effective(device.g_max)
        self.norm = (hi - lo) if spec.weight_unit == "window" else hi
        self.w_range = spec.w_max * (hi - lo) / self.norm
        """Largest representable |weight|."""
        self.g_ref = 0.5 * (hi + lo)
        p_up, p_down = self._levels()
        per_window = self.w_range if spec.pair_update == "ltp-only" and n_dev == 2 else (
            2.0 * self.w_range)
        self.dw_up = per_window / p_up
        self.dw_down = per_window / p_down
        iv = device.iv if spec.iv_nonlinearity and device.iv.kind != "linear" else None
        if iv is not None and is_state_dependent(iv):
            raise fail("device.iv.kind", iv.kind, "a state-dependent I-V model does not fit the "
                       "crossbar's f(V) @ G reads; use it in the spiking path (neuro.brian) or "
                       "set iv_nonlinearity=False")
        self._iv = iv
        # The periphery converts currents assuming ohmic cells, I = G V_read: an I-V model whose
        # current at V_read differs from G V_read (sinh) shows up as a gain error.
        self._f_read = device.v_read
        self._sigma = device.variability.read_noise if spec.read_noise else 0.0
        self.reads = 0
        self.read_energy = 0.0
        self.verify_reads = 0  # single-cell reads of write-verify
        self.adc_saturated = 0
        self.adc_outputs = 0
        self._nominal: dict | None = None  # nominal device parameters, for verify
        self._refresh()

    def _levels(self) -> tuple[float, float]:
        """Nominal pulses across the window for an increase and a decrease of the weight."""
        r = self.device.response
        if hasattr(r, "levels_ltp"):
            up, down = float(r.levels_ltp), float(r.levels_ltd)
        else:
            up = down = float(r.levels - 1 if self.device.family == "linear" else r.levels)
        return up, down

    @property
    def dw_min(self) -> float:
        """Mean nominal weight change of one pulse."""
        return 0.5 * (self.dw_up + self.dw_down)

    # -- state ----------------------------------------------------------------------------------

    def _effective(self, g):
        """Conductance seen through the access resistance."""
        r = self.spec.r_access
        return g if r == 0.0 else g / (1.0 + g * r)

    def _refresh(self, flat=None) -> None:
        """Recompute the cached weight matrix (and squared conductances) where devices changed.

        ``flat``: flat indices of the changed weights (None: all). The reference column is a
        fixed, noise-free conductance.
        """
        scale = self.spec.w_max / self.norm
        if flat is None:
            self._w = np.empty(self.shape)
            read = np.dtype(self.spec.read_precision)
            # The reads' copy of the weights (the float64 matrix itself unless float32 reads).
            self._w_read = self._w if read == self._w.dtype else np.empty(self.shape, read)
            self._g2 = np.empty(self.shape, read) if self._sigma else None
            flat = slice(None)
        w = self._w.reshape(-1)
        g2 = None if self._g2 is None else self._g2.reshape(-1)
        if self.spec.mapping == "reference":
            g = self._effective(self.devices[0].g.reshape(-1)[flat])
            w[flat] = (g - self.g_ref) * (2.0 * scale)
            if g2 is not None:
                g2[flat] = g * g
        else:
            gp = self._effective(self.devices[0].g.reshape(-1)[flat])
            gn = self._effective(self.devices[1].g.reshape(-1)[flat])
            w[flat] = (gp - gn) * scale
            if g2 is not None:
                g2[flat] = gp * gp + gn * gn
        if self._w_read is not self._w:
            self._w_read.reshape(-1)[flat] = w[flat]

    @property
    def weights(self) -> np.ndarray:
        """The weight matrix the conductances represent (noise-free, ohmic), shape (n_in, n_out)."""
        return self._w.copy()

    def program(self, w_target: np.ndarray, *, per_device_range: bool = False,
                init_write: str = "window") -> None:
        """Set the conductances for ``w_target`` (initialisation, before training).

        Weights beyond the representable range (`w_range`) are an error.
        ``per_device_range=False``: the nominal conductance of each weight (devices with D2D
        spread then hold other weights);
        ``True`` (SSM re-initialisation): each device's own window is used, so its weight is the
        target as seen through its own range, and the relative position in the range is kept.
        ``init_write``: ``"window"`` places each weight's fraction ``p`` of the window at
        ``G_min + p (G_max - G_min)`` (of the effective window, with an access resistance);
        ``"neurosim"`` reproduces the initial write of MLP+NeuroSim V3.0 (its ideal write,
        ``Array::WriteCell``, used by ``WeightToConductance``), which sets the device to
        ``p (G_max - G_min)`` without ``G_min`` and clips to the window: every weight starts
        ``2 w_range G_min / (G_max - G_min)`` lower (reference mapping), and those below that
        floor at ``-w_range``. It is there to reproduce NeuroSim's table, not as a model.
        """
        check_choice("init_write", init_write, INIT_WRITES)
        w = np.asarray(w_target, dtype=np.float64)
        if w.shape != self.shape:
            raise fail("w_target.shape", w.shape, f"must be {self.shape}")
        if np.any(np.abs(w) > self.w_range * (1 + 1e-12)):
            raise fail("w_target", float(np.abs(w).max()),
                       f"initial weights must lie in the representable range +-{self.w_range:g}")
        u = w / self.w_range  # fraction of the window, in [-1, 1]
        for k, arr in enumerate(self.devices):
            lo, hi = arr.g_min, arr.g_max
            if not per_device_range:
                lo, hi = self.device.g_min, self.device.g_max
            if self.spec.mapping == "reference":
                part = 0.5 * (u + 1.0)
            elif self.spec.pair_update == "push-pull":  # both mid-window at w = 0: both can move
                part = 0.5 * (1.0 + u) if k == 0 else 0.5 * (1.0 - u)
            else:  # ltp-only: both start low and are only potentiated
                part = np.maximum(u, 0.0) if k == 0 else np.maximum(-u, 0.0)
            if init_write == "neurosim":  # the device itself, without G_min (see above)
                target = part * (hi - lo)
            else:
                lo_e, hi_e = self._effective(lo), self._effective(np.asarray(hi))
                target = lo_e + part * (hi_e - lo_e)  # effective conductance wanted
                if self.spec.r_access:
                    target = target / (1.0 - target * self.spec.r_access)
            target = np.clip(target, arr.g_min, arr.g_max)  # nominal targets within D2D windows
            if arr.stuck is not None:
                target = np.where(arr.stuck < 0, arr.g_min,
                                  np.where(arr.stuck > 0, arr.g_max, target))
            arr.g = np.array(np.broadcast_to(target, self.shape), dtype=np.float64)
        self._refresh()

    # -- reads ------------------------------------------------------------------------------------

    def _voltages(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = np.maximum(1.0, np.abs(x).max(axis=1, keepdims=True))
        u = x / s
        if self.spec.dac_bits is not None:
            levels = 2**self.spec.dac_bits - 1
            u = np.round(u * levels) / levels
        v = u * self.device.v_read
        return (iv_factor(self._iv, v) if self._iv is not None else v), s

    def _read_noise(self, root_g2: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Read noise, in weights, of outputs whose read cells have the root of summed squared
        (normalised) conductances ``root_g2``."""
        if rng is None:
            raise fail("rng", None, "this device has read noise: pass a np.random.Generator")
        return self._sigma * (self.spec.w_max / self.norm) * (
            2.0 if self.spec.mapping == "reference" else 1.0) * root_g2 * rng.standard_normal(
            root_g2.shape)

    def _read(self, x: np.ndarray, w: np.ndarray, g2: np.ndarray | None, *,
              rng: np.random.Generator | None) -> np.ndarray:
        f, s = self._voltages(np.atleast_2d(x))
        f = f.astype(w.dtype, copy=False)
        y = f @ w
        if self._sigma:
            y = y + self._read_noise(np.sqrt((f * f) @ g2), rng)
        y = y * (s / self._f_read)
        if self.spec.adc_bits is not None:
            full = self.spec.adc_range or w.shape[0] * self.spec.w_max
            self.adc_saturated += int(np.count_nonzero(np.abs(y) > full))
            self.adc_outputs += y.size
            y = _quantize_symmetric(y, self.spec.adc_bits, full)
        self.reads += len(y)
        return y

    def forward(self, x: np.ndarray, *, rng: np.random.Generator | None = None) -> np.ndarray:
        """Weighted sums ``x @ W`` read from the crossbar; ``x`` of shape (batch, n_in)."""
        return self._read(x, self._w_read, self._g2, rng=rng)

    def backward(self, delta: np.ndarray, *, rng: np.random.Generator | None = None) -> np.ndarray:
        """Transposed read ``delta @ W.T``; ``delta`` of shape (batch, n_out)."""
        return self._read(delta, self._w_read.T, None if self._g2 is None else self._g2.T,
                          rng=rng)

    # -- writes -----------------------------------------------------------------------------------

    def desired_pulses(self, dw: np.ndarray) -> np.ndarray:
        """Real-valued pulse counts that change each weight by ``dw`` nominally.

        Increases use the LTP step, decreases the LTD step (their level counts may differ).
        """
        dw = np.asarray(dw, dtype=np.float64)
        if self.dw_up == self.dw_down:
            return dw * (1.0 / self.dw_up)
        return dw * np.where(dw > 0, 1.0 / self.dw_up, 1.0 / self.dw_down)

    def pulses_for(self, dw: np.ndarray, *, rounding: str = "nearest",
                   rng: np.random.Generator | None = None) -> np.ndarray:
        """Whole pulse counts for weight changes ``dw`` (``devices.pulse_count`` rounding)."""
        return pulse_count(self.desired_pulses(dw), mode=rounding, rng=rng)

    def apply(self, n_pulses: np.ndarray, *, rng: np.random.Generator | None,
              rows: np.ndarray | None = None, t: float | None = None) -> int:
        """Send signed pulse counts (positive: increase the weight); returns devices written.

        ``n_pulses`` has shape ``(n_in, n_out)``, or ``(len(rows), n_out)`` when only the word
        lines ``rows`` receive pulses (the others get none).
        """
        flat, k = self._sparse(n_pulses, rows)
        return self._apply_flat(flat, k, rng=rng, t=t) if len(flat) else 0

    def _sparse(self, n_pulses: np.ndarray,
                rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices into the whole array and the non-zero pulse counts at them."""
        n = np.asarray(n_pulses)
        expected = self.shape if rows is None else (len(rows), self.shape[1])
        if n.shape != expected:
            raise fail("n_pulses.shape", n.shape, f"must be {expected}")
        flat = np.flatnonzero(n)
        k = n.reshape(-1)[flat]
        if rows is not None:
            r, c = np.divmod(flat, self.shape[1])
            flat = np.asarray(rows)[r] * self.shape[1] + c
        return flat, k

    def _apply_flat(self, flat: np.ndarray, k: np.ndarray, *, rng: np.random.Generator | None,
                    t: float | None) -> int:
        """Send signed pulse counts ``k`` (non-zero) to the weights at flat indices ``flat``."""
        if self.spec.mapping == "reference":
            self.devices[0].apply_pulses(k, idx=flat, rng=rng, t=t)
            written = len(k)
        elif self.spec.pair_update == "push-pull":
            self.devices[0].apply_pulses(k, idx=flat, rng=rng, t=t)
            self.devices[1].apply_pulses(-k, idx=flat, rng=rng, t=t)
            written = 2 * len(k)
        else:
            up = k > 0
            if up.any():
                self.devices[0].apply_pulses(k[up], idx=flat[up], rng=rng, t=t)
            if not up.all():
                self.devices[1].apply_pulses(-k[~up], idx=flat[~up], rng=rng, t=t)
            written = len(k)
        self._refresh(flat)
        return written

    def _local_steps(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weight change of one pulse up and of one pulse down (both >= 0) of the weights at
        flat indices ``flat``, on the device's nominal curve at the stored conductances (what a
        verify controller can predict without knowing each device's own parameters)."""
        if self._nominal is None:
            self._nominal = nominal_parameters(self.device.response)

        def moved(d: int) -> tuple[np.ndarray, np.ndarray]:
            """Effective-conductance change of device ``d`` after one pulse up, one down."""
            g = self.devices[d].g.reshape(-1)[flat]
            e0 = self._effective(g)
            g_up, g_down = one_pulse(self.device.response, g, self._nominal)
            return self._effective(g_up) - e0, self._effective(g_down) - e0

        scale = self.spec.w_max / self.norm
        up0, down0 = moved(0)
        if self.spec.mapping == "reference":
            return 2.0 * scale * up0, -2.0 * scale * down0
        up1, down1 = moved(1)
        if self.spec.pair_update == "push-pull":
            return scale * (up0 - down1), scale * (up1 - down0)
        return scale * up0, scale * up1

    def apply_verified(self, n_pulses: np.ndarray, *, rng: np.random.Generator | None,
                       rows: np.ndarray | None = None, rounds: int = 1,
                       tolerance: float = 0.5, t: float | None = None) -> int:
        """Send signed pulse counts, then read back and correct (write-verify).

        The target of each written weight is its value before the write plus the nominal change
        of its pulses (``n dw_up`` or ``n dw_down``), clipped to the representable range
        ``+-w_range``. After the open-loop write, up to ``rounds`` times: read the written
        weights (single-cell reads at ``V_read`` through the same mapping, with the device's
        read noise, ohmic; counted in ``verify_reads``, not in ``reads``), and send to those
        at least ``tolerance`` nominal pulses away the pulses that the nominal curve's local
        step at each weight's state predicts for the remaining error (a step below a tenth of
        the nominal one counts as a tenth; at most the pulses of a whole window per round). A
        correction is sent only where it is expected to reduce the squared error: the residual
        after the predicted steps plus the C2C noise of its pulses (the device's nominal sigma,
        growing as the square root of the pulse count) must be below the error; so a weight
        under half a local step away is left alone (one more pulse would overshoot), and on a
        device whose per-pulse noise exceeds its step only large errors are corrected (without
        this, verify on the presets' C2C makes every write a growing random walk:
        ``docs/insitu.md``, "Writes"). This removes the systematic error of the non-linear
        curve and reduces C2C error where the noise of one pulse is below the step.
        Returns the devices written (with ``pair_update="ltp-only"``, a correction against the
        open-loop direction writes the pair's other device and counts it); the pulse, energy
        and time counters include the corrections.
        """
        check_int("rounds", rounds, 0)
        check_range("tolerance", tolerance, 0.5, None)
        flat, k = self._sparse(n_pulses, rows)
        if len(flat) == 0:
            return 0
        target = np.clip(self._w.reshape(-1)[flat] + k * np.where(k > 0, self.dw_up, self.dw_down),
                         -self.w_range, self.w_range)
        written = self._apply_flat(flat, k, rng=rng, t=t)
        ltp_only = self.spec.mapping != "reference" and self.spec.pair_update == "ltp-only"
        other = np.zeros(len(flat), dtype=bool)  # ltp-only: the pair's other device written
        p_up, p_down = self._levels()
        # C2C noise of one pulse, in weights: the device's nominal sigma of the window, times the
        # mapping's gain (a reference cell moves the weight twice; push-pull writes two devices).
        noise_w = self.device.variability.c2c * self.w_range * (
            2.0 if self.spec.mapping == "reference" else
            np.sqrt(2.0) if self.spec.pair_update == "push-pull" else 1.0)
        for _ in range(rounds):
            read = self._w.reshape(-1)[flat]
            self.verify_reads += len(flat)
            if self._sigma:
                read = read + self._read_noise(np.sqrt(self._g2.reshape(-1)[flat]), rng)
            err = target - read
            todo = np.flatnonzero(np.abs(self.desired_pulses(err)) >= tolerance)
            if len(todo) == 0:
                break
            up, down = self._local_steps(flat[todo])
            e = err[todo]
            size = np.maximum(np.where(e > 0, up, down),
                              0.1 * np.where(e > 0, self.dw_up, self.dw_down))
            fix = np.clip(pulse_count(e / size, mode="nearest"), -int(np.ceil(p_down)),
                          int(np.ceil(p_up)))
            # Send a correction only where it is expected to reduce the squared error: the
            # residual after the predicted steps plus the C2C noise of |fix| pulses (variance
            # sigma_w^2 |fix|) must be below the error itself.
            keep = (fix != 0) & ((e - fix * size) ** 2 + noise_w**2 * np.abs(fix) < e**2)
            if not keep.any():
                break
            todo, fix = todo[keep], fix[keep]
            if ltp_only:
                new = (np.sign(fix) != np.sign(k[todo])) & ~other[todo]
                other[todo[new]] = True
                written += int(np.count_nonzero(new))
            self._apply_flat(flat[todo], fix, rng=rng, t=t)
        return written

    # -- accounting -------------------------------------------------------------------------------

    @property
    def n_devices(self) -> int:
        return len(self.devices) * self.shape[0] * self.shape[1]

    @property
    def pulses(self) -> int:
        return sum(d.pulses for d in self.devices)

    @property
    def write_energy(self) -> float:
        return sum(d.write_energy for d in self.devices)

    @property
    def write_time(self) -> float:
        return sum(d.write_time for d in self.devices)
