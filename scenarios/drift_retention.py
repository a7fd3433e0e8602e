"""Retention of a spiking network programmed into drifting PCM, evaluated event-driven.

A 784-100-10 LIF network is trained in snnTorch (surrogate gradients, weights kept inside the
device window), programmed into conductance pairs of a drifting device (PCM preset:
``G(t) = G_prog ((t - t_prog) / t0)^(-nu)``, ``nu`` drawn per device), and evaluated in Brian2 at
1 s, 1 h, 1 day, 1 month and 1 year after programming, the drift read event-driven from each
synapse's programming time. With global drift compensation (GDC; Joshi et al. 2020), the
read-out divides each layer's weights by the measured drift of its total conductance,
``sum G(t) / sum G_prog``, which removes the mean drift and leaves the device-to-device part.

The network is compiled once (cpp_standalone by default); each evaluation is a new run of the
same binary with the new time and weight scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from devices import DeviceArray, get_device
from devices.errors import check_choice, check_int, fail
from neuro import data
from neuro.brian import Evaluator, SynapseLayer
from neuro.encoding import bernoulli
from neuro.lif import LIFParams, reference_counts
from neuro.snn import SNN, SNNSpec, evaluate_snn, train_snn
from scenarios._core import Result, RunContext
from scenarios._spiking import check_spiking_fields

DESCRIPTION = ("retention of an SNN programmed into drifting PCM, with and without drift "
               "compensation")

TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 day": 86_400.0, "1 month": 30 * 86_400.0,
         "1 year": 365 * 86_400.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the retention study.

    Attributes
    ----------
    dataset, seed : str, int
    device : str
        A preset or device file with drift.
    hidden : int
        Hidden LIF neurons.
    n_steps : int
        Time steps per sample.
    tau, dt : float
        LIF membrane time constant and step [s].
    epochs, batch, lr : int, int, float
        snnTorch training.
    w_max : float
        Weight of a full conductance window (training keeps weights in [-w_max, w_max]).
    n_test : int or None
        Test images evaluated (None: all).
    target : {"cpp_standalone", "cython", "numpy"}
        Brian2 target of the evaluation.
    """

    dataset: str = "mnist"
    seed: int = 0
    device: str = "pcm-drift"
    hidden: int = 100
    n_steps: int = 25
    tau: float = 20e-3
    dt: float = 1e-3
    epochs: int = 3
    batch: int = 100
    lr: float = 2e-3
    w_max: float = 1.0
    n_test: int | None = None
    target: str = "cpp_standalone"

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        if get_device(self.device).drift is None:
            raise fail("device", self.device, "must be a device with drift (e.g. pcm-drift)")
        check_spiking_fields(self)


QUICK = Config(dataset="mnist-5k", epochs=2, batch=32, n_test=100, target="numpy")


def program_pairs(weights: list[np.ndarray], device, w_max: float, *, rng
                  ) -> list[SynapseLayer]:
    """Conductance pairs holding ``weights`` (programmed at t = 0, to the nominal window)."""
    layers = []
    d_g = device.g_max - device.g_min
    for w in weights:
        pos = DeviceArray(device, w.shape, rng=rng, g0="min")
        neg = DeviceArray(device, w.shape, rng=rng, g0="min")
        pos.g = device.g_min + np.maximum(w, 0.0) / w_max * d_g
        neg.g = device.g_min + np.maximum(-w, 0.0) / w_max * d_g
        layers.append(SynapseLayer(pos=pos, neg=neg, w_scale=w_max / d_g))
    return layers


def drift_factor(layer: SynapseLayer, t: float) -> float:
    """Measured drift of a layer's total conductance, ``sum G(t) / sum G_prog``."""
    now = layer.pos.conductance(t).sum() + layer.neg.conductance(t).sum()
    return float(now / (layer.pos.g.sum() + layer.neg.g.sum()))


def run(cfg: Config, ctx: RunContext) -> Result:
    torch.set_num_threads(1)
    ds = data.flatten(data.scale01(ctx.dataset(cfg.dataset)))
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    gen = torch.Generator().manual_seed(cfg.seed)
    lif = LIFParams(tau=cfg.tau, dt=cfg.dt)
    spec = SNNSpec(sizes=(ds.n_features, cfg.hidden, 10), lif=lif, n_steps=cfg.n_steps)
    model = SNN(spec, generator=gen)
    hist = train_snn(model, ds.x_train, ds.y_train, epochs=cfg.epochs, batch=cfg.batch,
                     lr=cfg.lr, generator=gen, clip_weights=cfg.w_max,
                     iterate=lambda r: ctx.iterate(r, desc="training"))
    snn_acc = evaluate_snn(model, ds.x_test, ds.y_test, generator=gen)
    rng = np.random.default_rng([cfg.seed, 4])
    layers = program_pairs(model.numpy_weights(), get_device(cfg.device), cfg.w_max, rng=rng)
    raster = bernoulli(ds.x_test, cfg.n_steps, rng=rng)
    ref = reference_counts([layer.weights(1.0) for layer in layers], raster, lif)[-1]
    result = Result(scenario="drift-retention", config={})
    result.history["train_loss"] = hist["loss"]
    ev = Evaluator(layers, lif, n_steps=cfg.n_steps, chunk=min(len(raster[0]), 2000),
                   target=cfg.target, t_eval=1.0)
    try:
        for label, t in ctx.iterate(TIMES.items(), desc="times", total=len(TIMES)):
            row = {"time": label, "t_s": t}
            for gdc in (False, True):
                factors = [drift_factor(layer, t) for layer in layers]
                scales = {k: layer.w_scale / (factors[k] if gdc else 1.0)
                          for k, layer in enumerate(layers)}
                ev.update(t_eval=t, w_scale=scales)
                res = ev.run(raster, labels=ds.y_test)
                key = "accuracy_gdc" if gdc else "accuracy"
                row[key] = res.accuracy
                row["mean_drift_factor"] = float(np.mean(factors))
                if t == 1.0 and not gdc:
                    row["agreement_with_reference"] = float(
                        np.mean(np.all(res.counts == ref, axis=1)))
                    row["synaptic_events"] = res.synaptic_events
            result.rows.append(row)
            ctx.checkpoint(result)
    finally:
        ev.close()
    result.metrics = {"snntorch_accuracy": snn_acc, "compilations": ev.compilations,
                      "agreement_with_reference": result.rows[0]["agreement_with_reference"]}
    for row in result.rows:
        result.metrics[f"accuracy/{row['time']}"] = row["accuracy"]
        result.metrics[f"accuracy_gdc/{row['time']}"] = row["accuracy_gdc"]
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    t = [r["t_s"] for r in result.rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(t, [100 * r["accuracy"] for r in result.rows], marker="o", label="no compensation")
    ax.plot(t, [100 * r["accuracy_gdc"] for r in result.rows], marker="s",
            label="global drift compensation")
    ax.axhline(100 * result.metrics["snntorch_accuracy"], color="k", ls=":", lw=1,
               label="snnTorch (before programming)")
    ax.set_xscale("log")
    ax.set_xticks(t, [r["time"] for r in result.rows])
    ax.set_xlabel("time after programming")
    ax.set_ylabel("test accuracy, event-driven in Brian2 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Retention on {result.config['device']}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return [save_figure(fig, Path(out_dir) / "retention.png")]
