"""The Brian2 boundary: event-driven networks whose synapses are memristors.

Units (Brian2 quantities) exist here only. Device conductances live in Brian2 as plain numbers
in siemens (``g : 1``), exactly the numbers of `devices.DeviceArray`, with their per-device
parameters, and the device equations come from `devices.brian.brian_code` (drift is applied
event-driven from each synapse's last programming time, in ``on_pre``).

Neurons are the discrete-time LIF of `neuro.lif` (snnTorch's ``Leaky``): each step
``v = beta v + I - theta s`` (or the reset-to-zero form), then ``s = [v > theta]``, where ``I``
is the synaptic input delivered in the previous step and ``s`` the previous spike. A spike at
step t reaches the next layer's membrane at step t + 1, so a network of L layers runs each sample
for ``T + L`` steps; the spike counts are those of the time-stepped reference
(`neuro.lif.reference_counts`) for the same weights and input raster.

`Evaluator` runs a whole test set through one network built once: samples follow each other in
one run with the neurons reset between them, in chunks of a fixed size. With the
``cpp_standalone`` target the code is compiled once and each chunk is a new run of the same
binary with new inputs (and, if wanted, new conductances) passed as ``run_args``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from devices import DeviceArray, cell_current
from devices.brian import brian_code, cell_code
from devices.errors import check_choice, check_int, fail
from neuro.lif import LIFParams

__all__ = ["EvalResult", "Evaluator", "SynapseLayer", "ensure_numpy_functions"]


def ensure_numpy_functions() -> None:
    """Give Brian2's ``expm1`` and ``log1p`` a numpy-target implementation.

    Brian2 2.9 ships these functions for the C++ and Cython targets only; the device equations
    use them (they avoid cancellation near linear response). Adding ``np.expm1`` / ``np.log1p``
    for the numpy target is idempotent and changes nothing for the other targets.
    """
    from brian2 import NumpyCodeObject
    from brian2.core.functions import DEFAULT_FUNCTIONS

    for name, fn in (("expm1", np.expm1), ("log1p", np.log1p)):
        impls = DEFAULT_FUNCTIONS[name].implementations
        try:
            impls[NumpyCodeObject]
        except KeyError:
            impls.add_numpy_implementation(fn)


@dataclass(frozen=True, slots=True)
class SynapseLayer:
    """One layer of memristive synapses: ``w = w_scale (G+ - G-)`` (or ``G - g_ref``).

    Attributes
    ----------
    pos : DeviceArray
        ``G+`` (or the single device), shape ``(n_in, n_out)``.
    neg : DeviceArray or None
        ``G-`` of a conductance pair; None: a fixed reference conductance ``g_ref``.
    w_scale : float
        Weight per siemens of conductance difference (weight units: the LIF threshold's).
    g_ref : float
        Reference conductance [S] when ``neg`` is None.
    """

    pos: DeviceArray
    neg: DeviceArray | None
    w_scale: float
    g_ref: float = 0.0

    def __post_init__(self) -> None:
        if self.neg is not None and self.neg.shape != self.pos.shape:
            raise fail("neg.shape", self.neg.shape, f"must equal pos.shape {self.pos.shape}")
        if len(self.pos.shape) != 2:
            raise fail("pos.shape", self.pos.shape, "must be (n_in, n_out)")

    @property
    def shape(self) -> tuple[int, int]:
        return self.pos.shape

    def weights(self, t: float | None = None) -> np.ndarray:
        """Noise-free weights at time ``t`` [s] (drift from each device's programming time)."""
        neg = self.g_ref if self.neg is None else self.neg.conductance(t)
        return self.w_scale * (self.pos.conductance(t) - neg)

    def read_weights(self, t: float | None = None) -> np.ndarray:
        """What a spike at ``V_read`` reads: ``w_scale (I(G+) - I(G-)) / V_read`` (any I-V).

        Equal to `weights` for ohmic cells; an I-V non-linearity shows as a gain (sinh) or a
        compression of high conductances (saturating cells).
        """
        device = self.pos.device
        v = device.v_read
        neg = self.g_ref if self.neg is None else self.neg.conductance(t)
        return self.w_scale * (cell_current(device.iv, self.pos.conductance(t), v)
                               - cell_current(device.iv, np.asarray(neg, dtype=float), v)) / v


@dataclass(slots=True)
class EvalResult:
    """What an evaluation produced.

    Attributes
    ----------
    counts : np.ndarray of int64, shape (n_samples, n_out)
        Output spike counts per sample.
    accuracy : float or None
        Fraction of samples whose most active output neuron is the label (ties: lowest index).
    synaptic_events : int
        Synaptic events processed (presynaptic spikes times fan-out, all layers).
    read_energy : float
        Energy of the synaptic reads [J]: each event reads its devices at the read voltage for
        the read pulse width, ``V_read^2 G t_read`` per device.
    wall_s : float
        Wall time of the simulation runs (building excluded) [s].
    """

    counts: np.ndarray
    accuracy: float | None
    synaptic_events: int
    read_energy: float
    wall_s: float
    hidden_counts: list[np.ndarray] = field(default_factory=list)


class Evaluator:
    """A feed-forward memristive SNN in Brian2, built once, run on many samples.

    Parameters
    ----------
    layers : sequence of SynapseLayer
        Synapses of each layer, input first.
    lif : LIFParams
        Neuron parameters (all layers).
    n_steps : int
        Time steps T per sample.
    chunk : int
        Samples per run (the compiled network's input size).
    target : {"numpy", "cython", "cpp_standalone"}
        Brian2 code-generation target.
    read_noise : bool
        Apply the devices' read noise on every synaptic event.
    t_eval : float
        Time of the evaluation [s] on the devices' clock (drift from their programming time).
    freeze_drift : bool
        Read every synapse at ``t_eval`` during the whole evaluation (True), or let the devices
        keep drifting while the simulated time of the evaluation runs on (False).
    iv_nonlinearity : bool
        Graded inputs reach the first crossbar through the device's I-V shape.
    directory : str, optional
        Build directory of ``cpp_standalone`` (default: a temporary directory).
    seed : int
        Brian2's random seed (read noise).
    """

    def __init__(self, layers: Sequence[SynapseLayer], lif: LIFParams, *, n_steps: int,
                 chunk: int = 1000, target: str = "numpy", read_noise: bool = False,
                 t_eval: float = 0.0, freeze_drift: bool = True, iv_nonlinearity: bool = True,
                 directory: str | None = None, seed: int = 0) -> None:
        check_int("n_steps", n_steps, 1)
        check_int("chunk", chunk, 1)
        check_choice("target", target, ("numpy", "cython", "cpp_standalone"))
        if not layers:
            raise fail("layers", layers, "need at least one layer")
        for k in range(1, len(layers)):
            if layers[k].shape[0] != layers[k - 1].shape[1]:
                raise fail(f"layers[{k}].shape", layers[k].shape,
                           f"inputs must match the {layers[k - 1].shape[1]} outputs before it")
        self.layers = list(layers)
        self.lif = lif
        self.n_steps = n_steps
        self.period = n_steps + len(layers)  # steps per sample: T plus one per layer of delay
        self.chunk = chunk
        self.target = target
        self.read_noise = read_noise
        self.t_eval = float(t_eval)
        self.freeze_drift = freeze_drift
        self.iv_nonlinearity = iv_nonlinearity
        self.seed = seed
        self.compilations = 0
        self._run_args: dict = {}
        self._directory = directory
        self._own_directory = directory is None
        self._built = False
        self._build()

    # -- construction -----------------------------------------------------------------------------

    def _build(self) -> None:
        import brian2 as b2

        ensure_numpy_functions()
        if self.target == "cpp_standalone":
            self._directory = self._directory or tempfile.mkdtemp(prefix="neuro-standalone-")
            b2.set_device("cpp_standalone", directory=self._directory, build_on_run=False)
        else:
            b2.prefs.codegen.target = self.target
        b2.start_scope()
        dt = self.lif.dt * b2.second
        n_in = self.layers[0].shape[0]
        self._inp = b2.TimedArray(np.zeros((self.chunk * self.period, n_in)), dt=dt,
                                  name="neuro_inp")
        # Inputs are spikes of amplitude a: 1 for a spike raster, the intensity for graded
        # ("direct") encoding, where the first crossbar reads them at a V_read (I-V shape).
        inputs = b2.NeuronGroup(n_in, "a = neuro_inp(t - chunk_start, i) : 1",
                                threshold="a > 0", reset="", dt=dt, name="neuro_inputs")
        objects: list = [inputs]
        namespace: dict = {"neuro_inp": self._inp, "beta": self.lif.beta,
                           "theta": self.lif.threshold, "chunk_start": 0 * b2.second}
        update = ("v = beta*v + I - theta*s" if self.lif.reset == "subtract"
                  else "v = beta*(1 - s)*v + I")
        prev = inputs
        self._syn = []
        self._codes = []
        for k, layer in enumerate(self.layers):
            n_out = layer.shape[1]
            grp = b2.NeuronGroup(n_out, "v : 1\nI : 1\ns : 1", threshold="v > theta",
                                 reset="s = 1", dt=dt, name=f"neuro_layer{k}")
            grp.run_regularly(f"{update}\nI = 0\ns = 0", when="groups", name=f"neuro_update{k}")
            grp.run_regularly("v = 0\nI = 0\ns = 0", dt=self.period * dt, when="start",
                              name=f"neuro_sample_reset{k}")
            syn, code_ns = self._synapses(b2, prev, grp, layer, k)
            namespace.update(code_ns)
            objects += [grp, syn]
            self._syn.append(syn)
            prev = grp
        self._monitors = [b2.SpikeMonitor(g, name=f"neuro_spikes{k}")
                          for k, g in enumerate(objects[1::2])]
        self._in_monitor = b2.SpikeMonitor(inputs, name="neuro_input_spikes")
        self._net = b2.Network(*objects, *self._monitors, self._in_monitor, name="neuro_net")
        self._namespace = namespace
        self._b2 = b2
        if self.target == "cpp_standalone":
            b2.seed(self.seed)
            self._net.run(self.chunk * self.period * dt, namespace=namespace)
            b2.device.build(directory=self._directory, compile=True, run=False,
                            with_output=False)
            self.compilations += 1
        self._built = True

    def _synapses(self, b2, source, target, layer: SynapseLayer, k: int):
        # Names are prefixed per layer: the run's namespace is shared by all layers.
        t_read = f"l{k}_t_read" if self.freeze_drift else "t"
        pos = brian_code(layer.pos, prefix=f"l{k}_pos_", g="g_pos", g_read="gr_pos", t=t_read)
        parts = [pos]
        read = [pos.read]
        if layer.neg is not None:
            neg = brian_code(layer.neg, prefix=f"l{k}_neg_", g="g_neg", g_read="gr_neg",
                             t=t_read)
            parts.append(neg)
            read.append(neg.read)
            diff = "gr_pos - gr_neg"
        else:
            diff = f"gr_pos - l{k}_g_ref"
        sigma = layer.pos.device.variability.read_noise if self.read_noise else 0.0
        noise = f"*(1 + l{k}_read_sigma*randn())" if sigma else ""
        # A spike reads each cell at v = a V_read (a: the input amplitude of the first layer, 1
        # for spikes); the periphery assumes ohmic cells and divides the current by V_read.
        iv = layer.pos.device.iv
        amp = "a_pre" if k == 0 else "1"
        iv_ns: dict = {}
        if self.iv_nonlinearity and iv.kind != "linear":
            v = f"{amp}*l{k}_v_read"
            neg_g = "gr_neg" if layer.neg is not None else f"l{k}_g_ref"
            for part, g in (("c_pos", "gr_pos"), ("c_neg", neg_g)):
                code_iv, ns_iv = cell_code(iv, g=g, v=v, out=part, prefix=f"l{k}_iv_")
                read.append(code_iv)
                iv_ns.update(ns_iv)
            iv_ns[f"l{k}_v_read"] = layer.pos.device.v_read
            current = f"(c_pos - c_neg)/l{k}_v_read"
        else:
            current = f"({diff})*{amp}"
        on_pre = "\n".join(read + [f"I_post += l{k}_w_scale*{current}{noise}"])
        model = "\n".join([p.model for p in parts] + [f"l{k}_w_scale : 1 (shared, constant)"])
        dt = self.lif.dt * b2.second
        syn = b2.Synapses(source, target, model=model, on_pre=on_pre, dt=dt,
                          name=f"neuro_syn{k}")
        n_in, n_out = layer.shape
        syn.connect(i=np.repeat(np.arange(n_in), n_out), j=np.tile(np.arange(n_out), n_in))
        for p in parts:
            for name, values in p.values.items():
                if name.endswith("t_prog"):
                    values = (values - self.t_eval) * b2.second  # sim time 0 = t_eval
                setattr(syn, name, values)
        setattr(syn, f"l{k}_w_scale", layer.w_scale)
        ns = {**pos.namespace, **iv_ns, f"l{k}_g_ref": layer.g_ref,
              f"l{k}_read_sigma": sigma, f"l{k}_t_read": 0 * b2.second}
        if layer.neg is not None:
            ns.update(parts[1].namespace)
        self._codes.append(parts)
        return syn, ns

    # -- changing the state between runs (no rebuild) ----------------------------------------

    def _set(self, syn, name: str, values) -> None:
        if self.target == "cpp_standalone":
            # Keyed by name: Brian2's VariableView hashes as (group, variable) but compares
            # element-wise, so a second view of the same variable cannot be a dict key beside
            # the first.
            self._run_args[(syn.name, name)] = (getattr(syn, name), values)
        else:
            setattr(syn, name, values)

    def update(self, *, t_eval: float | None = None,
               w_scale: dict[int, float] | None = None) -> None:
        """New evaluation time and/or weight scales, for the following runs (no recompile).

        ``w_scale`` maps a layer index to its new weight per siemens (e.g. a global drift
        compensation dividing by the measured mean drift).
        """
        b2 = self._b2
        if t_eval is not None:
            self.t_eval = float(t_eval)
            for syn, parts in zip(self._syn, self._codes, strict=True):
                for p in parts:
                    for name, values in p.values.items():
                        if name.endswith("t_prog"):
                            self._set(syn, name, (values - self.t_eval) * b2.second)
        for k, scale in (w_scale or {}).items():
            self._set(self._syn[k], f"l{k}_w_scale", float(scale))

    # -- running ----------------------------------------------------------------------------------

    def _run_chunk(self, raster: np.ndarray, n: int
                   ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Run one chunk; ``raster`` is (T, chunk, n_in).

        Returns the counts per layer ``(n, n_l)`` within the reference's T steps, and every
        spike per neuron (what the synapses actually processed).
        """
        b2 = self._b2
        t_steps, _, n_in = raster.shape
        values = np.zeros((self.chunk, self.period, n_in))
        values[:n, :t_steps] = np.transpose(raster[:, :n], (1, 0, 2))
        values = values.reshape(self.chunk * self.period, n_in)
        if self.target == "cpp_standalone":
            b2.device.run(directory=self._directory, with_output=False,
                          run_args={**dict(self._run_args.values()), self._inp: values})
            b2.device.delete(code=False, data=False, run_args=True, directory=False)
            offset = [0] * len(self._monitors)
        else:
            self._inp.values[:] = values  # same object, new stimulus: nothing to rebuild
            offset = [m.num_spikes for m in self._monitors]
            t0 = self._net.t
            self._namespace["chunk_start"] = t0
            self._net.run(self.chunk * self.period * self.lif.dt * b2.second,
                          namespace=self._namespace)
            self._t0 = t0
        counts, totals = [], []
        start = 0 if self.target == "cpp_standalone" else int(round(
            float(self._t0 / (self.lif.dt * b2.second))))
        for k, mon in enumerate(self._monitors):
            idx = np.asarray(mon.i[offset[k]:])
            steps = np.rint(np.asarray(mon.t_[offset[k]:]) / self.lif.dt).astype(np.int64) - start
            sample, local = np.divmod(steps, self.period)
            # Layer k answers input step r at local step r + k + 1; later spikes (the membrane
            # still above threshold after the input ended) lie beyond the T simulated steps.
            keep = (local >= k + 1) & (local < self.n_steps + k + 1)
            c = np.zeros((self.chunk, self.layers[k].shape[1]), dtype=np.int64)
            np.add.at(c, (sample[keep], idx[keep]), 1)
            counts.append(c[:n])
            totals.append(np.bincount(idx, minlength=self.layers[k].shape[1]))
        return counts, totals

    def run(self, raster: np.ndarray, labels: np.ndarray | None = None) -> EvalResult:
        """Evaluate samples given as a raster of shape ``(T, n_samples, n_in)``.

        Boolean: spikes; float in [0, 1]: graded input amplitudes (0: no spike).
        """
        import time

        raster = np.asarray(raster)
        if raster.dtype != bool and (np.any(raster < 0) or np.any(raster > 1)):
            raise fail("raster", "values outside [0, 1]", "graded inputs must lie in [0, 1]")
        if raster.ndim != 3 or raster.shape[0] != self.n_steps or (
                raster.shape[2] != self.layers[0].shape[0]):
            raise fail("raster.shape", raster.shape,
                       f"must be ({self.n_steps}, n_samples, {self.layers[0].shape[0]})")
        n = raster.shape[1]
        per_layer = [[] for _ in self.layers]
        fired = [np.zeros(layer.shape[1]) for layer in self.layers]
        t0 = time.perf_counter()
        for start in range(0, n, self.chunk):
            part = raster[:, start: start + self.chunk]
            counts, totals = self._run_chunk(part, part.shape[1])
            for k in range(len(self.layers)):
                per_layer[k].append(counts[k])
                fired[k] += totals[k]
        wall = time.perf_counter() - t0
        counts = [np.concatenate(c) for c in per_layer]
        in_spikes = (raster > 0).sum(axis=(0, 1)).astype(np.float64)  # per input neuron
        events = 0
        energy = 0.0
        pre = [in_spikes] + fired[:-1]
        # Read energy V^2 G t_read per device and event; a graded input reads at a V_read.
        v2 = [(raster.astype(np.float64) ** 2).sum(axis=(0, 1))] + fired[:-1]
        for layer, n_pre, w_v2 in zip(self.layers, pre, v2, strict=True):
            events += int(n_pre.sum()) * layer.shape[1]
            for arr in (layer.pos, layer.neg):
                if arr is not None:
                    d = arr.device
                    g = arr.conductance(self.t_eval)
                    energy += d.v_read**2 * d.t_read * float(w_v2 @ g.sum(axis=1))
        acc = None
        if labels is not None:
            acc = float(np.mean(np.argmax(counts[-1], axis=1) == np.asarray(labels)))
        return EvalResult(counts=counts[-1], accuracy=acc, synaptic_events=events,
                          read_energy=energy, wall_s=wall, hidden_counts=counts[:-1])

    def close(self) -> None:
        """Leave standalone mode (the runtime device is restored for later Brian2 use) and remove
        the build directory when it was a temporary one."""
        if self.target == "cpp_standalone":
            self._b2.device.reinit()
            self._b2.device.activate()
            self._b2.set_device("runtime")
            if self._own_directory and self._directory:
                shutil.rmtree(self._directory, ignore_errors=True)

