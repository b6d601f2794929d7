"""The reader's path without a checkout: build the wheel, install it, run a chapter elsewhere.

A reader on Colab (or anywhere) gets dlcore from ``pip install``, never from this folder. A
chapter that only works from the repository (a data file read as ``../data/x.csv``, a helper
module next to the notebook, a package-data file missing from the wheel) passes every other
test and breaks for that reader. This test catches it:

1. build the wheel from a copy of the source tree (``python -m build --wheel``, isolated, as
   pip does for ``pip install git+...``; the copy keeps ``build/`` and ``*.egg-info`` out of
   the checkout);
2. install it, and nothing else, into a fresh virtual environment;
3. let that environment borrow the test environment's *other* packages (NumPy, matplotlib,
   Keras, ipykernel) through a ``.pth`` line, so nothing is downloaded again. A ``.pth`` line
   only appends a folder to ``sys.path``: the ``.pth`` files inside it, among them the
   editable install of dlcore, are not run, and the fresh site-packages comes first anyway;
4. run a chapter that loads data sets, copied alone into an empty temporary folder, in a
   kernel of the fresh environment with ``PYTHONPATH`` removed, and check, from inside that
   kernel, that ``dlcore`` came from the wheel and no folder of the checkout was on the path.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("build")
pytest.importorskip("ipykernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# A chapter that loads shipped data sets (load_frame("pass_fail"), load_dataset("xor_noisy"))
# and draws with dlcore.plotting; it is also one of the quickest to run.
NOTEBOOK = ROOT / "chapters" / "00_introduction.ipynb"

# Left out of the copy the wheel is built from: environments, outputs, caches, VCS.
IGNORED = shutil.ignore_patterns(".venv", ".git", "_build", "build", "dist", "*.egg-info",
                                 "__pycache__", ".pytest_cache", ".hypothesis",
                                 ".ipynb_checkpoints")

# Appended as the last cell of the copied chapter: where the kernel found dlcore and what
# its sys.path was, printed as one JSON line for the test to read.
PROVENANCE_CELL = """\
import json, sys
import dlcore, dlcore.datasets
print(json.dumps({"dlcore": dlcore.__file__, "datasets": dlcore.datasets.__file__,
                  "prefix": sys.prefix, "path": sys.path}))
"""


def _run(command, **kwargs):
    """Run ``command``; on failure show its output in the test report."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def _inside(path, folder):
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build dlcore's wheel from a copy of the source tree; return its path."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(source)])
    wheels = sorted((work / "dist").glob("dlcore-*.whl"))
    assert len(wheels) == 1, f"expected one dlcore wheel, found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def fresh_python(wheel, tmp_path_factory):
    """A new virtual environment holding only the wheel (plus borrowed third-party packages)."""
    venv = tmp_path_factory.mktemp("venv") / "reader"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # This environment's pip installs into the fresh one, from the wheel file alone.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", "--no-index", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     env=_clean_env(), cwd=venv).stdout.strip())
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_borrowed_test_packages.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    return python


def _clean_env():
    """The test's environment without PYTHONPATH (which could put the checkout on the path)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    # Draw as Jupyter does (the root conftest.py explains why Agg would drop figures).
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def test_wheel_ships_dlcore_and_every_data_set(fresh_python, tmp_path):
    """Outside the checkout, the installed dlcore imports from the fresh environment and lists
    the same data sets as the repository's data/ folder."""
    probe = ("import json, dlcore, dlcore.datasets\n"
             "print(json.dumps({'file': dlcore.__file__, 'sets': dlcore.data.list_datasets()}))")
    found = json.loads(_run([str(fresh_python), "-c", probe], cwd=tmp_path,
                            env=_clean_env()).stdout)
    assert _inside(found["file"], fresh_python.parents[1]), found["file"]
    assert found["sets"] == sorted(p.stem for p in (ROOT / "data").glob("*.csv"))


def test_chapter_runs_from_the_installed_wheel_alone(fresh_python, tmp_path):
    """The chapter, copied alone into an empty folder, runs top to bottom in a kernel of the
    fresh environment: every data set and helper it uses comes from the installed wheel."""
    folder = tmp_path / "reader"
    folder.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROVENANCE_CELL))
    nbformat.write(notebook, folder / NOTEBOOK.name)

    kernels = tmp_path / "kernels"
    (kernels / "dlcore-wheel").mkdir(parents=True)
    (kernels / "dlcore-wheel" / "kernel.json").write_text(json.dumps({
        "argv": [str(fresh_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dlcore from the wheel", "language": "python"}))
    manager = KernelManager(kernel_name="dlcore-wheel",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))

    client = nbclient.NotebookClient(notebook, km=manager, timeout=300, record_timing=False,
                                     resources={"metadata": {"path": str(folder)}})
    try:
        client.execute(env=_clean_env())  # raises CellExecutionError naming the failing cell
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)

    stdout = [o for o in notebook.cells[-1].outputs if o.get("name") == "stdout"]
    found = json.loads(stdout[-1]["text"].strip().splitlines()[-1])
    fresh = fresh_python.parents[1]
    assert _inside(found["prefix"], fresh), found["prefix"]
    assert _inside(found["dlcore"], fresh), f"dlcore imported from {found['dlcore']}"
    assert _inside(found["datasets"], fresh), f"data sets read from {found['datasets']}"
    # Only the borrowed third-party site-packages may lie under the checkout (when the test
    # environment is ROOT/.venv); no source folder of the checkout may be on the path.
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    leaks = [p for p in found["path"]
             if p and p not in borrowed and _inside(p, ROOT)]
    assert not leaks, f"the checkout is on the kernel's sys.path: {leaks}"
