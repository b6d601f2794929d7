# Deep Learning Fundamentals: build the website, run every test, re-execute the notebooks.
# On a fresh machine `make book` and `make test` are all you need: each creates .venv and
# installs what it needs first (again only when pyproject.toml changes). `make help` lists all.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist workers for `make test`; 0 runs everything in one process.
WORKERS ?= 2
# Notebooks for `make execute` (all chapters unless NB=chapters/05_backpropagation.ipynb).
NB ?= $(sort $(wildcard chapters/*.ipynb))

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Quiet, offline, reproducible runs; exported to pytest, the notebook kernels and benchmarks.
export TF_CPP_MIN_LOG_LEVEL ?= 3
export TF_ENABLE_ONEDNN_OPTS ?= 0
export PYTHONHASHSEED ?= 0
export MPLBACKEND ?= Agg
# One BLAS thread per process (see conftest.py): parallel test workers must not fight over cores.
export OPENBLAS_NUM_THREADS ?= 1
# Real MNIST, offline (see README): the shared copy next to the repository, if there is one.
SHARED_MNIST := $(abspath $(ROOT)/../shared/data/mnist)
DLCORE_MNIST_DIR ?= $(if $(wildcard $(SHARED_MNIST)),$(SHARED_MNIST))
ifneq ($(strip $(DLCORE_MNIST_DIR)),)
export DLCORE_MNIST_DIR
endif

# Notebooks draw with Jupyter's inline backend: under MPLBACKEND=Agg, plt.show() would store
# no figure. (conftest.py does the same for the kernels nbval starts.)
INLINE_BACKEND := module://matplotlib_inline.backend_inline

BOOK_STAMP := $(VENV)/.installed-book
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: help venv book test test-portable execute bench profile clean distclean

help:
	@echo "make book       build the website into _build/html (installs .[book] into $(VENV) first)"
	@echo "make test       unit, parity and structure tests, and nbval over every notebook"
	@echo "make test-portable  nbval over the notebooks under other OpenBLAS kernels (before committing one)"
	@echo "make execute    re-run notebooks in place in a fresh kernel (NB=chapters/05_....ipynb for one)"
	@echo "make bench      time dlcore, Keras and scikit-learn on MNIST, ~5 min (benchmarks/bench_mnist.py)"
	@echo "make profile    where one dlcore MNIST epoch spends its time (cProfile; BATCH=32 for small batches)"
	@echo "make venv       create $(VENV) with everything installed (.[test,book])"
	@echo "make clean      remove _build and caches; make distclean also removes $(VENV)"

# --- environment ---------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamps record that pyproject.toml's dependencies are installed; they are redone only
# when pyproject.toml is newer. dlcore itself is installed editable, so code edits need nothing.
$(BOOK_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[book]'
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,book]'
	touch $@ $(BOOK_STAMP)

venv: $(TEST_STAMP)

# --- the website ---------------------------------------------------------------------------
# -W: any warning fails the build (a missing chapter, a broken link, a bad docstring).
# --keep-going: report every warning before failing. --all: rebuild every page, because an
# incremental build does not repeat the warnings of unchanged pages and would pass wrongly.
# No -n (nitpicky): it would demand a link target for every type named in a docstring.
book: $(BOOK_STAMP)
	$(BIN)/jupyter-book build . --builder html -W --keep-going --all
	@echo "Website: $(ROOT)/_build/html/index.html"

# --- tests ---------------------------------------------------------------------------------
# One pytest run: tests/ (unit, parity, structure) and every notebook with nbval (stored
# outputs compared). Options nbval always needs are in pyproject.toml; --dist loadscope keeps
# all cells of one notebook on one worker, in order, in one kernel.
XDIST := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist loadscope)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest --nbval tests chapters $(XDIST)

# Stored outputs must not depend on the CPU. OpenBLAS picks its kernels by CPU (AVX-512,
# AVX2, ...), and each sums in its own order; OPENBLAS_CORETYPE forces one. This re-runs
# nbval over the notebooks (NB=..., default all) once per kernel in CORETYPES: Prescott
# (SSE3) and Sandybridge (AVX) reorder sums differently from the native kernel, and
# Haswell is what an AVX2 machine runs natively. For maintainers before they commit a
# notebook; CI and `make test` keep the machine's own kernel.
CORETYPES ?= Prescott Sandybridge Haswell

test-portable: $(TEST_STAMP)
	@failed=""; \
	for core in $(CORETYPES); do \
	    echo "=== nbval with OPENBLAS_CORETYPE=$$core"; \
	    OPENBLAS_CORETYPE=$$core $(BIN)/python -m pytest --nbval -q $(NB) $(XDIST) \
	        || failed="$$failed $$core"; \
	done; \
	if [[ -n "$$failed" ]]; then echo "outputs differ under:$$failed" >&2; exit 1; fi

# --- notebooks -----------------------------------------------------------------------------
# Fresh kernel (this environment's Python, as nbval uses), top to bottom, written in place:
# execution counts read 1, 2, 3, ... A cell that raises stops the run (unless it is tagged
# raises-exception) and the notebook is left unchanged. capture_fd_output=False keeps what C
# libraries write to the process's stderr out of the notebook: TensorFlow prints "Could not
# find cuda drivers" there on import even with TF_CPP_MIN_LOG_LEVEL=3. Python-level warnings
# are still stored (and fail tests/test_structure.py): fix them rather than hide them.
define EXECUTE_NOTEBOOKS
import sys, time
from pathlib import Path
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

if len(sys.argv) == 1:
    sys.exit("make execute: no notebooks given (NB=...) or found in chapters/")
for name in sys.argv[1:]:
    path, start = Path(name), time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    kernel = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                           kernel_spec_manager=NbvalKernelspecManager())
    try:
        NotebookClient(nb, km=kernel, timeout=600, record_timing=False,
                       extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    nbformat.write(nb, path)
    print(f"executed {path} in {time.perf_counter() - start:.1f} s", flush=True)
endef
export EXECUTE_NOTEBOOKS

execute: $(TEST_STAMP)
	MPLBACKEND=$(INLINE_BACKEND) $(BIN)/python -c "$$EXECUTE_NOTEBOOKS" $(NB)

# --- benchmarks ----------------------------------------------------------------------------
# The benchmark also needs the `bench` extra (scikit-learn), which `make test` does not.
$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,book,bench]'
	touch $@ $(TEST_STAMP) $(BOOK_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_mnist.py

# Where one dlcore epoch of the benchmark spends its time (cProfile); BATCH=32 for the small batches.
BATCH ?= 128
profile: $(TEST_STAMP)
	$(BIN)/python benchmarks/profile_epoch.py --batch-size $(BATCH)

# --- cleaning ------------------------------------------------------------------------------
clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
	    | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
