"""Wall time of the full `dbn` scenario for one device on 2 cores.

    .venv/bin/python benchmarks/dbn.py [--device NAME] [--jobs 2] [--set KEY=VALUE ...]

Runs `scenarios.dbn` with its full config (784-500-500-(500+10)-2000, all of MNIST from
``$NEURO_DATA_DIR``) restricted to one device: the software DBN, the threshold rule and the
every-batch baseline, ``--jobs`` of them at a time (one thread each), and prints the wall time
of the whole scenario and of each run. Goal (issue 7): under 30 minutes.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import time

from scenarios import dbn
from scenarios._core import RunContext, apply_overrides

GOAL_S = 30 * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="epiram")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    cfg = apply_overrides(dbn.Config(), [f"devices={args.device}", f"jobs={args.jobs}",
                                         *args.set])
    t0 = time.perf_counter()
    result = dbn.run(cfg, RunContext(progress=False))
    wall = time.perf_counter() - t0
    for r in result.rows:
        print(f"{r['device']:>10} {r['rule']:>12}: {r['wall_s']:8.1f} s  accuracy "
              f"{100 * r['accuracy']:.2f}%  pulses {r['pulses']:.3g}")
    print(f"dbn scenario, one device ({args.device}), jobs={args.jobs}: {wall:.1f} s wall "
          f"(goal < {GOAL_S} s: {wall / GOAL_S:.2f} of the goal)")


if __name__ == "__main__":
    main()
