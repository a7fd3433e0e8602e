"""Device-pulse updates per second for 10^6 devices, numpy and torch, one core.

    .venv/bin/python benchmarks/devices.py [--devices N] [--repeats R]

Each update applies a signed pulse count (uniform in [-8, 8]) to every device of the array in one
call. Rows: the family's physics alone (`devices.step`, noise-free), and `DeviceArray.apply_pulses`
(physics + pulse/energy accounting, with and without cycle-to-cycle noise). Goal (issue 3): at
least 3e7 updates/s for the NeuroSim family.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import dataclasses
import time

import numpy as np
import torch

from devices import PRESETS, DeviceArray, SoftBoundsResponse, Variability, step

GOAL = 3e7


def rate(fn, n: int, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = args.devices
    rng = np.random.default_rng(0)
    pulses = rng.integers(-8, 9, n)
    pulses_f = pulses.astype(np.float64)
    soft = dataclasses.replace(PRESETS["epiram"], response=SoftBoundsResponse(
        g_min=1e-7, g_max=1e-5, levels=100, beta_ltp=3.0, beta_ltd=3.0))
    devices = {"neurosim (ag-a-si)": PRESETS["ag-a-si"], "softbounds": soft,
               "linear (pcmo-babu)": PRESETS["pcmo-babu"]}
    rows = []
    for label, dev in devices.items():
        quiet = dataclasses.replace(dev, variability=Variability())
        arr = DeviceArray(quiet, (n,), rng=rng, g0="mid")
        g, p = arr.g.copy(), arr.params
        rows.append((label, "numpy step (physics)",
                     lambda r=quiet.response, g=g, p=p: step(r, g, pulses_f, p)))
        rows.append((label, "numpy apply_pulses", lambda a=arr: a.apply_pulses(pulses, rng=None)))
        noisy = DeviceArray(dev, (n,), rng=rng, g0="mid")
        rows.append((label, "numpy apply_pulses + C2C",
                     lambda a=noisy: a.apply_pulses(pulses, rng=rng)))
        for dtype in (torch.float64, torch.float32):
            tg = torch.as_tensor(g, dtype=dtype)
            tn = torch.as_tensor(pulses_f, dtype=dtype)
            tp = {k: torch.as_tensor(v, dtype=dtype) if np.ndim(v) else v for k, v in p.items()}
            rows.append((label, f"torch step {str(dtype)[6:]}",
                         lambda r=quiet.response, tg=tg, tn=tn, tp=tp: step(r, tg, tn, tp)))
    # Warm up every path first: the allocator settles (large temporaries stop being mmap'd
    # and page-faulted on every call) before anything is timed.
    for _ in range(3):
        for *_, fn in rows:
            fn()
    rows = [(family, path, rate(fn, n, args.repeats)) for family, path, fn in rows]
    print(f"{n:,} devices, one core, best of {args.repeats}; goal {GOAL:.0e} updates/s")
    print(f"{'family':<20} {'path':<28} {'updates/s':>12} {'x goal':>7}")
    for family, path, r in rows:
        print(f"{family:<20} {path:<28} {r:12.3e} {r / GOAL:7.2f}")


if __name__ == "__main__":
    main()
