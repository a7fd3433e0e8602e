"""An MLP whose weights live in memristor crossbars, trained in situ by programming pulses.

Forward and backward passes are analog crossbar reads (`neuro.crossbar.Crossbar.forward` and
``backward``) through the same MLP maths as the floating-point twin (`neuro.mlp`); each step a
learning rule (`learning_rules`) turns the layer's input and delta into pulse counts, which are
applied open loop. Accounting per step: devices written (sparsity), pulses, write energy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from devices import Device
from devices.errors import check_int, check_range, fail
from neuro.crossbar import Crossbar, CrossbarSpec
from neuro.mlp import MLPSpec, backprop, forward, one_hot, output_delta

__all__ = ["CrossbarMLP", "TrainStats", "train_insitu"]


@dataclass(slots=True)
class TrainStats:
    """Counters of an in-situ training run.

    Attributes
    ----------
    steps : int
        Update steps taken.
    devices_written : int
        Sum over steps of the devices that received at least one pulse.
    write_fraction : list of float
        Per epoch: mean fraction of devices written per step.
    """

    steps: int = 0
    devices_written: int = 0
    write_fraction: list[float] = field(default_factory=list)


class CrossbarMLP:
    """MLP on crossbars (one crossbar per layer).

    Parameters
    ----------
    spec : MLPSpec
    device : Device
    crossbar : CrossbarSpec
    weights : sequence of np.ndarray
        Initial weights, programmed into the crossbars (the floating-point twin starts from the
        same matrices).
    rng : np.random.Generator
        Draws device-to-device parameters (keyword-only).
    per_device_init : bool
        Program each weight inside its devices' own range (SSM re-initialisation).
    hidden_bits : int or None
        Hidden activations are digitised to this many bits before they drive the next crossbar
        (NeuroSim: 1 bit, ``a >= 0.5``); back-propagation still uses the analog activations.
        None: analog.
    init_write : {"window", "neurosim"}
        How the initial weights are written (`Crossbar.program`).
    """

    def __init__(self, spec: MLPSpec, device: Device, crossbar: CrossbarSpec,
                 weights: Sequence[np.ndarray], *, rng: np.random.Generator,
                 per_device_init: bool = False, hidden_bits: int | None = None,
                 init_write: str = "window") -> None:
        if len(weights) != spec.n_layers:
            raise fail("weights", len(weights), f"need {spec.n_layers} matrices")
        if hidden_bits is not None:
            check_int("hidden_bits", hidden_bits, 1, 16)
        self.hidden_bits = hidden_bits
        self.spec = spec
        self.layers = [Crossbar(device, w.shape, crossbar, rng=rng) for w in weights]
        for xbar, w in zip(self.layers, weights, strict=True):
            xbar.program(w, per_device_range=per_device_init, init_write=init_write)
        self.stats = TrainStats()

    @property
    def n_devices(self) -> int:
        return sum(x.n_devices for x in self.layers)

    def _digitise(self, a: np.ndarray) -> np.ndarray:
        levels = 2**self.hidden_bits - 1
        return np.floor(a * levels + 0.5) / levels

    def forward(self, x: np.ndarray, *, rng: np.random.Generator | None) -> list[np.ndarray]:
        """Activations of every layer (analog), input first."""
        reads = [lambda a, c=c: c.forward(a, rng=rng) for c in self.layers]
        if self.hidden_bits is not None:
            reads[1:] = [lambda a, c=c: c.forward(self._digitise(a), rng=rng)
                         for c in self.layers[1:]]
        return forward(self.spec, reads, x)

    def train_step(self, x: np.ndarray, y: np.ndarray, rule, states: list, lr: Sequence[float],
                   *, rng: np.random.Generator) -> int:
        """One in-situ step on a batch; returns the number of devices written."""
        lr = check_learning_rates(lr, len(self.layers))
        acts = self.forward(x, rng=rng)
        delta = output_delta(self.spec, acts[-1], one_hot(y, self.spec.sizes[-1]))
        deltas = backprop(self.spec, acts, delta,
                          [lambda d, c=c: c.backward(d, rng=rng) for c in self.layers])
        written = 0
        for k, xbar in enumerate(self.layers):
            states[k], rows, n = rule.pulses(states[k], acts[k], deltas[k], lr[k], xbar, rng=rng)
            before = xbar.weights if rule.wants_feedback else None
            rounds = getattr(rule, "verify_rounds", 0)
            if rounds:
                written += xbar.apply_verified(n, rng=rng, rows=rows, rounds=rounds,
                                               tolerance=getattr(rule, "verify_tolerance", 0.5))
            else:
                written += xbar.apply(n, rng=rng, rows=rows)
            if before is not None:  # read back: the change the devices actually made
                states[k] = rule.feedback(states[k], xbar.desired_pulses(xbar.weights - before),
                                          n)
        self.stats.steps += 1
        self.stats.devices_written += written
        return written

    def predict(self, x: np.ndarray, *, rng: np.random.Generator | None,
                batch: int = 1000) -> np.ndarray:
        return np.concatenate([self.forward(x[i: i + batch], rng=rng)[-1].argmax(axis=1)
                               for i in range(0, len(x), batch)])

    def accuracy(self, x: np.ndarray, y: np.ndarray, *, rng: np.random.Generator | None) -> float:
        return float(np.mean(self.predict(x, rng=rng) == y))

    @property
    def pulses(self) -> int:
        return sum(x.pulses for x in self.layers)

    @property
    def write_energy(self) -> float:
        return sum(x.write_energy for x in self.layers)

    @property
    def write_time(self) -> float:
        """Summed width of every pulse sent (s): the programming time if writes were serial."""
        return sum(x.write_time for x in self.layers)

    @property
    def weights(self) -> list[np.ndarray]:
        return [x.weights for x in self.layers]


def check_learning_rates(lr: Sequence[float], n_layers: int) -> list[float]:
    """The per-layer learning rates as floats; each must be positive and finite."""
    rates = list(np.atleast_1d(np.asarray(lr, dtype=np.float64)))
    if len(rates) != n_layers:
        raise fail("lr", tuple(lr), f"give one learning rate per layer ({n_layers})")
    for k, rate in enumerate(rates):
        if not np.isfinite(rate) or rate <= 0:
            raise fail(f"lr[{k}]", float(rate), "must be a finite number > 0")
    return rates


def train_insitu(model: CrossbarMLP, x: np.ndarray, y: np.ndarray, rule, lr: Sequence[float], *,
                 epochs: int, samples_per_epoch: int, batch: int, rng: np.random.Generator,
                 evaluate, iterate=iter, on_epoch=None,
                 lr_decay: float = 1.0) -> dict[str, list[float]]:
    """Train ``model`` in situ; return per-epoch curves.

    Each epoch draws ``samples_per_epoch`` training samples at random with replacement (the
    NeuroSim protocol), in batches of ``batch``. Epoch ``e`` (from 0) uses the learning rates
    ``lr * lr_decay**e``. ``evaluate()`` returns the test accuracy after each epoch;
    ``on_epoch(epoch, history)`` is called after it (checkpoints).

    Returns
    -------
    dict with lists ``test_accuracy``, ``pulses`` (cumulative), ``write_energy`` (cumulative,
    J), ``write_time`` (cumulative summed pulse width, s), ``write_fraction`` (mean fraction
    of devices written per step in the epoch).
    """
    check_range("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
    lr = check_learning_rates(lr, len(model.layers))
    states = [rule.init(layer.shape) for layer in model.layers]
    hist: dict[str, list[float]] = {"test_accuracy": [], "pulses": [], "write_energy": [],
                                    "write_time": [], "write_fraction": []}
    n_dev = model.n_devices
    for epoch in iterate(range(epochs)):
        order = rng.integers(0, len(x), size=samples_per_epoch)
        lr_epoch = [rate * lr_decay**epoch for rate in lr]
        written = 0
        steps = 0
        for start in range(0, samples_per_epoch, batch):
            idx = order[start: start + batch]
            written += model.train_step(x[idx], y[idx], rule, states, lr_epoch, rng=rng)
            steps += 1
        hist["test_accuracy"].append(evaluate())
        hist["pulses"].append(float(model.pulses))
        hist["write_energy"].append(model.write_energy)
        hist["write_time"].append(model.write_time)
        hist["write_fraction"].append(written / (steps * n_dev))
        model.stats.write_fraction.append(hist["write_fraction"][-1])
        if on_epoch is not None:
            on_epoch(epoch, hist)
    return hist
