"""The main job: offline device-aware training vs in-situ training, per device.

Every route learns MNIST (down-sampled to 20x20 and binarised, the NeuroSim inputs) on the
same device preset, and is scored the way the hardware would be used:

- ``offline``: a 400-100-10 LIF network trained in snnTorch with the device in the forward pass
  (window clipping, the device's reachable conductance levels by straight-through estimation,
  programming noise; `learning_rules.device_aware`), converted to conductance pairs by
  write-verify programming (`neuro.conversion`), and evaluated event-driven in Brian2
  (`neuro.brian`). Write pulses and energy: the programming.
- ``naive-sgd``, ``stochastic``, ``ssm``: a 400-100-10 sigmoid MLP trained in situ on crossbars
  of the device (the NeuroSim protocol of `scenarios.neurosim_devices`), with pulse-number
  rounding, the RPU stochastic update, or SSM. Write pulses and energy: every training write.

Reported per device and route: test accuracy, write pulses, write energy, wall time, and the
per-epoch learning curve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from devices import get_device
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules import NaiveSGD, StochasticUpdate
from learning_rules.device_aware import DeviceAware, make_transforms
from neuro import data
from neuro.brian import Evaluator
from neuro.conversion import Programming, convert
from neuro.crossbar import CrossbarSpec
from neuro.insitu import CrossbarMLP, train_insitu
from neuro.lif import LIFParams
from neuro.mlp import MLPSpec, init_weights
from neuro.snn import SNN, SNNSpec, encode, evaluate_snn, train_snn
from scenarios._core import Result, RunContext, parallel_map
from scenarios.ssm import rule_for

DESCRIPTION = ("main job: offline device-aware SNN + conversion + Brian2 vs in-situ "
               "(naive SGD, stochastic, SSM), per device")

ROUTES = ("offline", "naive-sgd", "stochastic", "ssm")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the comparison.

    Attributes
    ----------
    dataset, seed : str, int
    devices : tuple of str
        Presets or device files.
    routes : tuple of str
        Among `ROUTES`.
    epochs, samples_per_epoch : int
        In-situ training: epochs of random training images (NeuroSim protocol).
    lr_insitu, lr_ssm : tuple of float
        Learning rates (hidden, output) of naive SGD and the stochastic update, and of SSM.
    offline_epochs, offline_batch, offline_lr : int, int, float
        snnTorch training of the offline route.
    n_steps : int
        Time steps per sample of the spiking network (Bernoulli rate coding).
    programming_noise : float
        Programming error the offline training sees (fraction of the window).
    tolerance : float
        Write-verify tolerance (fraction of the window).
    n_test : int or None
    target : {"cpp_standalone", "cython", "numpy"}
        Brian2 target of the offline evaluation.
    jobs : int
        (device, route) runs in parallel.
    """

    dataset: str = "mnist"
    seed: int = 0
    devices: tuple[str, ...] = ("epiram", "ag-a-si", "pcmo")
    routes: tuple[str, ...] = ROUTES
    epochs: int = 10
    samples_per_epoch: int = 8000
    lr_insitu: tuple[float, ...] = (0.8, 0.2)
    lr_ssm: tuple[float, ...] = (0.04, 0.01)
    offline_epochs: int = 3
    offline_batch: int = 64
    offline_lr: float = 2e-3
    n_steps: int = 25
    programming_noise: float = 0.01
    tolerance: float = 0.01
    n_test: int | None = None
    target: str = "cpp_standalone"
    jobs: int = 2

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        if not self.devices:
            raise fail("devices", self.devices, "name at least one device")
        for d in self.devices:
            get_device(d)
        if not self.routes:
            raise fail("routes", self.routes, "name at least one route")
        for r in self.routes:
            check_choice("routes", r, ROUTES)
        check_int("epochs", self.epochs, 1)
        check_int("samples_per_epoch", self.samples_per_epoch, 1)
        for name in ("lr_insitu", "lr_ssm"):
            lr = getattr(self, name)
            if len(lr) != 2:
                raise fail(name, lr, "needs two learning rates (hidden, output)")
            for i, eta in enumerate(lr):
                check_range(f"{name}[{i}]", eta, 0.0, None, lo_open=True)
        check_int("offline_epochs", self.offline_epochs, 1)
        check_int("offline_batch", self.offline_batch, 1)
        check_range("offline_lr", self.offline_lr, 0.0, None, lo_open=True)
        check_int("n_steps", self.n_steps, 1)
        check_range("programming_noise", self.programming_noise, 0.0, 1.0)
        check_range("tolerance", self.tolerance, 0.0, 1.0, lo_open=True)
        if self.n_test is not None:
            check_int("n_test", self.n_test, 1)
        check_choice("target", self.target, ("cpp_standalone", "cython", "numpy"))
        check_int("jobs", self.jobs, 1, 64)


QUICK = Config(dataset="mnist-5k", devices=("epiram", "ag-a-si"), epochs=2,
               samples_per_epoch=2000, offline_epochs=2, offline_batch=32, n_steps=10,
               n_test=300, target="numpy", jobs=1)


def _offline(cfg: Config, device_name: str, ds) -> dict:
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    device = get_device(device_name)
    gen = torch.Generator().manual_seed(cfg.seed)
    lif = LIFParams(tau=20e-3, dt=1e-3)
    spec = SNNSpec(sizes=(ds.n_features, 100, 10), lif=lif, n_steps=cfg.n_steps)
    aware = DeviceAware(w_max=1.0, programming_noise=cfg.programming_noise)
    wt, it = make_transforms(device, aware, generator=gen)
    model = SNN(spec, generator=gen, weight_transform=wt, input_transform=it)
    hist = train_snn(model, ds.x_train, ds.y_train, epochs=cfg.offline_epochs,
                     batch=cfg.offline_batch, lr=cfg.offline_lr, generator=gen, clip_weights=1.0,
                     evaluate=lambda: evaluate_snn(model, ds.x_test, ds.y_test, generator=gen))
    rng = np.random.default_rng([cfg.seed, 7])
    layers, report = convert(model.numpy_weights(), device,
                             Programming(method="write-verify", tolerance=cfg.tolerance),
                             rng=rng, w_max=[1.0, 1.0])
    raster = encode(ds.x_test, spec, gen).numpy().astype(bool)
    ev = Evaluator(layers, lif, n_steps=cfg.n_steps, chunk=min(len(ds.x_test), 2000),
                   target=cfg.target)
    try:
        res = ev.run(raster, labels=ds.y_test)
    finally:
        ev.close()
    return {"accuracy": res.accuracy, "pulses": report.pulses, "write_energy": report.energy,
            "wall_s": time.perf_counter() - t0, "curve": hist["test_accuracy"],
            "snntorch_accuracy": hist["test_accuracy"][-1]}


def _insitu(cfg: Config, device_name: str, route: str, ds) -> dict:
    t0 = time.perf_counter()
    device = get_device(device_name)
    rng = np.random.default_rng([cfg.seed, 1])
    spec = MLPSpec(sizes=(ds.n_features, 100, 10), init="uniform", init_scale=0.5)
    if route == "ssm":
        rule, lr = rule_for("ssm", 0.995), cfg.lr_ssm
    elif route == "stochastic":
        rule, lr = StochasticUpdate(), cfg.lr_insitu
    else:
        rule, lr = NaiveSGD(), cfg.lr_insitu
    model = CrossbarMLP(spec, device, CrossbarSpec(w_max=0.5, adc_bits=8),
                        init_weights(spec, rng=np.random.default_rng(cfg.seed)), rng=rng,
                        per_device_init=rule.per_device_init, hidden_bits=1)
    hist = train_insitu(model, ds.x_train, ds.y_train, rule, lr, epochs=cfg.epochs,
                        samples_per_epoch=cfg.samples_per_epoch, batch=1, rng=rng,
                        evaluate=lambda: model.accuracy(ds.x_test, ds.y_test, rng=rng))
    return {"accuracy": hist["test_accuracy"][-1], "pulses": model.pulses,
            "write_energy": model.write_energy, "wall_s": time.perf_counter() - t0,
            "curve": hist["test_accuracy"]}


def _job(job: tuple) -> dict:
    cfg, device_name, route, ds = job
    out = _offline(cfg, device_name, ds) if route == "offline" else _insitu(
        cfg, device_name, route, ds)
    return {"device": device_name, "route": route, **out}


def run(cfg: Config, ctx: RunContext) -> Result:
    ds = data.neurosim_inputs(ctx.dataset(cfg.dataset))
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    jobs = [(cfg, d, r, ds) for d in cfg.devices for r in cfg.routes]
    result = Result(scenario="offline-vs-insitu", config={})
    done: dict[int, dict] = {}
    for k, out in ctx.iterate(parallel_map(_job, jobs, jobs=cfg.jobs), desc="runs",
                              total=len(jobs)):
        done[k] = out
        result.history[f"accuracy/{out['device']}/{out['route']}"] = out.pop("curve")
        result.rows = [done[i] for i in sorted(done)]
        result.metrics[f"accuracy/{out['device']}/{out['route']}"] = out["accuracy"]
        ctx.checkpoint(result)
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    devices = list(dict.fromkeys(r["device"] for r in result.rows))
    routes = list(dict.fromkeys(r["route"] for r in result.rows))
    by = {(r["device"], r["route"]): r for r in result.rows}
    out = []

    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(routes)
    for j, route in enumerate(routes):
        acc = [100 * by[(d, route)]["accuracy"] if (d, route) in by else np.nan
               for d in devices]
        ax.bar(np.arange(len(devices)) + (j - (len(routes) - 1) / 2) * width, acc, width,
               label=route, color=f"C{j}")
    ax.set_xticks(range(len(devices)), devices)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Accuracy per device and training route")
    ax.legend(fontsize=8, ncol=len(routes))
    ax.grid(axis="y", alpha=0.3)
    out.append(save_figure(fig, Path(out_dir) / "accuracy_per_device.png"))

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    markers = "osD^v<>"
    for j, route in enumerate(routes):
        for i, d in enumerate(devices):
            if (d, route) in by:
                r = by[(d, route)]
                ax.scatter(max(r["pulses"], 1), 100 * r["accuracy"], color=f"C{j}",
                           marker=markers[i % len(markers)], s=60,
                           label=route if i == 0 else None)
                ax.annotate(d, (max(r["pulses"], 1), 100 * r["accuracy"]), fontsize=7,
                            xytext=(4, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("write pulses (training writes; offline: programming)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy vs write pulses")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    out.append(save_figure(fig, Path(out_dir) / "accuracy_vs_pulses.png"))

    fig, axes = plt.subplots(1, len(devices), figsize=(4 * len(devices), 3.5), sharey=True,
                             squeeze=False)
    for ax, d in zip(axes[0], devices, strict=True):
        for j, route in enumerate(routes):
            key = f"accuracy/{d}/{route}"
            if key in result.history:
                curve = 100 * np.asarray(result.history[key])
                ax.plot(np.arange(1, len(curve) + 1), curve, marker=".", color=f"C{j}",
                        label=route + (" (snnTorch)" if route == "offline" else ""))
        ax.set_title(d)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Learning curves")
    out.append(save_figure(fig, Path(out_dir) / "learning_curves.png"))
    return out
