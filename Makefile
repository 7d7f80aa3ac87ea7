# The two commands a planner needs (README.md): `make demo` and `make test`.
# Both create .venv on first use and install demandsim into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	@echo "installing demandsim and its dependencies into $(VENV) (a few minutes the first time)"
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

## Run the shipped default scenario, print its headline results, write its panel report
## (`demandsim demo`: configs/demo.yaml with records into results/demo, then report.html).
demo: $(STAMP)
	$(BIN)/demandsim demo

## Debian's Chromium, for the report's browser test and PNG export (installed as root
## when missing; otherwise those tests are skipped and say why).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the report tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

## Run the test suite (fast tests; slow statistical tests with `make test-slow`).
test: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n 2

## Every test, including the long statistical ones.
test-slow: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n 2 -m "slow or not slow"

## Style checks.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks: writes benchmarks/results.md and benchmarks/results.json. They run in a
## venv of their own, .venv-bench, with the `bench` extra (Ciw): Ciw's wheel installs a
## top-level `tests` package that must not sit beside the test suite's.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .ruff_cache .hypothesis
