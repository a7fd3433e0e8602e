"""Spiking networks in snnTorch: rate-coded input, LIF ``Leaky`` layers, surrogate-gradient BPTT.

A feed-forward network of bias-free linear layers, each followed by snnTorch's ``Leaky`` with
the parameters of a shared `neuro.lif.LIFParams` (so that the Brian2 engine, `neuro.brian`,
simulates the same neurons). Inputs are Bernoulli rasters (`neuro.encoding.bernoulli` layout:
time first). The loss is the cross-entropy of the output spike counts (``counts``) or of the
summed output membrane potentials (``membrane``); the surrogate gradient is chosen by name.

`weight_transform` lets device-aware training (`learning_rules.device_aware`) see each weight
through the device's torch twin in the forward pass; the default is the identity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from devices.errors import check_choice, check_int, check_range, fail
from neuro.lif import LIFParams

__all__ = ["SNN", "SNNSpec", "encode", "evaluate_snn", "train_snn"]


def _surrogate(name: str, slope: float):
    from snntorch import surrogate

    factories = {"fast_sigmoid": lambda: surrogate.fast_sigmoid(slope=slope),
                 "atan": lambda: surrogate.atan(alpha=slope),
                 "sigmoid": lambda: surrogate.sigmoid(slope=slope),
                 "triangular": lambda: surrogate.triangular()}
    check_choice("surrogate", name, factories)
    return factories[name]()


@dataclass(frozen=True, slots=True, kw_only=True)
class SNNSpec:
    """Shape and training choices of a feed-forward SNN.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths, input first (e.g. ``(784, 100, 10)``).
    lif : LIFParams
        Neuron parameters of every layer.
    n_steps : int
        Time steps T per sample.
    surrogate : {"fast_sigmoid", "atan", "sigmoid", "triangular"}
        Surrogate gradient of the spike.
    slope : float
        Steepness of the surrogate.
    loss : {"counts", "membrane"}
        Cross-entropy of output spike counts, or of summed output membrane potentials.
    init_scale : float
        Initial weights ``U(-s, s)``, ``s = init_scale / sqrt(n_in)``.
    encoding : {"rate", "direct"}
        Bernoulli spike rasters, or the intensities themselves at every step (graded spikes,
        read by the first crossbar at ``a V_read``, where its I-V shape matters).
    """

    sizes: tuple[int, ...]
    lif: LIFParams = LIFParams()
    n_steps: int = 25
    surrogate: Literal["fast_sigmoid", "atan", "sigmoid", "triangular"] = "fast_sigmoid"
    slope: float = 25.0
    loss: Literal["counts", "membrane"] = "counts"
    init_scale: float = 1.0
    encoding: Literal["rate", "direct"] = "rate"

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise fail("sizes", self.sizes, "needs an input and an output width")
        for i, n in enumerate(self.sizes):
            check_int(f"sizes[{i}]", n, 1)
        check_int("n_steps", self.n_steps, 1)
        check_choice("surrogate", self.surrogate, ("fast_sigmoid", "atan", "sigmoid",
                                                   "triangular"))
        check_range("slope", self.slope, 0.0, None, lo_open=True)
        check_choice("loss", self.loss, ("counts", "membrane"))
        check_range("init_scale", self.init_scale, 0.0, None, lo_open=True)
        check_choice("encoding", self.encoding, ("rate", "direct"))


class SNN(nn.Module):
    """Bias-free linear layers with LIF neurons.

    Parameters
    ----------
    spec : SNNSpec
    generator : torch.Generator
        Initial weights (keyword-only).
    weight_transform : callable, optional
        ``(layer_index, W) -> W_seen``: what the forward pass uses instead of ``W``.
    input_transform : callable, optional
        Applied to the input amplitudes before the first layer (the crossbar's I-V shape).
    """

    def __init__(self, spec: SNNSpec, *, generator: torch.Generator,
                 weight_transform: Callable[[int, torch.Tensor], torch.Tensor] | None = None,
                 input_transform: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        import snntorch as snn

        super().__init__()
        self.spec = spec
        self.weights = nn.ParameterList()
        for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:], strict=True):
            s = spec.init_scale / np.sqrt(n_in)
            w = (torch.rand(n_in, n_out, generator=generator, dtype=torch.float64) * 2 - 1) * s
            self.weights.append(nn.Parameter(w.float()))
        grad = _surrogate(spec.surrogate, spec.slope)
        self.neurons = nn.ModuleList([
            snn.Leaky(beta=spec.lif.beta, threshold=spec.lif.threshold, spike_grad=grad,
                      reset_mechanism=spec.lif.reset) for _ in self.weights])
        self.weight_transform = weight_transform
        self.input_transform = input_transform

    def seen_weights(self) -> list[torch.Tensor]:
        """The weights the forward pass uses (after the device transform)."""
        if self.weight_transform is None:
            return list(self.weights)
        return [self.weight_transform(k, w) for k, w in enumerate(self.weights)]

    def forward(self, raster: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Output spikes and membrane potentials, each ``(T, batch, n_out)``."""
        ws = self.seen_weights()
        mems = [torch.zeros(raster.shape[1], w.shape[1], dtype=raster.dtype,
                            device=raster.device) for w in ws]
        spikes, membranes = [], []
        if self.input_transform is not None:
            raster = self.input_transform(raster)
        for t in range(raster.shape[0]):
            s = raster[t]
            for k, (w, lif) in enumerate(zip(ws, self.neurons, strict=True)):
                s, mems[k] = lif(s.to(raster.dtype) @ w.to(raster.dtype), mems[k])
            spikes.append(s)
            membranes.append(mems[-1])
        return torch.stack(spikes), torch.stack(membranes)

    def numpy_weights(self) -> list[np.ndarray]:
        return [w.detach().double().numpy().copy() for w in self.weights]


def encode(x: np.ndarray, spec: SNNSpec, generator: torch.Generator) -> torch.Tensor:
    """Input raster ``(T, batch, n_in)``: Bernoulli spikes, or the intensities (direct)."""
    xt = torch.as_tensor(np.array(x, dtype=np.float32))
    if spec.encoding == "direct":
        return xt.expand(spec.n_steps, *xt.shape).clone()
    return (torch.rand((spec.n_steps, *xt.shape), generator=generator) < xt).float()


def train_snn(model: SNN, x: np.ndarray, y: np.ndarray, *, epochs: int, batch: int, lr: float,
              generator: torch.Generator, evaluate=None, iterate=iter,
              clip_weights: float | None = None,
              lr_decay: float = 1.0) -> dict[str, list[float]]:
    """Adam + BPTT on Bernoulli-encoded inputs; per-epoch loss and (optional) test accuracy.

    ``clip_weights`` keeps every weight in ``[-c, c]`` after each step (the device window);
    the learning rate is multiplied by ``lr_decay`` after each epoch.
    """
    check_int("epochs", epochs, 1)
    check_int("batch", batch, 1)
    check_range("lr", lr, 0.0, None, lo_open=True)
    check_range("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_decay)
    ce = nn.CrossEntropyLoss()
    yt = torch.as_tensor(np.array(y), dtype=torch.long)
    hist: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    for _ in iterate(range(epochs)):
        order = torch.randperm(len(x), generator=generator).numpy()
        total = 0.0
        for start in range(0, len(x), batch):
            idx = order[start: start + batch]
            spk, mem = model(encode(x[idx], model.spec, generator))
            logits = spk.sum(0) if model.spec.loss == "counts" else mem.sum(0)
            loss = ce(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if clip_weights is not None:
                with torch.no_grad():
                    for w in model.weights:
                        w.clamp_(-clip_weights, clip_weights)
            total += float(loss.detach()) * len(idx)
        hist["loss"].append(total / len(x))
        schedule.step()
        if evaluate is not None:
            hist["test_accuracy"].append(evaluate())
    return hist


@torch.no_grad()
def evaluate_snn(model: SNN, x: np.ndarray, y: np.ndarray, *, generator: torch.Generator,
                 batch: int = 1000) -> float:
    """Test accuracy: the output neuron with most spikes (ties: lowest index)."""
    correct = 0
    for start in range(0, len(x), batch):
        spk, _ = model(encode(x[start: start + batch], model.spec, generator))
        correct += int((spk.sum(0).argmax(1).numpy() == y[start: start + batch]).sum())
    return correct / len(x)

