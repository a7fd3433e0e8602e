"""``neuro devices ...``: list, show, plot, curve and fit device presets or device files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["add_parser"]


def _curve(device, n: int, direction: str, seed: int | None) -> np.ndarray:
    """Conductance after each of ``n`` pulses from G_min (ltp) or G_max (ltd)."""
    from devices import DeviceArray

    rng = np.random.default_rng(seed) if seed is not None else None
    if device.variability.c2c and rng is None:
        import dataclasses

        from devices import Variability

        device = dataclasses.replace(device, variability=Variability())
    arr = DeviceArray(device, (1,), rng=np.random.default_rng(0 if seed is None else seed),
                      g0="min" if direction == "ltp" else "max")
    sign = 1 if direction == "ltp" else -1
    out = np.empty(n)
    for k in range(n):
        out[k] = arr.apply_pulses(np.array([sign]), rng=rng)[0]
    return out


def _cmd_list(args) -> int:
    from devices import PRESETS

    rows = [d.summary() for d in PRESETS.values()]
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols).rstrip())
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in cols).rstrip())
    return 0


def _cmd_show(args) -> int:
    from devices import device_to_dict, get_device, to_toml

    print(to_toml(device_to_dict(get_device(args.device))), end="")
    return 0


def _cmd_curve(args) -> int:
    from devices import get_device
    from devices.errors import check_int

    device = get_device(args.device)
    check_int("--pulses", args.pulses, 1)
    g = _curve(device, args.pulses, args.direction, args.seed)
    if args.json:
        print(json.dumps({"device": device.name, "direction": args.direction,
                          "seed": args.seed, "unit": "S", "g": g.tolist()}))
    else:
        for k, value in enumerate(g, start=1):
            print(f"{k} {value:.9g}")
    return 0


def _cmd_plot(args) -> int:
    from devices import get_device
    from scenarios._plotting import plt, save_figure

    device = get_device(args.device)
    r = device.response
    scale, unit = (1e9, "nS") if device.g_max < 1e-6 else (1e6, "uS")
    fig, ax = plt.subplots(figsize=(6, 4))
    n_ltp = getattr(r, "levels_ltp", getattr(r, "levels", 2))
    n_ltd = getattr(r, "levels_ltd", getattr(r, "levels", 2))
    if device.family == "linear":
        n_ltp = n_ltd = min(r.levels - 1, 2000)
    for direction, n, x0, color in (("ltp", n_ltp, 0, "C0"), ("ltd", n_ltd, n_ltp, "C3")):
        x = x0 + np.arange(1, n + 1)
        ax.plot(x, _curve(device, n, direction, None) * scale, color=color,
                label=direction.upper())
        if device.variability.c2c:
            runs = np.stack([_curve(device, n, direction, args.seed + k) for k in range(100)])
            lo, hi = np.percentile(runs, [5, 95], axis=0) * scale
            ax.fill_between(x, lo, hi, color=color, alpha=0.25,
                            label=f"C2C {100 * device.variability.c2c:g}%: 5-95% of 100 runs")
    ax.set_xlabel("pulse number")
    ax.set_ylabel(f"conductance ({unit})")
    ax.set_title(f"{device.name}: {device.source.split(';')[0]}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    print(save_figure(fig, Path(args.out)))
    return 0


def _cmd_fit(args) -> int:
    import dataclasses

    from devices import Device, PulseSpec, device_to_dict, to_toml
    from devices.fitting import curves, fit, read_pulse_csv
    from scenarios._plotting import plt, save_figure

    data = read_pulse_csv(args.data)
    result = fit(data, args.family)
    v = [float(x) for x in args.pulse.split(",")]
    if len(v) != 4:
        from devices.errors import fail

        raise fail("--pulse", args.pulse, "needs V_LTP,WIDTH_LTP,V_LTD,WIDTH_LTD")
    device = Device(name=Path(args.data).stem, response=result.response,
                    variability=result.variability,
                    pulse=PulseSpec(v_ltp=v[0], width_ltp=v[1], v_ltd=v[2], width_ltd=v[3]),
                    source=f"fitted to {Path(args.data).name} (neuro devices fit, "
                           f"family {args.family})",
                    notes=f"RMS fit error {100 * result.rms_error:.2f}% of the window; C2C "
                          "estimated from one-step residuals; pulse amplitudes/widths from "
                          "--pulse.")
    print(to_toml(device_to_dict(dataclasses.replace(device))), end="")
    print(f"# fit error (RMS): {100 * result.rms_error:.3f}% of G_max - G_min")
    print(f"# cycle-to-cycle sigma (one-step residuals): {100 * result.c2c:.3f}%")
    ltp, ltd = curves(result.response, len(data.g_ltp) - 1, len(data.g_ltd) - 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    k1, k2 = np.arange(len(ltp)), len(ltp) - 1 + np.arange(len(ltd))
    ax.plot(k1, data.g_ltp * 1e6, ".", color="C0", label="LTP data")
    ax.plot(k2, data.g_ltd * 1e6, ".", color="C3", label="LTD data")
    ax.plot(k1, ltp * 1e6, "-", color="k", label=f"{args.family} fit")
    ax.plot(k2, ltd * 1e6, "-", color="k")
    ax.set_xlabel("pulse number")
    ax.set_ylabel("conductance (uS)")
    ax.set_title(f"{Path(args.data).name}: RMS error {100 * result.rms_error:.2f}%")
    ax.legend(fontsize=8)
    out = Path(args.out) if args.out else Path(args.data).with_name(
        Path(args.data).stem + "-fit.png")
    print(f"# plot: {save_figure(fig, out)}")
    return 0


def add_parser(sub) -> None:
    """Register ``neuro devices`` and its subcommands on an argparse subparsers object."""
    p = sub.add_parser("devices", help="device presets: list, show, plot, curve, fit",
                       description="Device presets and device files (.toml/.json).")
    dsub = p.add_subparsers(dest="devices_command", required=True, metavar="SUBCOMMAND")

    q = dsub.add_parser("list", help="table of presets", description="Table of presets.")
    q.set_defaults(func=_cmd_list)

    q = dsub.add_parser("show", help="a preset as TOML", description="Print a device as TOML.")
    q.add_argument("device", help="preset name or .toml/.json file")
    q.set_defaults(func=_cmd_show)

    q = dsub.add_parser("plot", help="LTP/LTD curves with the C2C band",
                        description="Plot LTP/LTD pulse-response curves with the C2C spread.")
    q.add_argument("device", help="preset name or .toml/.json file")
    q.add_argument("--out", required=True, help="PNG file")
    q.add_argument("--seed", type=int, default=0, help="seed of the C2C band runs")
    q.set_defaults(func=_cmd_plot)

    q = dsub.add_parser("curve", help="conductance after each pulse",
                        description="Conductance [S] after each of N pulses from G_min (ltp) "
                                    "or G_max (ltd); noise-free unless --seed is given.")
    q.add_argument("device", help="preset name or .toml/.json file")
    q.add_argument("--pulses", type=int, required=True, help="number of pulses N")
    q.add_argument("--direction", choices=("ltp", "ltd"), required=True)
    q.add_argument("--seed", type=int, help="seed: adds cycle-to-cycle noise")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_cmd_curve)

    q = dsub.add_parser("fit", help="fit a family to measured pulse-response data",
                        description="Fit a family to CSV rows: pulse, conductance, direction "
                                    "(ltp|ltd). Prints the fitted preset as TOML and the fit "
                                    "error; writes a plot of data vs fit.")
    q.add_argument("data", help="CSV file")
    q.add_argument("--family", choices=("neurosim", "softbounds", "linear"), required=True)
    q.add_argument("--out", help="plot file (default DATA-fit.png)")
    q.add_argument("--pulse", default="1,1e-6,-1,1e-6",
                   help="V_LTP,WIDTH_LTP,V_LTD,WIDTH_LTD of the measurement [V, s]")
    q.set_defaults(func=_cmd_fit)
