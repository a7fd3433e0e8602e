"""Multilayer perceptron maths shared by the floating-point baseline and the crossbar MLP.

Convention: a layer maps a row vector ``x`` (shape ``(batch, n_in)``) to ``a = f(x @ W)`` with
``W`` of shape ``(n_in, n_out)`` (rows are crossbar word lines, columns bit lines). No biases
(as in the NeuroSim protocol). Losses:

- sigmoid output with squared error ``L = 1/2 sum (a - t)^2``: output delta ``(a - t) a (1 - a)``;
- softmax output with cross-entropy ``L = -sum t log a``: output delta ``a - t``.

Backpropagation: ``delta_l = (delta_{l+1} W_l^T) * f'(z_l)``, gradient
``dL/dW_l = x_l^T delta_{l+1}``
averaged over the batch. The forward and transposed products are passed in as callables, so the
crossbar MLP uses the same code with analog reads in their place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices.errors import check_choice, check_int, check_range, fail

__all__ = [
    "FloatMLP",
    "MLPSpec",
    "activate",
    "backprop",
    "forward",
    "init_weights",
    "output_delta",
]

Matmul = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True, kw_only=True)
class MLPSpec:
    """Shape and non-linearities of an MLP.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths, input first, e.g. ``(400, 100, 10)``.
    hidden : {"sigmoid", "relu"}
        Hidden-layer activation.
    output : {"sigmoid", "softmax"}
        Output activation (squared-error loss for sigmoid, cross-entropy for softmax).
    init : {"scaled", "uniform"}
        Initial weights uniform in ``[-s, s]`` with ``s = init_scale / sqrt(n_in)`` ("scaled")
        or ``s = init_scale`` ("uniform").
    init_scale : float
        See ``init``.
    """

    sizes: tuple[int, ...]
    hidden: Literal["sigmoid", "relu"] = "sigmoid"
    output: Literal["sigmoid", "softmax"] = "sigmoid"
    init: Literal["scaled", "uniform"] = "scaled"
    init_scale: float = 1.0

    def __post_init__(self) -> None:
        if len(self.sizes) < 2:
            raise fail("sizes", self.sizes, "needs at least an input and an output width")
        for i, n in enumerate(self.sizes):
            check_int(f"sizes[{i}]", n, 1)
        check_choice("hidden", self.hidden, ("sigmoid", "relu"))
        check_choice("output", self.output, ("sigmoid", "softmax"))
        check_choice("init", self.init, ("scaled", "uniform"))
        check_range("init_scale", self.init_scale, 0.0, None, lo_open=True)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def activation(self, layer: int) -> str:
        return self.output if layer == self.n_layers - 1 else self.hidden


def init_weights(spec: MLPSpec, *, rng: np.random.Generator) -> list[np.ndarray]:
    """Uniform initial weights ``U(-s, s)`` (see `MLPSpec.init`), float64."""
    out = []
    for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:], strict=True):
        s = spec.init_scale / np.sqrt(n_in) if spec.init == "scaled" else spec.init_scale
        out.append(rng.uniform(-s, s, size=(n_in, n_out)))
    return out


def activate(kind: str, z: np.ndarray) -> np.ndarray:
    """Apply an activation to pre-activations ``z`` (shape ``(batch, n)``)."""
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise fail("activation", kind, "must be sigmoid, relu or softmax")


def _derivative(kind: str, a: np.ndarray) -> np.ndarray:
    """f'(z) written in terms of the activation a = f(z)."""
    if kind == "sigmoid":
        return a * (1.0 - a)
    if kind == "relu":
        return (a > 0.0).astype(a.dtype)
    raise fail("activation", kind, "has no element-wise derivative here")


def forward(spec: MLPSpec, matmuls: Sequence[Matmul], x: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer, input first: ``[x, a_1, ..., a_L]``."""
    acts = [x]
    for layer, mm in enumerate(matmuls):
        acts.append(activate(spec.activation(layer), mm(acts[-1])))
    return acts


def output_delta(spec: MLPSpec, out: np.ndarray, target: np.ndarray) -> np.ndarray:
    """dL/dz at the output for the loss that goes with the output activation."""
    if spec.output == "softmax":
        return out - target
    return (out - target) * out * (1.0 - out)


def backprop(spec: MLPSpec, acts: Sequence[np.ndarray], delta_out: np.ndarray,
             transposed: Sequence[Matmul]) -> list[np.ndarray]:
    """Deltas ``dL/dz`` of every layer, first layer first.

    ``transposed[l](delta)`` must return ``delta @ W_l.T``; ``transposed[0]`` is never called.
    """
    deltas = [delta_out]
    for layer in range(spec.n_layers - 1, 0, -1):
        back = transposed[layer](deltas[0])
        deltas.insert(0, back * _derivative(spec.hidden, acts[layer]))
    return deltas


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    t = np.zeros((len(y), n_classes))
    t[np.arange(len(y)), y] = 1.0
    return t


class FloatMLP:
    """Floating-point MLP trained by (mini-batch) SGD: the software baseline and twin.

    Parameters
    ----------
    spec : MLPSpec
    weights : list of np.ndarray
        Initial weights (e.g. from `init_weights`; copied). The crossbar MLP built from the same
        weights starts from the same function, so the two can be compared step by step.
    """

    def __init__(self, spec: MLPSpec, weights: Sequence[np.ndarray]) -> None:
        if len(weights) != spec.n_layers:
            raise fail("weights", len(weights), f"need {spec.n_layers} matrices")
        for i, (w, n_in, n_out) in enumerate(zip(weights, spec.sizes[:-1], spec.sizes[1:],
                                                 strict=True)):
            if w.shape != (n_in, n_out):
                raise fail(f"weights[{i}].shape", w.shape, f"must be {(n_in, n_out)}")
        self.spec = spec
        self.weights = [np.array(w, dtype=np.float64) for w in weights]

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        return forward(self.spec, [w.__rmatmul__ for w in self.weights], x)

    def gradients(self, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        """Batch-mean gradients dL/dW for inputs ``x`` (batch, n_in) and labels ``y`` (batch,)."""
        acts = self.forward(x)
        delta = output_delta(self.spec, acts[-1], one_hot(y, self.spec.sizes[-1]))
        deltas = backprop(self.spec, acts, delta, [w.T.__rmatmul__ for w in self.weights])
        return [a.T @ d / len(x) for a, d in zip(acts[:-1], deltas, strict=True)]

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: Sequence[float]) -> None:
        """One SGD step with per-layer learning rates ``lr``."""
        for w, g, eta in zip(self.weights, self.gradients(x, y), lr, strict=True):
            w -= eta * g

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class per row of ``x``."""
        return self.forward(x)[-1].argmax(axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(x) == y))
