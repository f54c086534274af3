# The two commands of the README:
#   make book   - create .venv if missing, install nnlib and the book tools, build the HTML book
#   make test   - the same set-up, then the whole test suite (unit, parity, nbval, papermill,
#                 Colab-like run, book build with warnings as errors)
# Also: make notebooks (re-execute every chapter in place), make lint, make bench, make clean.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONSTRAINTS := .ci/constraints.txt
STAMP  := $(VENV)/.installed
JOBS   ?= 2

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export TQDM_DISABLE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test notebooks lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[test,book]"
	@touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --warningiserror --keep-going

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check nnlib tests tools benchmarks conftest.py
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py chapters/*.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check nnlib tests tools benchmarks conftest.py

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
