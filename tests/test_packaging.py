"""environment.yml (conda) and pyproject.toml (pip) must name the same packages and pins."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI
CONDA_ONLY = {"python", "pip"}


def _split(req: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*?)\s*", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["test"]
    return dict(_split(r) for r in reqs)


def conda_pins() -> tuple[dict[str, str], list[str], str]:
    """(conda packages -> pin, pip entries, python pin) from environment.yml (simple YAML)."""
    pins, pip_entries, python = {}, [], ""
    section = None
    for raw in (REPO / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.split(":")[0]
            continue
        item = line.strip()
        if section != "dependencies" or not item.startswith("- "):
            continue
        item = item[2:].strip()
        if raw.startswith("      -"):  # nested under "- pip:"
            pip_entries.append(item)
        elif item == "pip:":
            continue
        else:
            name, pin = _split(item)
            if name == "python":
                python = pin
            elif name not in CONDA_ONLY:
                pins[CONDA_TO_PIP.get(name, name)] = pin
    return pins, pip_entries, python


def _normalise(pin: str) -> str:
    # Exact pins are written "==" in both files; order of clauses does not matter.
    return ",".join(sorted(pin.split(","))) if pin else ""


def test_same_packages_and_pins() -> None:
    pip = pyproject_pins()
    conda, pip_entries, python = conda_pins()
    assert set(conda) == set(pip), (
        f"only in environment.yml: {sorted(set(conda) - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}")
    for name in pip:
        assert _normalise(conda[name]) == _normalise(pip[name]), (
            f"{name}: environment.yml pins {conda[name]!r}, pyproject.toml pins {pip[name]!r}")
    assert pip_entries == ["-e ."], pip_entries
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python == "=3.11" and "3.11" in requires


def test_required_pins_present() -> None:
    pins = pyproject_pins()
    assert pins["torch"] == "==2.13.0"
    assert pins["brian2"] == ">=2.9,<2.10"
    assert pins["numpy"] == ">=1.26,<2.4"
    assert pins["snntorch"] == ">=1.0,<1.1"
