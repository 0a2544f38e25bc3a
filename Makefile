# scslab: `make demo` and `make test` are all a new user needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,sensitivity,report,dashboard,optimize]'
	@touch $(STAMP)

# The whole regime on 2 million people for a year, 5 seeds, each beside its counterfactual,
# every measure with its 95% interval: about two minutes.
demo: $(STAMP)
	$(BIN)/scslab run full-regime --baseline --replicates 5 --set params.population.size=2000000 --out runs/demo --force --report
	@echo "report: open runs/demo/report.html in a browser (figures in runs/demo/figures/)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/scslab/engine src/scslab/scenario src/scslab/population src/scslab/regime src/scslab/metrics src/scslab/models

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# Benchmarks print tables; they are never timed assertions (see docs/benchmarks.md).
# The regime row at 10^8 people needs ~13 GiB of memory (skipped, with a message,
# where estimate_bytes says it does not fit) and a few minutes.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/regime_bench.py --sizes 1000000 10000000 100000000 --steps 365 30 5
	$(BIN)/python benchmarks/sweep_bench.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
