# The two commands a planner needs (README.md): `make demo` and `make test`.
# Both create .venv on first use and install demandsim into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the shipped default scenario and print its headline results.
demo: $(STAMP)
	$(BIN)/demandsim run configs/demo.yaml --out results/demo

## Run the test suite (fast tests; slow statistical tests with `make test-slow`).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

## Every test, including the long statistical ones.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "slow or not slow"

## Style checks.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks: writes benchmarks/results.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
