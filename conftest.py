"""Repository-wide pytest set-up: quiet TensorFlow, offline MNIST, and nbval's rules.

`make test` runs ``pytest --nbval`` over ``tests/`` and ``chapters/``; the options it
always needs (sanitize file, kernel, cell timeout) are in pyproject.toml's
``[tool.pytest.ini_options]``.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# TensorFlow reads these when it is first imported, and the notebook kernels inherit
# them from this process: set them before any test module can import TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")  # for the kernels; this process has started already
os.environ.setdefault("MPLBACKEND", "Agg")    # for plots drawn by unit tests in this process
# One BLAS thread per process: with pytest-xdist two workers (and their kernels) share two
# cores, and OpenBLAS threads spinning against each other made a dlcore epoch 20x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Offline MNIST (see README): the kernels run in chapters/, so pass an absolute path.
_SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
if "DLCORE_MNIST_DIR" not in os.environ and _SHARED_MNIST.is_dir():
    os.environ["DLCORE_MNIST_DIR"] = str(_SHARED_MNIST)

import pytest  # noqa: E402  (after the environment is set)

# Never collect the built website (it holds copies of the notebooks), the virtual
# environment, or the benchmarks (run them with `make bench`).
collect_ignore = ["_build", ".venv", "benchmarks"]
collect_ignore_glob = ["**/.ipynb_checkpoints/*"]

# The kernel of a notebook must draw with the inline backend, as Jupyter does: with
# MPLBACKEND=Agg inherited from this process, plt.show() would display nothing and every
# stored figure would count as a missing output.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def pytest_configure(config):
    """Resolve a relative ``--nbval-sanitize-with`` against the repository root."""
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():
        config.option.nbval_sanitize_with = str(config.rootpath / sanitize)


def pytest_collectstart(collector):
    """Do not compare stderr: TensorFlow and warnings write there, differently per machine.

    Notebooks must not store stderr at all (tests/test_structure.py checks that).
    """
    if collector.path is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Start each notebook's kernel (set up with its first cell) with the inline backend."""
    if item.path.suffix != ".ipynb":
        return (yield)
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        return (yield)
    finally:
        if saved is None:
            del os.environ["MPLBACKEND"]
        else:
            os.environ["MPLBACKEND"] = saved
