"""MIF neurons and fully memristive networks in Brian2 (the Brian2 twin of `neuro.mif`).

The neuron is a ``NeuronGroup`` whose state (``I``, ``v``, ``x1``, ``x2``) carries units and whose
step is the statement list of `neuro.mif.mif_step`, run as Brian2 code every ``mif.dt``
(``run_regularly``): the same discrete equations, so the traces agree with the torch module to
rounding.

`MIFEvaluator` runs a trained network, programmed into device conductance pairs
(`neuro.conversion.convert`), on many samples: ``batch`` samples at a time as independent copies
of the network in one simulation (block-diagonal connectivity), built once and re-run with new
input spikes. Input spikes are events (``SpikeGeneratorGroup`` -> ``on_pre``: each spike adds
``i_scale w`` to the column current for one network step); later layers are driven by the analog
membrane voltage of the layer before (a summed variable, ``i_scale w relay(v_pre - v_rest) /
v_spike`` with the rectification of `neuro.mif.MIFNetSpec.relay`), as the crossbar rows are
driven by the analog spike waveform. Every synaptic signal takes one MIF step, as in
`neuro.mif.MIFNet.forward`. Reads are ohmic (``w = w_scale (G+ - G-)``); the numpy target is
used (nothing to compile).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devices.errors import check_int, fail
from neuro.brian import SynapseLayer, ensure_numpy_functions
from neuro.mif import MIFNetSpec, MIFParams, rest_state

__all__ = ["MIFEvalResult", "MIFEvaluator", "mif_model", "simulate_brian"]

MIF_MODEL = """
a_in : amp
a_syn : amp
I : amp
v : volt
x1 : 1
x2 : 1
v_sum : volt
"""

MIF_STEP = """
I += (mif_dt/mif_tau_a)*(a_in + a_syn - I)
v += (mif_dt/mif_c)*(I - (x1/mif_r_on + (1 - x1)/mif_r_off)*(v - mif_e1) - (x2/mif_r_on + (1 - x2)/mif_r_off)*(v - mif_e2))
x1 += (mif_dt/mif_tau)*((1 - x1)/(1 + exp((mif_v_on - (v - mif_e1))/mif_k)) - x1/(1 + exp(((v - mif_e1) - mif_v_off)/mif_k)))
x2 += (mif_dt/mif_tau)*((1 - x2)/(1 + exp((mif_v_on - (v - mif_e2))/mif_k)) - x2/(1 + exp(((v - mif_e2) - mif_v_off)/mif_k)))
v_sum += v
"""  # noqa: E501
"""One MIF step (`neuro.mif.mif_step`): conductances from the old ``x``, switching from the new
``v``; ``v_sum`` accumulates the read-out."""


def mif_model(p: MIFParams) -> tuple[str, str, dict]:
    """``(model, step_code, namespace)`` of a MIF ``NeuronGroup`` with Brian2 units."""
    import brian2 as b2

    ns = {"mif_dt": p.dt * b2.second, "mif_tau_a": p.tau_a * b2.second,
          "mif_tau": p.tau * b2.second, "mif_c": p.c * b2.farad,
          "mif_r_on": p.r_on * b2.ohm, "mif_r_off": p.r_off * b2.ohm,
          "mif_e1": p.e1 * b2.volt, "mif_e2": p.e2 * b2.volt, "mif_v_on": p.v_on * b2.volt,
          "mif_v_off": p.v_off * b2.volt, "mif_k": p.k * b2.volt}
    return MIF_MODEL, MIF_STEP, ns


def simulate_brian(a: np.ndarray, p: MIFParams, *, initial: Sequence[float] | None = None
                   ) -> np.ndarray:
    """Membrane traces [V] of independent MIF neurons in Brian2 for input currents ``a`` [A].

    ``a``: shape ``(n_steps, n)``; step ``k`` (at ``t = k dt``) sees ``a[k]``; the result holds
    ``v`` after each step, as `neuro.mif.simulate`. ``initial``: ``(i, v, x1, x2)``, default
    ``(0, v0, x0, x0)``.
    """
    import brian2 as b2

    ensure_numpy_functions()
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise fail("a.shape", a.shape, "must be (n_steps, n)")
    b2.prefs.codegen.target = "numpy"
    model, step, ns = mif_model(p)
    dt = p.dt * b2.second
    ns["mif_input"] = b2.TimedArray(a * b2.amp, dt=dt, name="mif_input")
    grp = b2.NeuronGroup(a.shape[1], model, dt=dt, name="mif_neurons")
    grp.run_regularly("a_in = mif_input(t, i)", when="start", name="mif_set_input")
    grp.run_regularly(step, when="groups", name="mif_step")
    i0, v0, x10, x20 = initial if initial is not None else (0.0, p.v0, p.x0, p.x0)
    grp.I, grp.v, grp.x1, grp.x2 = i0 * b2.amp, v0 * b2.volt, x10, x20
    mon = b2.StateMonitor(grp, "v", record=True, when="end", name="mif_monitor")
    net = b2.Network(grp, mon, name="mif_net")
    net.run(a.shape[0] * dt, namespace=ns)
    return np.asarray(mon.v_).T.copy()


@dataclass(slots=True)
class MIFEvalResult:
    """Outcome of an event-driven evaluation.

    Attributes
    ----------
    logits : np.ndarray, shape (n_samples, n_out)
        Mean output voltage above rest in units of ``spec.v_logit`` (the read-out of
        `neuro.mif.MIFNet`).
    accuracy : float or None
    input_events : int
        Synaptic events of the input layer (input spikes times fan-out).
    analog_updates : int
        Synapse-steps of the voltage-driven layers (synapses times MIF steps).
    wall_s : float
        Wall time of the runs (building excluded) [s].
    """

    logits: np.ndarray
    accuracy: float | None
    input_events: int
    analog_updates: int
    wall_s: float


class MIFEvaluator:
    """A programmed MIF network in Brian2, built once, run on many samples.

    Parameters
    ----------
    layers : sequence of SynapseLayer
        Conductance pairs per layer (`neuro.conversion.convert`); ``w = w_scale (G+ - G-)`` in
        the normalised weight units of `neuro.mif.MIFNet`.
    spec : MIFNetSpec
    batch : int
        Samples simulated side by side in one run.
    """

    def __init__(self, layers: Sequence[SynapseLayer], spec: MIFNetSpec, *,
                 batch: int = 50) -> None:
        check_int("batch", batch, 1)
        if len(layers) != len(spec.sizes) - 1:
            raise fail("layers", len(layers), f"must be {len(spec.sizes) - 1} (spec.sizes)")
        for k, layer in enumerate(layers):
            if layer.shape != (spec.sizes[k], spec.sizes[k + 1]):
                raise fail(f"layers[{k}].shape", layer.shape,
                           f"must be {(spec.sizes[k], spec.sizes[k + 1])}")
        self.layers, self.spec, self.batch = list(layers), spec, batch
        self._build()

    def _build(self) -> None:
        import brian2 as b2

        ensure_numpy_functions()
        b2.prefs.codegen.target = "numpy"
        spec, p, b = self.spec, self.spec.mif, self.batch
        model, step, ns = mif_model(p)
        rest = rest_state(p)
        self._rest = rest
        dt = p.dt * b2.second
        net_dt = spec.substeps * dt
        ns.update({"i_scale": spec.i_scale * b2.amp, "v_rest": rest.v * b2.volt,
                   "v_spike": spec.v_spike * b2.volt})
        n_in = spec.sizes[0]
        self._inputs = b2.SpikeGeneratorGroup(n_in * b, [], [] * b2.second, dt=net_dt,
                                              name="mif_net_inputs")
        objects: list = [self._inputs]
        groups = []
        prev = self._inputs
        for k, layer in enumerate(self.layers):
            n_pre, n_out = layer.shape
            grp = b2.NeuronGroup(n_out * b, model, dt=dt, name=f"mif_layer{k}")
            grp.run_regularly(step, when="groups", order=0, name=f"mif_step{k}")
            pre_idx = (np.arange(b)[:, None, None] * n_pre
                       + np.arange(n_pre)[None, :, None]) + 0 * np.arange(n_out)[None, None, :]
            post_idx = (np.arange(b)[:, None, None] * n_out + 0 * np.arange(n_pre)[None, :, None]
                        + np.arange(n_out)[None, None, :])
            g_pos = np.broadcast_to(layer.pos.g, (b, n_pre, n_out)).reshape(-1)
            g_neg = (np.broadcast_to(layer.neg.g, (b, n_pre, n_out)).reshape(-1)
                     if layer.neg is not None else np.full(g_pos.shape, layer.g_ref))
            syn_model = "g_pos : 1\ng_neg : 1\nw_scale : 1 (shared, constant)"
            if k == 0:
                # a_in holds the input spikes of one network step: cleared just before the
                # step's spikes arrive (the neurons update earlier in the time step).
                grp.run_regularly("a_in = 0*amp", dt=net_dt, when="synapses", order=-1,
                                  name=f"mif_clear{k}")
                syn = b2.Synapses(prev, grp, model=syn_model,
                                  on_pre="a_in_post += i_scale*w_scale*(g_pos - g_neg)",
                                  dt=net_dt, name=f"mif_syn{k}")
            else:
                relayed = ("int(v_pre > v_rest)*(v_pre - v_rest)" if spec.relay == "rectified"
                           else "(v_pre - v_rest)")
                syn = b2.Synapses(prev, grp, model=syn_model + "\na_syn_post = i_scale*w_scale*"
                                  f"(g_pos - g_neg)*{relayed}/v_spike : amp (summed)",
                                  dt=dt, name=f"mif_syn{k}")
            syn.connect(i=pre_idx.reshape(-1), j=post_idx.reshape(-1))
            syn.g_pos = g_pos
            syn.g_neg = g_neg
            syn.w_scale = layer.w_scale
            objects += [grp, syn]
            groups.append(grp)
            prev = grp
        self._groups = groups
        self._net = b2.Network(*objects, name="mif_eval_net")
        self._ns = ns
        self._b2 = b2
        self._net_dt = net_dt

    def _reset(self) -> None:
        b2, r = self._b2, self._rest
        for g in self._groups:
            g.a_in = 0 * b2.amp
            g.a_syn = 0 * b2.amp
            g.I = r.i * b2.amp
            g.v = r.v * b2.volt
            g.x1 = r.x1
            g.x2 = r.x2
            g.v_sum = 0 * b2.volt

    def run(self, raster: np.ndarray, labels: np.ndarray | None = None) -> MIFEvalResult:
        """Evaluate input spikes ``raster`` ``(T, n_samples, n_in)`` (T = ``spec.n_steps``)."""
        b2, spec = self._b2, self.spec
        raster = np.asarray(raster).astype(bool)
        if raster.ndim != 3 or raster.shape[0] != spec.n_steps or \
                raster.shape[2] != spec.sizes[0]:
            raise fail("raster.shape", raster.shape,
                       f"must be ({spec.n_steps}, n_samples, {spec.sizes[0]})")
        n = raster.shape[1]
        n_out, n_in = spec.sizes[-1], spec.sizes[0]
        logits = np.empty((n, n_out))
        events, wall = 0, 0.0
        n_total = spec.n_steps * spec.substeps
        for start in range(0, n, self.batch):
            chunk = raster[:, start: start + self.batch]
            m = chunk.shape[1]
            t_idx, s_idx, r_idx = np.nonzero(chunk)
            # Times continue from the last run (a multiple of the network step).
            self._inputs.set_spikes(s_idx * n_in + r_idx, self._net.t + t_idx * self._net_dt)
            self._reset()
            t0 = time.perf_counter()
            self._net.run(n_total * spec.mif.dt * b2.second, namespace=self._ns)
            wall += time.perf_counter() - t0
            v_sum = np.asarray(self._groups[-1].v_sum_).reshape(self.batch, n_out)[:m]
            logits[start: start + m] = (v_sum / n_total - self._rest.v) / spec.v_logit
            events += len(t_idx) * spec.sizes[1]
        analog = n * n_total * sum(a * b for a, b in zip(spec.sizes[1:-1], spec.sizes[2:],
                                                         strict=True))
        acc = None if labels is None else float(np.mean(logits.argmax(1) == labels))
        return MIFEvalResult(logits=logits, accuracy=acc, input_events=events,
                             analog_updates=analog, wall_s=wall)
