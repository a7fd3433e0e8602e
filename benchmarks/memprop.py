"""Training time per epoch of the MIF network (MEMprop) against the LIF network, in one run.

    .venv/bin/python benchmarks/memprop.py [--n-train 60000] [--hidden 200] [--n-steps 25]
                                           [--substeps 4]

Both networks have the same size (784-hidden-10), batch, inputs and number of neuron time steps
per sample: the MIF network runs ``n_steps`` network steps of ``substeps`` MIF steps, the snnTorch
LIF network ``n_steps * substeps`` steps. One epoch of ``--n-train`` MNIST images each (from
``$NEURO_DATA_DIR``; ``mnist-5k`` if absent), one thread. Goal (issue 8): MIF at most 2x LIF.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import time

import torch

from neuro import data
from neuro.lif import LIFParams
from neuro.mif import MIFNet, MIFNetSpec, train_mif
from neuro.snn import SNN, SNNSpec, train_snn

GOAL = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=60_000)
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--n-steps", type=int, default=25)
    parser.add_argument("--substeps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    name = "mnist" if data.find_mnist_dir() is not None else "mnist-5k"
    ds = data.flatten(data.scale01(data.load(name)))
    n = min(args.n_train, len(ds.x_train))
    x, y = ds.x_train[:n], ds.y_train[:n]
    sizes = (784, args.hidden, 10)
    steps = args.n_steps * args.substeps
    mif = MIFNet(MIFNetSpec(sizes=sizes, n_steps=args.n_steps, substeps=args.substeps),
                 generator=torch.Generator().manual_seed(0))
    lif = SNN(SNNSpec(sizes=sizes, lif=LIFParams(tau=20e-3, dt=1e-3), n_steps=steps),
              generator=torch.Generator().manual_seed(0))
    times = {}
    for label, fn in (
            ("MIF", lambda: train_mif(mif, x, y, epochs=1, batch=args.batch, lr=2e-3,
                                      generator=torch.Generator().manual_seed(1))),
            ("LIF", lambda: train_snn(lif, x, y, epochs=1, batch=args.batch, lr=2e-3,
                                      generator=torch.Generator().manual_seed(1)))):
        t0 = time.perf_counter()
        fn()
        times[label] = time.perf_counter() - t0
        print(f"{label}: {times[label]:8.1f} s per epoch of {n} {name} images "
              f"({1e3 * times[label] / n:.2f} ms per image), {steps} neuron steps per image")
    ratio = times["MIF"] / times["LIF"]
    print(f"MIF / LIF training time per epoch: {ratio:.2f} (goal <= {GOAL:g}: "
          f"{'met' if ratio <= GOAL else 'not met'})")


if __name__ == "__main__":
    main()
