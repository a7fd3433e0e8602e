"""MEMprop (Zhou, Eshraghian, Choi, Lu, Kang; IEEE JETCAS 2022): BPTT through memristive neurons.

A fully memristive network (`neuro.mif.MIFNet`): rate-coded input spikes drive crossbars of
device conductance pairs whose column currents feed memristive integrate-and-fire neurons; the
read-out is the mean membrane voltage of the output neurons. It is trained by BPTT through the
MIF dynamics (no surrogate gradient), with the device in the forward pass (window, reachable
levels, programming noise: `learning_rules.device_aware`). Then:

- the trained weights are programmed into the device by write-verify (`neuro.conversion`) and the
  programmed network is evaluated event-driven in Brian2 with MIF neurons (`neuro.brian_mif`);
- an snnTorch LIF network of the same size, trained with a surrogate gradient on the same inputs
  and the same number of neuron time steps per sample (``n_steps * substeps``), is the baseline.

Reported: test accuracy per epoch of both networks, the Brian2 accuracy after programming and its
difference to torch, programming cost; figures of the MIF spike waveform (torch and Brian2), the
learning curves and the accuracy table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from devices import get_device
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules.device_aware import DeviceAware, make_transforms
from neuro import data
from neuro.brian_mif import MIFEvaluator, simulate_brian
from neuro.conversion import Programming, convert
from neuro.lif import LIFParams
from neuro.mif import MIFNet, MIFNetSpec, MIFParams, _encode, evaluate_mif, simulate, train_mif
from neuro.snn import SNN, SNNSpec, evaluate_snn, train_snn
from scenarios._core import Result, RunContext

DESCRIPTION = "MEMprop: BPTT through memristive (MIF) neurons and synapses vs an LIF baseline"

WAVEFORM_PULSE = (8e-6, 1e-3)
"""Input of the waveform figure and test: 8 uA for 1 ms (~46 mV spike, ~12 mV undershoot)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Configuration of the MEMprop study.

    Attributes
    ----------
    dataset, seed : str, int
        ``mnist`` or ``fashion-mnist`` (files in the data directory), ``mnist-5k`` ...
    device : str
        Synapse device preset (conductance pairs).
    hidden : tuple of int
        Hidden layer widths.
    n_steps, substeps : int
        Network steps per sample and MIF steps per network step (`neuro.mif.MIFNetSpec`).
    i_scale : float
        Column current [A] of a unit weight and a unit input.
    v_logit : float
        Mean output voltage [V] above rest per unit of logit.
    relay : str
        ``rectified`` or ``linear``: what of a hidden voltage drives the next crossbar
        (`neuro.mif.MIFNetSpec.relay`).
    epochs, batch, lr : int, int, float
        Adam, BPTT; the LIF baseline uses the same.
    lr_lif : float
        Learning rate of the LIF baseline.
    lr_decay : float
        Both learning rates are multiplied by this after each epoch.
    layer_scale : str
        ``max``: each layer's largest |weight| fills the conductance window, in training
        (`learning_rules.device_aware.DeviceAware.layer_scale`) and in programming; ``fixed``:
        a weight of 1 fills it. With ``fixed`` the small weights of the first layer use a few
        of the device's levels and the programming noise is large next to them.
    programming_noise : float
        Programming error seen in training (fraction of the window).
    tolerance : float
        Write-verify tolerance (fraction of the window).
    n_train, n_test : int or None
        Subsets (None: all).
    n_brian : int or None
        Test samples evaluated in Brian2 (None: all of ``n_test``).
    brian_batch : int
        Samples simulated side by side in Brian2.
    mif : bool
        Train the MIF network, program it and evaluate it in Brian2 (off: the baseline alone).
    lif_baseline : bool
    lif_loss : str
        ``membrane`` or ``counts``: the LIF read-out in training (`neuro.snn.SNNSpec.loss`);
        with 100 steps per image summed spike counts make logits so large that training
        stalls (77.8% after 10 epochs, see docs/offline.md).
    """

    dataset: str = "mnist"
    seed: int = 0
    device: str = "epiram"
    hidden: tuple[int, ...] = (200,)
    n_steps: int = 25
    substeps: int = 4
    i_scale: float = 20e-6
    v_logit: float = 5e-3
    relay: str = "rectified"
    epochs: int = 10
    batch: int = 64
    lr: float = 2e-3
    lr_lif: float = 5e-4
    lr_decay: float = 0.8
    layer_scale: str = "max"
    programming_noise: float = 0.01
    tolerance: float = 0.01
    n_train: int | None = None
    n_test: int | None = None
    n_brian: int | None = 2000
    brian_batch: int = 50
    mif: bool = True
    lif_baseline: bool = True
    lif_loss: str = "membrane"

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, data.DATASETS)
        check_int("seed", self.seed, 0)
        get_device(self.device)
        if not self.hidden:
            raise fail("hidden", self.hidden, "needs at least one hidden layer")
        for i, h in enumerate(self.hidden):
            check_int(f"hidden[{i}]", h, 1)
        MIFNetSpec(sizes=(1, *self.hidden, 10), n_steps=self.n_steps, substeps=self.substeps,
                   i_scale=self.i_scale, v_logit=self.v_logit,
                   relay=self.relay)  # checks these fields
        check_int("epochs", self.epochs, 1)
        check_int("batch", self.batch, 1)
        check_range("lr", self.lr, 0.0, None, lo_open=True)
        check_range("lr_lif", self.lr_lif, 0.0, None, lo_open=True)
        check_range("lr_decay", self.lr_decay, 0.0, 1.0, lo_open=True)
        check_choice("layer_scale", self.layer_scale, ("max", "fixed"))
        check_range("programming_noise", self.programming_noise, 0.0, 1.0)
        check_range("tolerance", self.tolerance, 0.0, 1.0, lo_open=True)
        for name in ("n_train", "n_test", "n_brian"):
            v = getattr(self, name)
            if v is not None:
                check_int(name, v, 1)
        check_int("brian_batch", self.brian_batch, 1)
        check_choice("lif_loss", self.lif_loss, ("membrane", "counts"))
        if not (self.mif or self.lif_baseline):
            raise fail("mif", self.mif, "needs mif or lif_baseline on")


QUICK = Config(dataset="mnist-5k", hidden=(40,), n_steps=10, substeps=3, epochs=1, batch=32,
               lr_lif=2e-3, n_train=1000, n_test=200, n_brian=100)


def _waveform(result: Result) -> None:
    p = MIFParams()
    amp, width = WAVEFORM_PULSE
    n = int(round(6e-3 / p.dt))
    a = np.zeros((n, 1))
    a[: int(round(width / p.dt)), 0] = amp
    v_torch = simulate(a, p)[:, 0]
    v_brian = simulate_brian(a, p)[:, 0]
    peak = int(np.argmax(v_torch))
    result.history["waveform_t_ms"] = list(np.arange(1, n + 1) * p.dt * 1e3)
    result.history["waveform_v_torch_mV"] = list(v_torch * 1e3)
    result.history["waveform_v_brian_mV"] = list(v_brian * 1e3)
    result.metrics["spike_peak_mV"] = float(v_torch[peak] * 1e3)
    result.metrics["spike_undershoot_mV"] = float(v_torch[peak:].min() * 1e3)
    result.metrics["waveform_max_difference_mV"] = float(np.abs(v_torch - v_brian).max() * 1e3)


def run(cfg: Config, ctx: RunContext) -> Result:
    torch.set_num_threads(1)
    ds = data.flatten(data.scale01(ctx.dataset(cfg.dataset)))
    ds = data.subset(ds, cfg.n_train, cfg.n_test, rng=np.random.default_rng([cfg.seed, 3]))
    device = get_device(cfg.device)
    result = Result(scenario="memprop", config={})
    _waveform(result)
    ctx.checkpoint(result)

    sizes = (ds.n_features, *cfg.hidden, ds.n_classes)
    spec = MIFNetSpec(sizes=sizes, n_steps=cfg.n_steps, substeps=cfg.substeps,
                      i_scale=cfg.i_scale, v_logit=cfg.v_logit, relay=cfg.relay)
    # The device effects both networks see in training (spikes: no I-V shape to apply).
    aware = DeviceAware(w_max=1.0, iv=False, layer_scale=cfg.layer_scale,
                        programming_noise=cfg.programming_noise)
    gen = torch.Generator().manual_seed(cfg.seed)
    wt, _ = make_transforms(device, aware, generator=gen)
    model = MIFNet(spec, generator=gen, weight_transform=wt)
    eval_gen = torch.Generator().manual_seed(cfg.seed + 1)

    def checkpoint_history(name: str):
        def save(hist):
            for key, values in hist.items():
                result.history[f"{name}_{key}"] = list(values)
            ctx.checkpoint(result)
        return save

    if cfg.mif:
        t0 = time.perf_counter()
        hist = train_mif(model, ds.x_train, ds.y_train, epochs=cfg.epochs, batch=cfg.batch,
                         lr=cfg.lr, lr_decay=cfg.lr_decay, generator=gen,
                         evaluate=lambda: evaluate_mif(model, ds.x_test, ds.y_test,
                                                       generator=eval_gen),
                         iterate=lambda r: ctx.iterate(r, desc="MIF training"),
                         on_epoch=checkpoint_history("mif"))
        result.metrics["mif_train_s"] = time.perf_counter() - t0
        result.metrics["mif_torch_accuracy"] = hist["test_accuracy"][-1]
        if ctx.out_dir is not None:  # the trained weights survive a failure further on
            np.savez_compressed(Path(ctx.out_dir) / "mif_weights.npz",
                                *model.numpy_weights())

        # Programming and event-driven evaluation in Brian2 on the first n_brian test images.
        n_brian = len(ds.x_test) if cfg.n_brian is None else min(cfg.n_brian, len(ds.x_test))
        raster = _encode(ds.x_test[:n_brian], cfg.n_steps,
                         torch.Generator().manual_seed(cfg.seed + 2), torch.float64)
        with torch.no_grad():
            model.weight_transform = None  # the ideal read of the trained weights
            logits, _ = model(raster)
            model.weight_transform = wt
        torch_acc = float(np.mean(logits.argmax(1).numpy() == ds.y_test[:n_brian]))
        layers, rep = convert(model.numpy_weights(), device,
                              Programming(method="write-verify", tolerance=cfg.tolerance),
                              rng=np.random.default_rng([cfg.seed, 5]),
                              w_max=None if cfg.layer_scale == "max" else [1.0] * (len(sizes) - 1))
        ev = MIFEvaluator(layers, spec, batch=cfg.brian_batch)
        res = ev.run(raster.numpy(), labels=ds.y_test[:n_brian])
        result.metrics.update({
            "n_brian": n_brian, "torch_accuracy_on_brian_subset": torch_acc,
            "brian_accuracy": res.accuracy, "brian_minus_torch": res.accuracy - torch_acc,
            "programming_pulses": rep.pulses, "programming_energy_J": rep.energy,
            "programming_rms_error": rep.rms_error, "brian_input_events": res.input_events,
            "brian_analog_updates": res.analog_updates, "brian_wall_s": res.wall_s})
        ctx.checkpoint(result)

    if cfg.lif_baseline:
        lif = LIFParams(tau=20e-3, dt=1e-3)
        lspec = SNNSpec(sizes=sizes, lif=lif, n_steps=cfg.n_steps * cfg.substeps,
                        loss=cfg.lif_loss)
        lif_eval_gen = torch.Generator().manual_seed(cfg.seed + 3)
        lgen = torch.Generator().manual_seed(cfg.seed)
        lmodel = SNN(lspec, generator=lgen,
                     weight_transform=make_transforms(device, aware, generator=lgen)[0])
        t0 = time.perf_counter()
        lhist = train_snn(lmodel, ds.x_train, ds.y_train, epochs=cfg.epochs, batch=cfg.batch,
                          lr=cfg.lr_lif, lr_decay=cfg.lr_decay, generator=lgen, clip_weights=1.0,
                          evaluate=lambda: evaluate_snn(lmodel, ds.x_test, ds.y_test,
                                                        generator=lif_eval_gen),
                          iterate=lambda r: ctx.iterate(r, desc="LIF training"))
        result.metrics["lif_train_s"] = time.perf_counter() - t0
        result.metrics["lif_accuracy"] = lhist["test_accuracy"][-1]
        checkpoint_history("lif")(lhist)
    return result


def plot(result: Result, out_dir: Path) -> list[Path]:
    from scenarios._plotting import plt, save_figure

    h, m = result.history, result.metrics
    paths = []
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(h["waveform_t_ms"], h["waveform_v_torch_mV"], label="torch", lw=2)
    ax.plot(h["waveform_t_ms"], h["waveform_v_brian_mV"], "--", label="Brian2", lw=1.2)
    ax.axvspan(0, WAVEFORM_PULSE[1] * 1e3, color="0.9", label="input 8 uA")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("membrane voltage (mV)")
    ax.set_title(f"MIF spike: peak {m['spike_peak_mV']:.1f} mV, undershoot "
                 f"{m['spike_undershoot_mV']:.1f} mV")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    paths.append(save_figure(fig, Path(out_dir) / "waveform.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for key, label in (("mif", "MIF (BPTT, no surrogate)"), ("lif", "LIF (surrogate)")):
        acc = h.get(f"{key}_test_accuracy")
        if acc:
            ax.plot(range(1, len(acc) + 1), [100 * a for a in acc], "o-", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    paths.append(save_figure(fig, Path(out_dir) / "learning_curves.png"))

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    labels, values = [], []
    if "brian_accuracy" in m:
        labels += ["MIF torch", "MIF Brian2\n(programmed)"]
        values += [100 * m["torch_accuracy_on_brian_subset"], 100 * m["brian_accuracy"]]
    if "lif_accuracy" in m:
        labels.append("LIF snnTorch")
        values.append(100 * m["lif_accuracy"])
    ax.bar(range(len(values)), values, color=["C0", "C1", "C2"][: len(values)])
    for x, v in enumerate(values):
        ax.text(x, v + 0.5, f"{v:.2f}", ha="center", fontsize=8)
    ax.set_xticks(range(len(values)), labels)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"MEMprop on {result.config['dataset']}, {result.config['device']}")
    paths.append(save_figure(fig, Path(out_dir) / "accuracy.png"))
    return paths
