"""Conversion fidelity: a device-aware SNN, programmed into a device, evaluated in Brian2.

A 784-100-10 LIF network (rate-coded, T steps) is trained in snnTorch with the device in the
forward pass (`learning_rules.device_aware`), then programmed into the device's conductance
pairs open loop and by write-verify (`neuro.conversion`), and each programmed network is
evaluated event-driven in Brian2 on the test set (`neuro.brian`). Reported: the snnTorch test
accuracy, the Brian2 accuracy per programming method and its difference to snnTorch, pulses,
programming energy, residual error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from devices import get_device
from devices.errors import check_choice, check_int, check_range
from learning_rules.device_aware import DeviceAware, make_transforms
from neuro import data
from neuro.brian import Evaluator
from neuro.conversion import Programming, convert
from neuro.lif import LIFParams
from neuro.snn import SNN, SNNSpec, encode, evaluate_snn, train_snn
from scenarios._core import Result, RunContext
from scenarios._spiking import check_spiking_fields

DESCRIPTION = "device-aware SNN programmed open-loop and by write-verify, evaluated in Brian2"


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the conversion study.

    Attributes
    ----------
    dataset, seed : str, int
    device : str
    hidden, n_steps : int
    epochs, batch, lr : int, int, float
    programming_noise : float
        Programming error seen in training (fraction of the window).
    tolerance : float
        Write-verify tolerance (fraction of the window).
    n_test : int or None
    target : {"cpp_standalone", "cython", "numpy"}
    """

    dataset: str = "mnist"
    seed: int = 0
    device: str = "epiram"
    hidden: int = 100
    n_steps: int = 25
    epochs: int = 3
    batch: int = 64
    lr: float = 2e-3
    programming_noise: float = 0.01
    tolerance: float = 0.01
    n_test: int | None = None
    target: str = "cpp_standalone"

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        get_device(self.device)
        check_range("programming_noise", self.programming_noise, 0.0, 1.0)
        check_spiking_fields(self)


QUICK = Config(dataset="mnist-5k", epochs=2, batch=32, n_steps=10, n_test=200, target="numpy")


def run(cfg: Config, ctx: RunContext) -> Result:
    torch.set_num_threads(1)
    ds = data.flatten(data.scale01(ctx.dataset(cfg.dataset)))
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    device = get_device(cfg.device)
    gen = torch.Generator().manual_seed(cfg.seed)
    lif = LIFParams(tau=20e-3, dt=1e-3)
    spec = SNNSpec(sizes=(ds.n_features, cfg.hidden, 10), lif=lif, n_steps=cfg.n_steps)
    wt, it = make_transforms(device, DeviceAware(w_max=1.0,
                                                 programming_noise=cfg.programming_noise),
                             generator=gen)
    model = SNN(spec, generator=gen, weight_transform=wt, input_transform=it)
    hist = train_snn(model, ds.x_train, ds.y_train, epochs=cfg.epochs, batch=cfg.batch,
                     lr=cfg.lr, generator=gen, clip_weights=1.0,
                     evaluate=lambda: evaluate_snn(model, ds.x_test, ds.y_test, generator=gen),
                     iterate=lambda r: ctx.iterate(r, desc="training"))
    snn_acc = hist["test_accuracy"][-1]
    result = Result(scenario="offline-conversion", config={})
    result.history["snntorch_test_accuracy"] = hist["test_accuracy"]
    result.metrics["snntorch_accuracy"] = snn_acc
    raster = encode(ds.x_test, spec, torch.Generator().manual_seed(cfg.seed + 1)).numpy()
    for method in ("open-loop", "write-verify"):
        layers, rep = convert(model.numpy_weights(), device,
                              Programming(method=method, tolerance=cfg.tolerance),
                              rng=np.random.default_rng([cfg.seed, 5]), w_max=[1.0, 1.0])
        ev = Evaluator(layers, lif, n_steps=cfg.n_steps, chunk=min(len(ds.x_test), 2000),
                       target=cfg.target)
        try:
            res = ev.run(raster.astype(bool), labels=ds.y_test)
        finally:
            ev.close()
        result.rows.append({"programming": method, "brian_accuracy": res.accuracy,
                            "difference_to_snntorch": res.accuracy - snn_acc,
                            "pulses": rep.pulses, "energy_J": rep.energy,
                            "rms_error": rep.rms_error, "within_tolerance": rep.within_tolerance,
                            "synaptic_events": res.synaptic_events,
                            "read_energy_J": res.read_energy})
        result.metrics[f"brian_accuracy/{method}"] = res.accuracy
        result.metrics[f"difference/{method}"] = res.accuracy - snn_acc
        ctx.checkpoint(result)
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    fig, ax = plt.subplots(figsize=(5.5, 4))
    rows = result.rows
    labels = ["snnTorch (device-aware)"] + [f"Brian2, {r['programming']}" for r in rows]
    values = [100 * result.metrics["snntorch_accuracy"]] + [100 * r["brian_accuracy"]
                                                            for r in rows]
    ax.bar(range(len(values)), values, color=["C0"] + ["C1"] * len(rows))
    for x, v in enumerate(values):
        ax.text(x, v + 0.5, f"{v:.1f}", ha="center", fontsize=8)
    ax.set_xticks(range(len(values)), labels, rotation=15, ha="right")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Conversion onto {result.config['device']}")
    ax.grid(axis="y", alpha=0.3)
    return [save_figure(fig, Path(out_dir) / "conversion.png")]
