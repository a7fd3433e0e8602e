"""Wall time of the full `dbn` scenario for one device on 2 cores.

    .venv/bin/python benchmarks/dbn.py [--device NAME] [--jobs 2] [--set KEY=VALUE ...]
    .venv/bin/python benchmarks/dbn.py --precision [--device NAME] [--images 6000]

Runs `scenarios.dbn` with its full config (784-500-500-(500+10)-2000, all of MNIST from
``$NEURO_DATA_DIR``) restricted to one device: the software DBN, the threshold rule and the
every-batch baseline, ``--jobs`` of them at a time (one thread each), and prints the wall time
of the whole scenario and of each run. Goal (issue 7): under 30 minutes.

``--precision``: times one epoch of pre-training and one of up-down fine-tuning on ``--images``
images with the threshold rule, crossbar reads in float64 and in float32 side by side (same
seed; one core), and prints the ratio.
"""

from __future__ import annotations

import _setup  # noqa: F401  (first: threads, import path)

import argparse
import time

from scenarios import dbn
from scenarios._core import RunContext, apply_overrides

GOAL_S = 30 * 60


def precision_ratio(device: str, n_images: int) -> None:
    import numpy as np

    from devices import get_device
    from learning_rules import ThresholdUpdate
    from neuro import data
    from neuro.crossbar import CrossbarSpec
    from neuro.rbm import DBN, DBNSpec, train_dbn

    ds = data.flatten(data.binarize(data.scale01(data.load("mnist"))))
    x, y = ds.x_train[:n_images], ds.y_train[:n_images]
    times = {}
    for precision in ("float64", "float32"):
        rng = np.random.default_rng(0)
        model = DBN(DBNSpec(sizes=dbn.Config().sizes), device=get_device(device), rng=rng,
                    crossbar=CrossbarSpec(mapping="pair", w_max=2.0, read_precision=precision))
        rule = ThresholdUpdate(threshold=dbn.Config().threshold)
        t0 = time.perf_counter()
        train_dbn(model, x, y, rule, 1.0, epochs=1, batch=100, rng=rng)
        model.finetune(x, y, rule, dbn.Config().finetune_scale, epochs=1, batch=100, k=3, rng=rng)
        times[precision] = time.perf_counter() - t0
        print(f"{precision} reads: {times[precision]:.2f} s ({model.pulses:.4g} pulses)")
    print(f"float64 / float32 time ({device}, {n_images} images, one core): "
          f"{times['float64'] / times['float32']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="epiram")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--precision", action="store_true",
                        help="compare float64 and float32 crossbar reads instead")
    parser.add_argument("--images", type=int, default=6000)
    args = parser.parse_args()
    if args.precision:
        precision_ratio(args.device, args.images)
        return
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
