# The two commands of the README:
#   make book   - create .venv if missing, install nnlib and the book tools, build the HTML book
#   make test   - the same set-up, then the whole test suite (unit, parity, nbval, papermill,
#                 Colab-like run, book build with warnings as errors, the book in headless
#                 Chromium), then the library's tests again with the lowest declared versions
# Also: make notebooks (format and re-execute every chapter in place), make lint, make bench,
# make test-floors (only the floors run), make test-pretend-gpu (the suite on the pretend GPU),
# make clean.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONSTRAINTS := .ci/constraints.txt
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# The lowest versions pyproject.toml declares (.ci/floors.txt), in a venv inside .venv that
# borrows every other package from .venv.
FLOORS := $(VENV)/floors
FLOOR_PINS := .ci/floors.txt
FLOORS_STAMP := $(FLOORS)/.installed
FORMATTED := nnlib tests tools benchmarks conftest.py chapters
# The library's own tests: the book, browser and notebook tests run in the main suite only.
FLOOR_TESTS := tests --ignore=tests/test_book.py --ignore=tests/test_browser.py \
	--ignore=tests/test_notebooks.py --ignore=tests/test_outputs.py --ignore=tests/test_colab_like.py
# On the pretend GPU: the library's tests and tests/test_notebooks.py (the chapters' small runs).
PRETEND_TESTS := tests --ignore=tests/test_book.py --ignore=tests/test_browser.py \
	--ignore=tests/test_outputs.py --ignore=tests/test_colab_like.py

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export TQDM_DISABLE := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test test-floors test-pretend-gpu notebooks lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[test,book]"
	@touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --warningiserror --keep-going

$(FLOORS_STAMP): $(STAMP) $(FLOOR_PINS)
	rm -rf $(FLOORS)
	$(BIN)/python -m venv $(FLOORS)
	$(FLOORS)/bin/python -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'borrowed.pth').write_text('$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")\n')"
	$(FLOORS)/bin/python -m pip install --quiet --no-deps -r $(FLOOR_PINS)
	@touch $@

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FORMATTED)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile
	$(MAKE) --no-print-directory test-pretend-gpu
	$(MAKE) --no-print-directory test-floors

# The library's tests and the chapters' small papermill runs again, with nnlib's tensors on the
# pretend GPU (nnlib.pretend_gpu: NumPy arrays that keep CuPy's rules), so that code bypassing
# the array-module seam fails here although CI has no GPU.
test-pretend-gpu: $(STAMP)
	NNLIB_PRETEND_GPU=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadfile -p no:cacheprovider \
		-o addopts="" -m "not slow" $(PRETEND_TESTS)

test-floors: $(FLOORS_STAMP)
	PYTHONPATH=$(CURDIR) $(FLOORS)/bin/python -m pytest -n $(JOBS) --dist loadfile -p no:cacheprovider \
		-o addopts="" -m "not slow" $(FLOOR_TESTS)
	PYTHONPATH=$(CURDIR) $(FLOORS)/bin/python -m pytest -p no:cacheprovider -o addopts="" \
		"tests/test_notebooks.py::test_chapter_runs_with_small_parameters[1]"

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py chapters/*.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FORMATTED)

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -not -path "./$(VENV)/*" -exec rm -rf {} +
