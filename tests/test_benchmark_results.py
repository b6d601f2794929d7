"""The committed benchmark results are complete, consistent, and quoted correctly by chapter 11
and the README.

These tests do not run the benchmark (``make bench`` does, in about 5 minutes): they check the
files it wrote, so that a re-run which changes the numbers cannot leave a stale table in the book.
"""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CHAPTER = ROOT / "chapters" / "11_keras_mnist.ipynb"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_mnist", ROOT / "benchmarks" / "bench_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result():
    return json.loads((RESULTS / "mnist_mlp.json").read_text())


def test_results_cover_both_batch_sizes_and_contenders(result):
    assert set(result["by_batch"]) == {"32", "128"}
    for row in result["by_batch"].values():
        for name in ("dlcore", "keras", "keras_spe", "sklearn"):
            stats = row[name]
            assert stats["sec_min"] <= stats["sec_per_epoch"] <= stats["sec_max"]
            assert 0 < stats["accuracy"] <= 1 and stats["peak_rss_mb"] > 0
        assert row["matmul_floor_sec"] > 0
    assert result["machine"]["cores"] >= 1 and result["repeats"] >= 3


def test_results_are_full_mnist_on_one_blas_thread(result):
    """What the table's header promises: all 60,000 / 10,000 images, NumPy's BLAS on one thread."""
    assert (result["n_train"], result["n_test"]) == (60_000, 10_000)
    assert result["machine"]["OPENBLAS_NUM_THREADS"] == "1" and result["machine"]["blas_threads"] == 1


def test_markdown_file_is_the_json_rendered(bench, result):
    """mnist_mlp.md is exactly what the script renders from mnist_mlp.json (nobody edited one alone)."""
    assert (RESULTS / "mnist_mlp.md").read_text() == bench.markdown(result)


def chapter_11_section():
    cells = json.loads(CHAPTER.read_text())["cells"]
    return next("".join(c["source"]) for c in cells
                if c["cell_type"] == "markdown" and "### How fast is dlcore?" in "".join(c["source"]))


def readme_section():
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Benchmark"):text.index("## Continuous integration")]


@pytest.mark.parametrize("where", [chapter_11_section, readme_section], ids=["chapter 11", "README"])
def test_the_book_quotes_the_committed_table(bench, result, where):
    """Every row of the results table appears verbatim in chapter 11's benchmark section and
    in the README's."""
    section = where()
    rows = [line for line in bench.markdown(result).splitlines() if line.startswith("| 32") or line.startswith("| 128")]
    assert len(rows) == 2 * (len(bench.TRAINERS) + 1)  # each batch size: every contender and the floor
    for line in rows:
        assert line in section, f"the benchmark table quoted in {where.__name__} is stale: {line!r} is missing"
