# scslab: `make demo` and `make test` are all a new user needs.

# The newest Python >= 3.11 on the PATH that runs (a pyenv shim can name a version
# that is installed but not active: it is skipped). PYTHON=/path/to/python overrides.
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
PY_OK := import sys; sys.exit(sys.version_info < (3, 11))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in $(PYTHON_CANDIDATES); do \
	$$p -c '$(PY_OK)' >/dev/null 2>&1 && { command -v $$p; break; }; done)
endif
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench calibrate calibrate-firms clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: scslab needs Python 3.11 or newer; none of $(PYTHON_CANDIDATES) on the PATH is one. Install Python 3.11, 3.12 or 3.13, or set PYTHON=/path/to/python3.11-or-newer"; exit 1; }
	@$(PYTHON) -c '$(PY_OK)' >/dev/null 2>&1 || { echo "error: PYTHON=$(PYTHON) is not a Python 3.11 or newer that runs; scslab needs one (set PYTHON=/path/to/python3.11-or-newer)"; exit 1; }
	@echo "using $(PYTHON) ($$($(PYTHON) --version 2>&1)) for $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,sensitivity,report,dashboard,optimize,calibrate]'
	@touch $(STAMP)

# The whole regime on 2 million people for a year, 5 seeds, each beside its counterfactual,
# every measure with its 95% interval: about two and a half minutes (README).
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
# The regime row at 10^8 people needs ~15.1 GiB of memory (estimate 17.2 GB: skipped,
# with a message, where estimate_bytes says it does not fit) and ~3 minutes.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/regime_bench.py --sizes 1000000 10000000 100000000 --steps 365 30 5
	$(BIN)/python benchmarks/sweep_bench.py

# The court blacklist's history fitted to the public figures up to 2018 (docs/calibration.md):
# about 30 minutes on 2 cores. Not part of `make test`; its held-out check is stored in
# tests/experiments/data/ for tests/experiments/test_calibrate_heldout.py.
calibrate: $(STAMP)
	$(BIN)/scslab calibrate court-blacklist-history \
	  --targets src/scslab/scenario/targets/court-blacklist-history.yaml \
	  --out runs/calibrate --budget 600 --particles 80 --draws 40 --workers 2 --report
	$(BIN)/python -m scslab.experiments.calibrate runs/calibrate \
	  tests/experiments/data/court-blacklist-history-calibration.json

# The firm tax grades (A 4.89 %, D 7.01 % in tax year 2018) fitted on `firm-credit`
# (docs/calibration.md, "The firm grades"): firm violation rate and points per firm record,
# 30,000 people (900 firms), about 20 minutes on 2 shared cores. Not part of `make test`.
calibrate-firms: $(STAMP)
	$(BIN)/scslab calibrate firm-credit \
	  --targets src/scslab/scenario/targets/firm-ratings.yaml \
	  --out runs/calibrate-firms --budget 330 --particles 30 --draws 20 --workers 2 --report

clean:
	rm -rf $(VENV) .venv-3.13 runs .pytest_cache .mypy_cache .ruff_cache
