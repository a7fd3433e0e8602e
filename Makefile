# Two commands set everything up on a fresh machine:
#   make demo   -- creates .venv when missing or stale, installs, runs the main job
#   make test   -- creates .venv likewise, runs the default test suite
# The virtual environment is rebuilt when pyproject.toml changes or its Python is broken.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_OUT ?= results/demo
PYTEST_ARGS ?=
# Tests that need full MNIST read it from here (skipped when absent).
export NEURO_DATA_DIR ?= $(if $(wildcard ../shared/data/mnist),$(abspath ../shared/data),)

.PHONY: demo test lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -x $(VPY) ] && ! $(VPY) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then \
	    echo "make: $(VENV) is broken or not Python 3.11; recreating"; rm -rf $(VENV); fi
	@[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/neuro demo --out $(DEMO_OUT)

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
test: $(STAMP)
	@$(VPY) -m pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing"; exit 1; fi; \
	exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(VPY) $$b || exit 1; done

clean:
	rm -rf $(VENV) results .pytest_cache
