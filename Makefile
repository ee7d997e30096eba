# The two commands of the README's quick start are `make run` and `make test`; each sets itself up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system run test lint bench bench-validate bench-run bench-letters bench-batch clean

setup: $(STAMP) system

# A fresh virtual environment with the pinned packages, remade when the pins change.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# The CJK font, HarfBuzz's subsetting library and poppler-utils (see scripts/setup-system.sh).
system:
	@sh scripts/setup-system.sh

# Exit status 1 means "issues with severity error were found and written": the run itself worked.
run: setup
	$(BIN)/salesbook run workbooks -o output || [ $$? -eq 1 ]

test: setup
	$(BIN)/python -m pytest

# ruff's rules and formatting, then mypy over salesbook/ (its settings: [tool.mypy] in pyproject.toml).
lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Every benchmark, one after another (long: see bench/README.md for each one's method and figures).
bench: bench-validate bench-run bench-letters bench-batch

bench-validate: setup
	$(BIN)/python bench/bench_validate.py

bench-run: setup
	$(BIN)/python bench/bench_run.py

bench-letters: setup
	$(BIN)/python bench/bench_letters.py

# The whole monthly run at 100, 1000 and 5000 reps against its bare steps (long: see bench/README.md).
bench-batch: setup
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache
