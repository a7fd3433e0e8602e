"""Stochastic in-situ training on linear multi-level devices (Babu & Rajendran, ICECS 2017).

A floating-point MLP trained by SGD is the baseline; the same network on crossbars of linear
devices with ``levels`` conductance states and dynamic range ``r = G_max / G_min`` is trained in
situ with the RPU stochastic update (bit streams of length BL with update management,
`learning_rules.StochasticUpdate`). The read-out normalises currents by ``G_max``
(``CrossbarSpec.weight_unit = "g_max"``), so a small dynamic range shrinks the weight range.
Programming variability is the sigma of the conductance change of one pulse, as a fraction of the
step: cycle-to-cycle ``c2c = variability / (levels - 1)``.

Sweeps (each around the base point: 32 levels, r = 15, low variability): levels, dynamic range,
variability. For the baseline and for the low- and high-variability devices, accuracy on test
inputs with added Gaussian noise of growing sigma, relative to the clean accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices import Device, LinearResponse, PulseSpec, Variability
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules import StochasticUpdate
from neuro import data
from neuro.crossbar import CrossbarSpec
from neuro.insitu import CrossbarMLP, train_insitu
from neuro.mlp import FloatMLP, MLPSpec, init_weights
from scenarios._core import Result, RunContext, parallel_map

DESCRIPTION = ("Babu & Rajendran 2017: stochastic (RPU) in-situ training vs levels, range, "
               "variability")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the stochastic-DNN sweeps.

    Attributes
    ----------
    dataset, seed : str, int
    hidden : tuple of int
        Hidden layer widths (sigmoid); the output is softmax with cross-entropy.
    epochs : int
        Passes over the training set (each a random order).
    n_train, n_test : int or None
        Images used (None: all).
    lr : float
        Learning rate (baseline SGD and in-situ), batch 1.
    lr_decay : float
        Factor on the learning rate after each epoch, for the baseline and in situ alike (the
        stochastic update's noise shrinks with the rate; measured effect in docs/insitu.md).
    w_max : float
        Weight represented by ``G_max``.
    bl : int
        Bit-stream length of the stochastic update.
    levels, ranges, variabilities : tuple
        Swept values; the base point is (32, 15, the lowest variability).
    base_levels, base_range : int, float
        The base point of the sweeps.
    noise_sigmas : tuple of float
        Sigmas of the Gaussian noise added to test inputs (intensities in [0, 1]).
    jobs : int
        Runs in parallel (worker processes).
    """

    dataset: str = "mnist"
    seed: int = 0
    hidden: tuple[int, ...] = (300,)
    epochs: int = 5
    n_train: int | None = None
    n_test: int | None = None
    lr: float = 0.1
    lr_decay: float = 0.7
    w_max: float = 0.5
    bl: int = 10
    levels: tuple[int, ...] = (16, 32, 64, 128)
    ranges: tuple[float, ...] = (2.0, 5.0, 15.0, 100.0)
    variabilities: tuple[float, ...] = (0.05, 0.25, 0.5, 1.0)
    base_levels: int = 32
    base_range: float = 15.0
    noise_sigmas: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    jobs: int = 2

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        for i, h in enumerate(self.hidden):
            check_int(f"hidden[{i}]", h, 1)
        check_int("epochs", self.epochs, 1)
        for name in ("n_train", "n_test"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), 1)
        check_range("lr", self.lr, 0.0, None, lo_open=True)
        check_range("lr_decay", self.lr_decay, 0.0, 1.0, lo_open=True)
        check_range("w_max", self.w_max, 0.0, None, lo_open=True)
        check_int("bl", self.bl, 1)
        if not (self.levels and self.ranges and self.variabilities):
            raise fail("levels/ranges/variabilities", "empty", "each sweep needs a value")
        for v in self.levels:
            check_int("levels", v, 2)
        for v in self.ranges:
            check_range("ranges", v, 1.0, None, lo_open=True)
        for v in self.variabilities:
            check_range("variabilities", v, 0.0, 10.0)
        check_int("base_levels", self.base_levels, 2)
        check_range("base_range", self.base_range, 1.0, None, lo_open=True)
        for v in self.noise_sigmas:
            check_range("noise_sigmas", v, 0.0, 10.0)
        check_int("jobs", self.jobs, 1, 64)


QUICK = Config(dataset="mnist-5k", hidden=(100,), epochs=1, n_test=500, levels=(16, 32),
               ranges=(1.25, 15.0), variabilities=(0.05, 1.0), noise_sigmas=(0.0, 0.3), jobs=1)


def device_for(levels: int, dynamic_range: float, variability: float) -> Device:
    """A linear device with ``levels`` states, ``G_max / G_min = dynamic_range``."""
    g_max = 10e-6
    return Device(
        name=f"linear-{levels}L-r{dynamic_range:g}-v{variability:g}",
        response=LinearResponse(g_min=g_max / dynamic_range, g_max=g_max, levels=levels),
        variability=Variability(c2c=variability / (levels - 1)),
        pulse=PulseSpec(v_ltp=1.0, width_ltp=1e-6, v_ltd=-1.0, width_ltd=1e-6),
        source="Babu & Rajendran 2017 (linear device model; swept parameters)")


def _noisy_accuracy(predict, x, y, sigmas, seed) -> list[float]:
    rng = np.random.default_rng([seed, 99])
    return [float(np.mean(predict(x + s * rng.standard_normal(x.shape)) == y)) for s in sigmas]


def _run_one(job: tuple) -> dict:
    cfg, kind, levels, r, v, k, ds = job
    rng = np.random.default_rng([cfg.seed, k])
    spec = MLPSpec(sizes=(ds.n_features, *cfg.hidden, 10), output="softmax")
    weights = init_weights(spec, rng=np.random.default_rng(cfg.seed))
    x_test, y_test, x_train, y_train = ds.x_test, ds.y_test, ds.x_train, ds.y_train
    n = len(x_train)
    if kind == "float":
        model = FloatMLP(spec, weights)
        acc = []
        for epoch in range(cfg.epochs):
            rate = cfg.lr * cfg.lr_decay**epoch
            for i in rng.permutation(n):
                model.train_step(x_train[i: i + 1], y_train[i: i + 1], [rate] * spec.n_layers)
            acc.append(model.accuracy(x_test, y_test))
        predict = model.predict
        pulses = 0
    else:
        device = device_for(levels, r, v)
        model = CrossbarMLP(spec, device, CrossbarSpec(mapping="reference", w_max=cfg.w_max,
                                                       weight_unit="g_max"), weights, rng=rng)
        hist = train_insitu(model, x_train, y_train, StochasticUpdate(bl=cfg.bl),
                            [cfg.lr] * spec.n_layers, epochs=cfg.epochs, samples_per_epoch=n,
                            batch=1, rng=rng, lr_decay=cfg.lr_decay,
                            evaluate=lambda: model.accuracy(x_test, y_test, rng=rng))
        acc = hist["test_accuracy"]
        predict = lambda x: model.predict(x, rng=rng)  # noqa: E731
        pulses = model.pulses
    noisy = _noisy_accuracy(predict, x_test, y_test, cfg.noise_sigmas, cfg.seed)
    return {"kind": kind, "levels": levels, "range": r, "variability": v, "accuracy": acc,
            "noisy": noisy, "pulses": pulses}


def run(cfg: Config, ctx: RunContext) -> Result:
    ds = data.flatten(data.scale01(ctx.dataset(cfg.dataset)))
    ds = data.subset(ds, cfg.n_train, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    low = min(cfg.variabilities)
    points = {("float", 0, 0.0, 0.0)}
    points |= {("device", n, cfg.base_range, low) for n in cfg.levels}
    points |= {("device", cfg.base_levels, r, low) for r in cfg.ranges}
    points |= {("device", cfg.base_levels, cfg.base_range, v) for v in cfg.variabilities}
    points = sorted(points, key=lambda p: (p[0] != "float", p[1:]))
    jobs = [(cfg, *p, k, ds) for k, p in enumerate(points)]
    result = Result(scenario="stochastic-dnn", config={})
    done: dict[int, dict] = {}
    for k, out in ctx.iterate(parallel_map(_run_one, jobs, jobs=cfg.jobs), desc="runs",
                              total=len(jobs)):
        done[k] = out
        result.rows = [_row(done[i]) for i in sorted(done)]
        ctx.checkpoint(result)
    float_acc = done[0]["accuracy"][-1]
    result.rows = []
    for i in sorted(done):
        row = _row(done[i])
        row["gap_to_float"] = float_acc - row["final_accuracy"]
        result.history[f"accuracy/{row['label']}"] = done[i]["accuracy"]
        result.history[f"noise_relative/{row['label']}"] = [
            a / row["final_accuracy"] for a in done[i]["noisy"]]
        result.rows.append(row)
    base = next(r for r in result.rows if r["kind"] == "device" and r["levels"] ==
                cfg.base_levels and r["range"] == cfg.base_range and r["variability"] == low)
    result.metrics = {"float_accuracy": float_acc,
                      "base_accuracy": base["final_accuracy"],
                      "base_gap_to_float": base["gap_to_float"]}
    for v in sorted(cfg.variabilities):
        row = next(r for r in result.rows if r["kind"] == "device" and r["levels"] ==
                   cfg.base_levels and r["range"] == cfg.base_range and r["variability"] == v)
        result.metrics[f"accuracy/variability={v:g}"] = row["final_accuracy"]
    return result


def _row(out: dict) -> dict:
    label = ("floating point" if out["kind"] == "float" else
             f"{out['levels']} levels, r={out['range']:g}, var={out['variability']:g}")
    return {"label": label, "kind": out["kind"], "levels": out["levels"], "range": out["range"],
            "variability": out["variability"], "final_accuracy": out["accuracy"][-1],
            "pulses": out["pulses"], "noisy_accuracy": out["noisy"]}


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    cfg = result.config
    rows = result.rows
    fp = next(r for r in rows if r["kind"] == "float")["final_accuracy"] * 100
    low = min(cfg["variabilities"])
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    sweeps = (("levels", "levels", dict(range=cfg["base_range"], variability=low), True),
              ("range", "dynamic range G_max/G_min", dict(levels=cfg["base_levels"],
                                                         variability=low), True),
              ("variability", "programming variability (sigma / step)",
               dict(levels=cfg["base_levels"], range=cfg["base_range"]), False))
    for ax, (key, xlabel, fixed, logx) in zip(axes, sweeps, strict=True):
        pts = sorted((r[key], 100 * r["final_accuracy"]) for r in rows if r["kind"] == "device"
                     and all(r[k] == v for k, v in fixed.items()))
        ax.plot(*zip(*pts, strict=True), marker="o", label="stochastic in-situ")
        ax.axhline(fp, color="k", ls="--", lw=1, label="floating point")
        ax.axhline(fp - 3, color="0.5", ls=":", lw=1, label="floating point - 3")
        ax.set_xlabel(xlabel)
        if logx:
            ax.set_xscale("log")
            ax.set_xticks([x for x, _ in pts], [f"{x:g}" for x, _ in pts])
            ax.minorticks_off()
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Stochastic in-situ training (Babu & Rajendran 2017 sweeps)")
    sweep = save_figure(fig, Path(out_dir) / "sweeps.png")

    fig, ax = plt.subplots(figsize=(5.5, 4))
    highest = max(cfg["variabilities"])
    for r in rows:
        is_base = r["levels"] == cfg["base_levels"] and r["range"] == cfg["base_range"]
        if r["kind"] == "float" or (is_base and r["variability"] in (low, highest)):
            rel = np.asarray(r["noisy_accuracy"]) / r["final_accuracy"]
            ax.plot(cfg["noise_sigmas"], rel, marker="o", label=r["label"])
    ax.set_xlabel("sigma of Gaussian noise added to test inputs")
    ax.set_ylabel("accuracy / clean accuracy")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    noise = save_figure(fig, Path(out_dir) / "noise_robustness.png")
    return [sweep, noise]

