"""NeuroSim's device table: online in-situ training of a 400-100-10 MLP on each device.

The MLP+NeuroSim V3.0 protocol (DESIGN.md 2.4): MNIST down-sampled to 20x20 and binarised,
a 400-100-10 sigmoid MLP with squared-error loss, online SGD (batch 1), epochs of 8,000 training
images drawn at random, each weight one device against a reference column, updates by
pulse-number rounding applied open loop through the device model with its cycle-to-cycle noise.

NeuroSim's own arithmetic, restated in this simulator's units (see docs/insitu.md): its hardware
forward pass computes ``(1/2) sum_i x_i w_i`` for weights ``w`` in [-1, 1], so a NeuroSim weight is
``2 w`` here with ``w_max = 0.5``; its learning rates 0.4 / 0.2 become 0.8 / 0.2 here; its ADC
digitises each weighted sum to 8 bits over the array's full scale; hidden activations drive the
second array as 1-bit inputs (``a >= 0.5``), while back-propagation uses the analog values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices import get_device
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules import NaiveSGD
from neuro import data
from neuro.crossbar import INIT_WRITES, CrossbarSpec
from neuro.insitu import CrossbarMLP, train_insitu
from neuro.mlp import MLPSpec, init_weights
from scenarios._core import Result, RunContext, parallel_map

DESCRIPTION = "NeuroSim V3.0 device table: in-situ online SGD of a 400-100-10 MLP per device"

NEUROSIM_ACCURACY = {
    "ag-a-si": 0.72, "taox-hfox": 0.80, "pcmo": 0.33, "alox-hfo2": 0.20, "gst": 0.89,
    "epiram": 0.92, "hzo-fefet": 0.88, "ideal": 0.965,
}
"""Accuracy reported by NeuroSim V3.0 (DESIGN.md 2.4; ideal: 96-97%)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the NeuroSim device-table reproduction.

    Attributes
    ----------
    dataset, seed : str, int
        Data set and seed.
    devices : tuple of str
        Presets or device files.
    epochs, samples_per_epoch : int
        NeuroSim: 125 epochs of 8,000 images.
    n_test : int or None
        Test images (None: all).
    lr : tuple of float
        Learning rates (hidden, output) in this simulator's units.
    w_max : float
        Weight of a full conductance window.
    init_scale : float
        Initial weights uniform in ``[-init_scale, init_scale]``.
    adc_bits, hidden_bits : int or None
        NeuroSim's 8-bit ADC and 1-bit hidden activations (None: analog).
    r_access : float
        Access-transistor resistance of each cell [Ohm] (NeuroSim's 1T1R default: 15 kOhm).
    image_size, downsample, threshold : int, str, float
        Input pipeline (`neuro.data.neurosim_inputs`).
    init_write : {"window", "neurosim"}
        ``neurosim``: the initial weights are written as MLP+NeuroSim V3.0 writes them, without
        ``G_min`` (`neuro.crossbar.Crossbar.program`; docs/insitu.md).
    verify_rounds : int
        Read-verify rounds after each write (0: open loop, as NeuroSim;
        `neuro.crossbar.Crossbar.apply_verified`).
    jobs : int
        Devices trained in parallel (worker processes); results do not depend on it.
    """

    dataset: str = "mnist"
    seed: int = 0
    devices: tuple[str, ...] = ("ag-a-si", "taox-hfox", "pcmo", "alox-hfo2", "gst", "epiram",
                                "hzo-fefet", "ideal")
    epochs: int = 125
    samples_per_epoch: int = 8000
    n_test: int | None = None
    lr: tuple[float, ...] = (0.8, 0.2)
    w_max: float = 0.5
    init_scale: float = 0.5
    adc_bits: int | None = 8
    hidden_bits: int | None = 1
    r_access: float = 0.0
    image_size: int = 20
    downsample: str = "crop"
    threshold: float = 0.5
    init_write: str = "window"
    verify_rounds: int = 0
    jobs: int = 2

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        if not self.devices:
            raise fail("devices", self.devices, "name at least one device")
        for d in self.devices:
            get_device(d)
        check_int("epochs", self.epochs, 1)
        check_int("samples_per_epoch", self.samples_per_epoch, 1)
        if self.n_test is not None:
            check_int("n_test", self.n_test, 1)
        if len(self.lr) != 2:
            raise fail("lr", self.lr, "needs two learning rates (hidden, output)")
        for i, eta in enumerate(self.lr):
            check_range(f"lr[{i}]", eta, 0.0, None, lo_open=True)
        check_range("w_max", self.w_max, 0.0, None, lo_open=True)
        check_range("init_scale", self.init_scale, 0.0, self.w_max, lo_open=True)
        if self.adc_bits is not None:
            check_int("adc_bits", self.adc_bits, 1, 32)
        if self.hidden_bits is not None:
            check_int("hidden_bits", self.hidden_bits, 1, 16)
        check_range("r_access", self.r_access, 0.0, 1e9)
        check_int("image_size", self.image_size, 2, 28)
        check_choice("downsample", self.downsample, ("crop", "area"))
        check_range("threshold", self.threshold, 0.0, 1.0)
        check_choice("init_write", self.init_write, INIT_WRITES)
        check_int("verify_rounds", self.verify_rounds, 0)
        check_int("jobs", self.jobs, 1, 64)


QUICK = Config(dataset="mnist-5k", devices=("ideal", "ag-a-si", "epiram"), epochs=2,
               samples_per_epoch=2000, n_test=500, jobs=1)


def _train_device(job: tuple) -> dict:
    cfg, device_name, k, ds = job
    rng = np.random.default_rng([cfg.seed, k])
    device = get_device(device_name)
    spec = MLPSpec(sizes=(ds.n_features, 100, 10), init="uniform", init_scale=cfg.init_scale)
    weights = init_weights(spec, rng=np.random.default_rng(cfg.seed))  # same start for all
    model = CrossbarMLP(spec, device, CrossbarSpec(w_max=cfg.w_max, adc_bits=cfg.adc_bits,
                                                    r_access=cfg.r_access),
                        weights, rng=rng, hidden_bits=cfg.hidden_bits,
                        init_write=cfg.init_write)
    x_test, y_test = ds.x_test, ds.y_test
    rule = NaiveSGD(verify_rounds=cfg.verify_rounds)
    hist = train_insitu(model, ds.x_train, ds.y_train, rule, cfg.lr, epochs=cfg.epochs,
                        samples_per_epoch=cfg.samples_per_epoch, batch=1, rng=rng,
                        evaluate=lambda: model.accuracy(x_test, y_test, rng=rng))
    return {"device": device.name, "history": hist, "pulses": model.pulses,
            "write_energy": model.write_energy, "write_time": model.write_time,
            "n_devices": model.n_devices}


def run(cfg: Config, ctx: RunContext) -> Result:
    ds = data.neurosim_inputs(ctx.dataset(cfg.dataset), image_size=cfg.image_size,
                              method=cfg.downsample, threshold=cfg.threshold)
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    result = Result(scenario="neurosim-devices", config={})
    jobs = [(cfg, name, k, ds) for k, name in enumerate(cfg.devices)]
    rows: dict[int, dict] = {}
    for k, out in ctx.iterate(parallel_map(_train_device, jobs, jobs=cfg.jobs),
                              desc="devices", total=len(jobs)):
        acc = out["history"]["test_accuracy"]
        reported = NEUROSIM_ACCURACY.get(out["device"])
        rows[k] = {
            "device": out["device"],
            "final_accuracy": acc[-1],
            "best_accuracy": max(acc),
            "neurosim_accuracy": reported,
            "difference": None if reported is None else acc[-1] - reported,
            "pulses": out["pulses"],
            "pulses_per_device": out["pulses"] / out["n_devices"],
            "write_energy_J": out["write_energy"],
            "write_time_s": out["write_time"],
            "mean_write_fraction": float(np.mean(out["history"]["write_fraction"])),
        }
        for key, values in out["history"].items():
            result.history[f"{key}/{out['device']}"] = values
        result.rows = [rows[i] for i in sorted(rows)]
        result.metrics[f"accuracy/{out['device']}"] = acc[-1]
        ctx.checkpoint(result)
    within = [abs(r["difference"]) <= 0.05 for r in result.rows if r["difference"] is not None]
    result.metrics["devices_within_5_points"] = int(sum(within))
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    rows = result.rows
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, r in enumerate(rows):
        acc = np.asarray(result.history[f"test_accuracy/{r['device']}"]) * 100
        ax.plot(np.arange(1, len(acc) + 1), acc, color=f"C{i}", label=r["device"])
        if r["neurosim_accuracy"] is not None:
            ax.axhline(100 * r["neurosim_accuracy"], color=f"C{i}", ls=":", lw=1)
    ax.set_xlabel("epoch (8,000 images each)" if result.config.get("samples_per_epoch") == 8000
                  else "epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("In-situ online SGD per device (dotted: NeuroSim V3.0 reported)")
    ax.legend(fontsize=8, ncol=2, loc="lower right")
    ax.grid(alpha=0.3)
    curves = save_figure(fig, Path(out_dir) / "accuracy_per_epoch.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(rows))
    ours = [100 * r["final_accuracy"] for r in rows]
    theirs = [100 * (r["neurosim_accuracy"] or np.nan) for r in rows]
    ax.bar(x - 0.2, ours, 0.4, label="this simulator")
    ax.bar(x + 0.2, theirs, 0.4, label="NeuroSim V3.0 reported")
    ax.set_xticks(x, [r["device"] for r in rows], rotation=30, ha="right")
    ax.set_ylabel("final test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    bars = save_figure(fig, Path(out_dir) / "accuracy_vs_neurosim.png")
    return [curves, bars]



