"""The ``neuro`` command line.

    neuro list                          scenarios (and data sets) with one-line descriptions
    neuro run SCENARIO [--quick] [--dataset NAME] [--seed N] [--out DIR] [--set key=value ...]
    neuro demo [--out DIR]              the main job's quick config on the embedded data
    neuro devices list|show|plot|curve|fit   device presets and files (see neuro.cli_devices)

Bad input (unknown scenario or ``--set`` key, a value of the wrong type, a missing data set)
prints one line starting with ``error:`` and exits with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from neuro.errors import USER_ERRORS

__all__ = ["main"]

def _cmd_list(args: argparse.Namespace) -> int:
    import scenarios
    from neuro.data import DATASETS

    print("scenarios:")
    width = max(map(len, scenarios.REGISTRY))
    for name, (_, desc) in scenarios.REGISTRY.items():
        star = "  (main job)" if name == scenarios.MAIN_JOB else ""
        print(f"  {name:<{width}}  {desc}{star}")
    print("data sets:")
    width = max(map(len, DATASETS))
    for name, desc in DATASETS.items():
        print(f"  {name:<{width}}  {desc}")
    return 0


def _build_config(module, args: argparse.Namespace):
    from scenarios._core import apply_overrides

    cfg = module.QUICK if args.quick else module.Config()
    overrides = list(args.set or [])
    if args.dataset is not None:
        overrides.append(f"dataset={args.dataset}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    return apply_overrides(cfg, overrides)


def _run_scenario(name: str, args: argparse.Namespace) -> int:
    import scenarios
    from scenarios._core import execute

    module = scenarios.get(name)
    cfg = _build_config(module, args)
    out = Path(args.out) if args.out else Path("results") / name
    if not args.quiet:
        changed = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)
                   if getattr(cfg, f.name) != getattr(module.Config(), f.name)}
        print(f"running {name} ({'quick' if args.quick else 'full'} config"
              + (f", changed: {changed}" if changed else "") + ")", flush=True)
    result, figures = execute(module, name, cfg, out_dir=out, data_dir=args.data_dir,
                              progress=not args.quiet)
    print(f"result:  {out / 'result.json'}  ({result.elapsed_s:.1f} s)")
    for key, value in result.metrics.items():
        print(f"  {key} = {value:.4g}" if isinstance(value, float) else f"  {key} = {value}")
    for fig in figures:
        print(f"figure:  {fig}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    return _run_scenario(args.scenario, args)


def _cmd_demo(args: argparse.Namespace) -> int:
    import scenarios

    args.quick, args.dataset, args.seed, args.set = True, None, None, []
    args.out = args.out or "results/demo"
    return _run_scenario(scenarios.MAIN_JOB, args)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="output directory (default results/SCENARIO)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="data directory (default $NEURO_DATA_DIR, then the user cache)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuro", description="Memristive neuromorphic hardware simulator.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list scenarios and data sets",
                       description="List scenarios and data sets.")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="run a scenario", description="Run a scenario.")
    p.add_argument("scenario", help="scenario name (see `neuro list`)")
    p.add_argument("--quick", action="store_true", help="the small config (tests, demo)")
    p.add_argument("--dataset", metavar="NAME", help="data set (mnist, mnist-5k, digits)")
    p.add_argument("--seed", metavar="N", help="random seed")
    p.add_argument("--set", metavar="KEY=VALUE", action="append",
                   help="override a config field (repeatable; tuples as comma lists)")
    _add_run_options(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("demo", help="run the main job's quick config",
                       description="Run the main job's quick config on the embedded data.")
    _add_run_options(p)
    p.set_defaults(func=_cmd_demo)

    from neuro import cli_devices

    cli_devices.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuro`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted (finished work is in result.partial.json)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

