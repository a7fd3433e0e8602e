"""Synaptic events per second of the Brian2 evaluation engine, 784 -> 100 memristive synapses.

    .venv/bin/python benchmarks/brian_events.py [--samples N] [--steps T] [--chunk C]

One feed-forward layer of 784 x 100 EpiRAM conductance pairs (drawn at random in the window,
with the device's drift-free read code in ``on_pre``) and 100 LIF neurons, evaluated on MNIST
test images (full set from $NEURO_DATA_DIR, else the embedded subset) encoded as Bernoulli
rasters of T steps. ``cpp_standalone``, one thread: the network is compiled once and every chunk
of samples is a new run of the same binary with new inputs (``run_args``). Prints events/s and the
number of compilations (must be 1). Goal (issue 5): >= 5e7 events/s on one core.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import time

import numpy as np

from devices import DeviceArray, get_device
from neuro import data
from neuro.brian import Evaluator, SynapseLayer
from neuro.encoding import bernoulli
from neuro.lif import LIFParams

GOAL = 5e7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--chunk", type=int, default=2000)
    args = parser.parse_args()
    try:
        ds = data.load("mnist")
    except data.DataError:
        ds = data.load("mnist-5k")
    ds = data.flatten(data.scale01(ds))
    n = min(args.samples, len(ds.x_test))
    rng = np.random.default_rng(0)
    dev = get_device("epiram")
    pos = DeviceArray(dev, (784, 100), rng=rng, g0="min")
    neg = DeviceArray(dev, (784, 100), rng=rng, g0="min")
    pos.g = rng.uniform(dev.g_min, dev.g_max, pos.shape)
    neg.g = rng.uniform(dev.g_min, dev.g_max, neg.shape)
    layer = SynapseLayer(pos=pos, neg=neg, w_scale=0.2 / (dev.g_max - dev.g_min))
    lif = LIFParams(tau=20e-3, dt=1e-3)
    raster = bernoulli(ds.x_test[:n], args.steps, rng=rng)
    t0 = time.perf_counter()
    ev = Evaluator([layer], lif, n_steps=args.steps, chunk=args.chunk, target="cpp_standalone")
    build_s = time.perf_counter() - t0
    res = ev.run(raster, labels=ds.y_test[:n])
    ev.close()
    rate = res.synaptic_events / res.wall_s
    print(f"{ds.name}: {n} samples x {args.steps} steps, 784 -> 100, cpp_standalone, one thread")
    print(f"compilations: {ev.compilations}   build: {build_s:.1f} s   runs: {res.wall_s:.2f} s "
          f"({res.wall_s / n * 1e3:.3f} ms/sample)")
    print(f"synaptic events: {res.synaptic_events:.3e}   events/s: {rate:.3e}   "
          f"x goal ({GOAL:.0e}): {rate / GOAL:.2f}")


if __name__ == "__main__":
    main()
