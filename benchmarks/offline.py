"""Time per epoch of device-aware vs plain snnTorch training, 784-100-10, T = 25, one thread.

    .venv/bin/python benchmarks/offline.py [--samples N] [--device NAME]

Both trainings run the same code (`neuro.snn`), the plain one with every device effect off
(`DeviceAware.ideal`), the device-aware one with window clipping, the device's reachable
conductance levels (straight-through), programming noise and its I-V shape. Measured side by
side in one run on the same data; the epoch time is extrapolated from N samples.
Goal (issue 6): device-aware at most 1.3x plain.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import time

import torch

from devices import get_device
from learning_rules.device_aware import DeviceAware, make_transforms
from neuro import data
from neuro.lif import LIFParams
from neuro.snn import SNN, SNNSpec, train_snn

GOAL = 1.3


def timed_epoch(device, aware: DeviceAware, x, y, n_train: int) -> float:
    gen = torch.Generator().manual_seed(0)
    spec = SNNSpec(sizes=(784, 100, 10), lif=LIFParams(tau=20e-3, dt=1e-3), n_steps=25)
    wt, it = make_transforms(device, aware, generator=gen)
    model = SNN(spec, generator=gen, weight_transform=wt, input_transform=it)
    t0 = time.perf_counter()
    train_snn(model, x, y, epochs=1, batch=128, lr=2e-3, generator=gen)
    return (time.perf_counter() - t0) * n_train / len(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--device", default="epiram")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    try:
        ds = data.load("mnist")
    except data.DataError:
        ds = data.load("mnist-5k")
    ds = data.flatten(data.scale01(ds))
    x, y = ds.x_train[: args.samples], ds.y_train[: args.samples]
    device = get_device(args.device)
    aware = DeviceAware(w_max=1.0, programming_noise=0.01)
    timed_epoch(device, aware, x[:512], y[:512], 512)  # warm-up: first calls, allocator
    plain, dev = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine state
        plain.append(timed_epoch(device, DeviceAware.ideal(), x, y, len(ds.x_train)))
        dev.append(timed_epoch(device, aware, x, y, len(ds.x_train)))
    p, d = min(plain), min(dev)
    print(f"784-100-10, T=25, batch 128, one thread, {len(ds.x_train)} samples per epoch "
          f"(timed on {args.samples})")
    print(f"plain snnTorch:        {p:7.1f} s/epoch")
    print(f"device-aware ({args.device}): {d:7.1f} s/epoch")
    print(f"ratio: {d / p:.2f}   (goal <= {GOAL})")


if __name__ == "__main__":
    main()
