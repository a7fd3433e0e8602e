"""An SNN on a crossbar with I-V non-linearity: ideal vs non-linearity-aware training.

Chen, Chang, Huang, Liou (VLSI-TSA 2024) report 62.99% for an SNN trained ignoring the
memristor array's non-linearity and 92.81% with non-linearity-aware training. Here: a
784-100-10 LIF network on a crossbar whose cells have a non-linear I-V characteristic, read by
a periphery that assumes ohmic cells (`devices.iv`). By default the cell current saturates,
``I = G V / (1 + G V / I_sat)`` (strength ``G_max V_read / I_sat``): even spikes at the read
voltage see high conductances compressed. The separable models (``sinh``, ``neurosim``) act on
graded inputs (direct encoding, ``a V_read``), where a spike-only network would not see them.
One network is trained without the non-linearity (ideal), one per strength with it in the
forward pass (`learning_rules.device_aware`); both are programmed by write-verify into the
device's conductance pairs (`neuro.conversion`) and evaluated event-driven in Brian2 with the
same I-V code in ``on_pre``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from devices import IV_MODELS, get_device
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules.device_aware import DeviceAware, make_transforms
from neuro import data
from neuro.brian import Evaluator
from neuro.conversion import Programming, convert
from neuro.lif import LIFParams
from neuro.snn import SNN, SNNSpec, encode, evaluate_snn, train_snn
from scenarios._core import Result, RunContext
from scenarios._spiking import check_spiking_fields

DESCRIPTION = ("Chen et al. 2024: SNN on a crossbar with I-V non-linearity, ideal vs "
               "non-linearity-aware training, evaluated in Brian2")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the non-linearity study.

    Attributes
    ----------
    dataset, seed : str, int
    device : str
        Preset or device file whose conductances hold the weights.
    iv_kind : {"saturating", "sinh", "neurosim"}
        I-V model; its strength is ``G_max V_read / I_sat`` (saturating cells), ``k`` [1/V]
        (sinh) or ``NL_IV`` (neurosim).
    strengths : tuple of float
        Swept strengths.
    encoding : {"rate", "direct"}
        Bernoulli spikes at ``V_read``, or graded amplitudes ``a V_read`` (separable models).
    hidden, n_steps : int
        Hidden neurons; time steps per sample.
    tau, dt : float
        LIF time constant and step [s].
    epochs, batch, lr : int, int, float
        snnTorch training (Adam, spike-count cross-entropy).
    w_max : float
        Training keeps weights in ``[-w_max, w_max]``.
    tolerance : float
        Write-verify tolerance (fraction of the window).
    n_test : int or None
    target : {"cpp_standalone", "cython", "numpy"}
    """

    dataset: str = "mnist"
    seed: int = 0
    device: str = "epiram"
    iv_kind: str = "saturating"
    strengths: tuple[float, ...] = (1.0, 2.0, 4.0, 6.0, 6.5, 8.0)
    encoding: str = "rate"
    hidden: int = 100
    n_steps: int = 25
    tau: float = 20e-3
    dt: float = 1e-3
    epochs: int = 3
    batch: int = 100
    lr: float = 2e-3
    w_max: float = 1.0
    tolerance: float = 0.01
    n_test: int | None = None
    target: str = "cpp_standalone"

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        get_device(self.device)
        check_choice("iv_kind", self.iv_kind, ("saturating", "sinh", "neurosim"))
        check_choice("encoding", self.encoding, ("rate", "direct"))
        if self.iv_kind == "saturating" and self.encoding == "direct":
            raise fail("encoding", self.encoding, "saturating cells need rate-coded spikes")
        if not self.strengths:
            raise fail("strengths", self.strengths, "name at least one strength")
        for s in self.strengths:
            check_range("strengths", s, 0.0, 100.0, lo_open=True)
        check_spiking_fields(self)


QUICK = Config(dataset="mnist-5k", strengths=(8.0,), epochs=2, batch=32, n_steps=10,
               n_test=100, target="numpy")


def device_with_iv(cfg: Config, strength: float):
    """The configured device with the I-V model of the given strength."""
    device = get_device(cfg.device)
    if cfg.iv_kind == "saturating":
        iv = IV_MODELS["saturating"](i_sat=device.g_max * device.v_read / strength)
    elif cfg.iv_kind == "sinh":
        iv = IV_MODELS["sinh"](k=strength)
    else:
        iv = IV_MODELS["neurosim"](nl_iv=strength, v_read=device.v_read, v_write=2 * device.v_read)
    return dataclasses.replace(device, iv=iv)


def _train(cfg: Config, ds, device, aware: bool, gen: torch.Generator, ctx) -> SNN:
    spec = SNNSpec(sizes=(ds.n_features, cfg.hidden, 10), lif=LIFParams(tau=cfg.tau, dt=cfg.dt),
                   n_steps=cfg.n_steps, encoding=cfg.encoding)
    cfg_da = DeviceAware(w_max=cfg.w_max, layer_scale="max", levels=False) if aware else (
        DeviceAware.ideal(cfg.w_max))
    wt, it = make_transforms(device, cfg_da, generator=gen,
                             graded_inputs=cfg.encoding == "direct")
    model = SNN(spec, generator=gen, weight_transform=wt, input_transform=it)
    train_snn(model, ds.x_train, ds.y_train, epochs=cfg.epochs, batch=cfg.batch, lr=cfg.lr,
              generator=gen, clip_weights=cfg.w_max,
              iterate=lambda r: ctx.iterate(r, desc="training"))
    return model


def _deploy(cfg: Config, model: SNN, device, ds, *, seed: int) -> dict:
    rng = np.random.default_rng([cfg.seed, seed])
    # Each layer's largest weight fills the window (the usual mapping); the aware network was
    # trained through the same mapping (layer_scale="max").
    layers, report = convert(model.numpy_weights(), device,
                             Programming(method="write-verify", tolerance=cfg.tolerance), rng=rng)
    raster = encode(ds.x_test, model.spec, torch.Generator()).numpy()
    ev = Evaluator(layers, model.spec.lif, n_steps=cfg.n_steps,
                   chunk=min(len(ds.x_test), 2000), target=cfg.target)
    try:
        res = ev.run(raster, labels=ds.y_test)
    finally:
        ev.close()
    return {"brian_accuracy": res.accuracy, "programming_pulses": report.pulses,
            "programming_rms_error": report.rms_error}


def run(cfg: Config, ctx: RunContext) -> Result:
    torch.set_num_threads(1)
    ds = data.flatten(data.scale01(ctx.dataset(cfg.dataset)))
    ds = data.subset(ds, None, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    result = Result(scenario="snn-nonlinearity", config={})
    gen = torch.Generator().manual_seed(cfg.seed)
    ideal = _train(cfg, ds, get_device(cfg.device), False, gen, ctx)
    result.metrics["snntorch_accuracy/ideal_no_iv"] = evaluate_snn(ideal, ds.x_test, ds.y_test,
                                                                   generator=gen)
    for k, strength in enumerate(ctx.iterate(cfg.strengths, desc="strengths")):
        device = device_with_iv(cfg, strength)
        row = {"strength": strength}
        seen_w, seen_in = make_transforms(
            device, DeviceAware(w_max=cfg.w_max, layer_scale="max", levels=False),
            generator=gen, graded_inputs=cfg.encoding == "direct")
        ideal.weight_transform, ideal.input_transform = seen_w, seen_in  # as the crossbar reads
        row["software_ideal_trained"] = evaluate_snn(ideal, ds.x_test, ds.y_test, generator=gen)
        ideal.weight_transform, ideal.input_transform = None, None
        out = _deploy(cfg, ideal, device, ds, seed=10 + k)
        row.update({f"ideal_{key}": v for key, v in out.items()})
        aware = _train(cfg, ds, device, True, torch.Generator().manual_seed(cfg.seed + 1 + k),
                       ctx)
        row["software_aware_trained"] = evaluate_snn(aware, ds.x_test, ds.y_test, generator=gen)
        out = _deploy(cfg, aware, device, ds, seed=20 + k)
        row.update({f"aware_{key}": v for key, v in out.items()})
        result.rows.append(row)
        result.metrics[f"brian_accuracy/ideal/k={strength:g}"] = row["ideal_brian_accuracy"]
        result.metrics[f"brian_accuracy/aware/k={strength:g}"] = row["aware_brian_accuracy"]
        ctx.checkpoint(result)
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    k = [r["strength"] for r in result.rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(k, [100 * r["ideal_brian_accuracy"] for r in result.rows], marker="o",
            label="trained ideally, deployed (Brian2)")
    ax.plot(k, [100 * r["aware_brian_accuracy"] for r in result.rows], marker="s",
            label="trained with the non-linearity (Brian2)")
    ax.plot(k, [100 * r["software_ideal_trained"] for r in result.rows], ls=":", color="C0",
            label="trained ideally, snnTorch with the non-linearity")
    ax.axhline(62.99, color="0.6", ls="--", lw=1)
    ax.axhline(92.81, color="0.6", ls="--", lw=1, label="Chen et al. 2024: 62.99% / 92.81%")
    ax.set_xlabel(f"I-V non-linearity strength ({result.config['iv_kind']})")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return [save_figure(fig, Path(out_dir) / "accuracy_vs_nonlinearity.png")]
