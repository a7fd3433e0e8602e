"""Floating-point MLP baseline under the NeuroSim protocol.

The reference every in-situ result is compared with ("ideal / software: 96-97%" in the NeuroSim
V3.0 table, DESIGN.md 2.4): MNIST down-sampled to 20x20 and binarised, a 400-100-10 sigmoid MLP
with squared-error loss, online SGD (batch 1) with learning rates 0.4 (hidden) and 0.2 (output),
epochs of 8,000 training images drawn at random, accuracy on the test set after each epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices.errors import check_choice, check_int, check_range, fail
from neuro import data
from neuro.mlp import FloatMLP, MLPSpec, init_weights
from scenarios._core import Result, RunContext

DESCRIPTION = "floating-point MLP baseline with the NeuroSim protocol (20x20 binary MNIST, SGD)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the software MLP baseline.

    Attributes
    ----------
    dataset : str
        Data set name (`neuro.data.DATASETS`).
    seed : int
        Seed of everything random (initial weights, sample order).
    image_size : int
        Images are down-sampled to ``image_size x image_size`` (20 in the NeuroSim protocol).
    downsample : {"crop", "area"}
        Down-sampling method (`neuro.data.downsample`).
    threshold : float
        Binarisation threshold on [0, 1] intensities.
    hidden : int
        Hidden units.
    epochs : int
        Number of epochs.
    samples_per_epoch : int
        Training images per epoch, drawn at random with replacement (8000 in NeuroSim).
    batch : int
        Mini-batch size (1 = online SGD).
    lr : tuple of float
        Learning rate per layer.
    init_scale : float
        Initial weights uniform in ``+-init_scale / sqrt(n_in)``.
    n_test : int or None
        Test images used (None: the whole test set).
    """

    dataset: str = "mnist"
    seed: int = 0
    image_size: int = 20
    downsample: str = "crop"
    threshold: float = 0.5
    hidden: int = 100
    epochs: int = 20
    samples_per_epoch: int = 8000
    batch: int = 1
    lr: tuple[float, ...] = (0.4, 0.2)
    init_scale: float = 1.0
    n_test: int | None = None

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        check_int("image_size", self.image_size, 2, 28)
        check_choice("downsample", self.downsample, ("crop", "area"))
        check_range("threshold", self.threshold, 0.0, 1.0)
        check_int("hidden", self.hidden, 1)
        check_int("epochs", self.epochs, 1)
        check_int("samples_per_epoch", self.samples_per_epoch, 1)
        check_int("batch", self.batch, 1)
        if len(self.lr) != 2:
            raise fail("lr", self.lr, "needs one learning rate per layer (2 values)")
        for i, eta in enumerate(self.lr):
            check_range(f"lr[{i}]", eta, 0.0, None, lo_open=True)
        check_range("init_scale", self.init_scale, 0.0, None, lo_open=True)
        if self.n_test is not None:
            check_int("n_test", self.n_test, 1)


QUICK = Config(dataset="mnist-5k", epochs=3, samples_per_epoch=4000)


def run(cfg: Config, ctx: RunContext) -> Result:
    ds = data.neurosim_inputs(ctx.dataset(cfg.dataset), image_size=cfg.image_size,
                              method=cfg.downsample, threshold=cfg.threshold)
    rng = np.random.default_rng(cfg.seed)
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    x_test, y_test = ds.x_test, ds.y_test
    spec = MLPSpec(sizes=(ds.n_features, cfg.hidden, 10), init_scale=cfg.init_scale)
    model = FloatMLP(spec, init_weights(spec, rng=rng))
    result = Result(scenario="software-mlp", config={})
    acc_hist: list[float] = []
    for epoch in ctx.iterate(range(cfg.epochs), desc="epochs"):
        order = rng.integers(0, len(ds.x_train), size=cfg.samples_per_epoch)
        for start in range(0, len(order), cfg.batch):
            idx = order[start: start + cfg.batch]
            model.train_step(ds.x_train[idx], ds.y_train[idx], cfg.lr)
        acc_hist.append(model.accuracy(x_test, y_test))
        result.history["test_accuracy"] = list(acc_hist)
        result.rows = [{"epoch": e + 1, "test_accuracy": a} for e, a in enumerate(acc_hist)]
        result.metrics = {"final_test_accuracy": acc_hist[-1], "best_test_accuracy": max(acc_hist),
                          "epochs_done": epoch + 1}
        ctx.checkpoint(result)
    result.metrics["train_accuracy"] = model.accuracy(ds.x_train, ds.y_train)
    result.metrics["n_test"] = len(x_test)
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    acc = np.asarray(result.history["test_accuracy"]) * 100
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(1, len(acc) + 1), acc, marker="o", label="floating point (this run)")
    ax.axhspan(96, 97, color="0.85", label="NeuroSim ideal, 96-97%")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Software MLP, {result.config.get('dataset')}")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return [save_figure(fig, Path(out_dir) / "accuracy.png")]
