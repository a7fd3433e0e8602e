from __future__ import annotations

import numpy as np

from neuro.mlp import FloatMLP, MLPSpec, init_weights
from scenarios import software_mlp
from scenarios._core import RunContext


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    for output in ("sigmoid", "softmax"):
        for hidden in ("sigmoid", "relu"):
            spec = MLPSpec(sizes=(5, 4, 3), hidden=hidden, output=output, init_scale=2.0)
            model = FloatMLP(spec, init_weights(spec, rng=rng))
            x, y = rng.random((6, 5)), rng.integers(0, 3, 6)

            def loss(m=model, x=x, y=y, output=output):
                a = m.forward(x)[-1]
                t = np.eye(3)[y]
                if output == "softmax":
                    return float(-np.sum(t * np.log(a)) / len(x))
                return float(0.5 * np.sum((a - t) ** 2) / len(x))

            grads = model.gradients(x, y)
            for w, g in zip(model.weights, grads, strict=True):
                num = np.zeros_like(w)
                for i in np.ndindex(w.shape):
                    old = w[i]
                    w[i] = old + 1e-6
                    up = loss()
                    w[i] = old - 1e-6
                    down = loss()
                    w[i] = old
                    num[i] = (up - down) / 2e-6
                np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_quick_config_learns_mnist_5k() -> None:
    result = software_mlp.run(software_mlp.QUICK, RunContext(progress=False))
    acc = result.history["test_accuracy"]
    assert len(acc) == software_mlp.QUICK.epochs
    assert acc[-1] > 0.85 and acc[-1] >= acc[0] - 0.02
    assert result.metrics["n_test"] == 1000
