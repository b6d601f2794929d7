"""The shape of the book: every chapter notebook follows the anatomy of GUIDE section 4.

These tests read the stored notebooks; they do not run them (nbval does that).
Each per-notebook test is parametrized with the notebook's file name, so a failure
names the chapter.
"""
import importlib
import pkgutil
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

SETUP_CELL = '''\
# On Colab, install dlcore from the book's repository; elsewhere this cell does nothing.
import sys
if "google.colab" in sys.modules:
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "dlcore @ git+{url}@{branch}"],
                   check=True)'''

HIDDEN_SOLUTION_TAGS = {"hide-input", "hide-cell"}
# Tags that keep a cell's printed output off the page until the reader opens its toggle.
HIDES_OUTPUT = {"hide-cell", "hide-output", "remove-cell", "remove-output"}
# What a reader of the website must not meet: our test harness, in the chapter's own words.
# (Kept short and specific: "the test set" and "test images" are the subject, not the harness.)
HARNESS_TALK = re.compile(
    r"nbval|pytest|\bCI\b|continuous integration|by the tests|our tests|test suite|"
    r"output comparison|sanitiz|build machine|stand-in|DLCORE_[A-Z_]+|OPENBLAS_CORETYPE|"
    r"environment variable", re.IGNORECASE)
ASSERTION = re.compile(r"^\s*assert\b|np\.testing\.assert_|\bassert_allclose\(", re.MULTILINE)
# An exercise starts with a heading "### Exercise 2: ..." or a paragraph "**Exercise 2.** ...".
EXERCISE_START = re.compile(r"^(#{2,4}\s+|\*\*)Exercise\s+\d+", re.IGNORECASE)
MACHINE_PATH = re.compile(r"(/root/|/home/|/work/|/tmp/|/Users/|[A-Za-z]:\\Users\\)")


def read_yaml(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def toc_chapter_files():
    """The chapter entries of _toc.yml, in order, as paths relative to the repo root."""
    toc = read_yaml("_toc.yml")
    files = [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]
    files += [entry["file"] for entry in toc.get("chapters", [])]
    return [f if f.endswith(".ipynb") else f + ".ipynb" for f in files if f.startswith("chapters/")]


def notebook_files():
    return sorted(f"chapters/{p.name}" for p in CHAPTERS.glob("*.ipynb"))


# Parametrize over the union, so a notebook missing from the toc and a toc entry
# without a notebook both show up as failures with the file's name.
ALL_CHAPTERS = sorted(set(toc_chapter_files()) | set(notebook_files()))


def load(path):
    file = ROOT / path
    assert file.exists(), f"{path} is listed in _toc.yml but does not exist"
    return nbformat.read(file, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def markdown_lines(cell):
    """The lines of a markdown cell outside ``` / ~~~ fences (so '# x' in code is no heading)."""
    fence = None
    for line in cell.source.splitlines():
        marker = re.match(r"^\s*(```|~~~)", line)
        if marker:
            fence = None if fence == marker.group(1) else (fence or marker.group(1))
            continue
        if fence is None:
            yield line


def headings(nb):
    """(cell index, level, text) of every markdown heading, in order."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in markdown_lines(cell):
            match = re.match(r"^(#{1,6})\s+(.*)", line)
            if match:
                yield i, len(match.group(1)), match.group(2).strip()


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def output_texts(cell):
    """Every piece of text a code cell stores (streams, text reprs, HTML, tracebacks)."""
    for out in cell.get("outputs", []):
        if "text" in out:
            yield out["text"]
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/") or mime.endswith("json"):
                yield value if isinstance(value, str) else str(value)
        yield "\n".join(out.get("traceback", []))


# --- the table of contents ------------------------------------------------------------

def test_toc_lists_chapters_that_exist():
    files = toc_chapter_files()
    assert files, "_toc.yml lists no chapter under chapters/"
    missing = [f for f in files if not (ROOT / f).exists()]
    assert not missing, f"listed in _toc.yml but missing: {missing}"


def test_every_notebook_is_in_the_toc():
    unlisted = sorted(set(notebook_files()) - set(toc_chapter_files()))
    assert not unlisted, f"notebooks not in _toc.yml (the website would not show them): {unlisted}"


def test_toc_lists_chapters_in_file_order():
    files = toc_chapter_files()
    assert len(files) == len(set(files)), "a chapter is listed twice in _toc.yml"
    assert files == sorted(files), "_toc.yml must list chapters/NN_*.ipynb in the order of NN"


def test_reference_pages_exist():
    toc = read_yaml("_toc.yml")
    pages = [toc["root"]] + [e["file"] for p in toc.get("parts", []) for e in p["chapters"]]
    for page in pages:
        if not page.startswith("chapters/"):
            assert (ROOT / f"{page}.md").exists(), f"_toc.yml lists {page} but {page}.md is missing"


def test_api_page_documents_every_dlcore_module():
    """api.md has an automodule for each public dlcore module, and only for real ones."""
    import dlcore

    public = {f"dlcore.{m.name}" for m in pkgutil.iter_modules(dlcore.__path__)
              if not m.name.startswith("_")}
    documented = set(re.findall(r"^\.\. automodule:: (dlcore\.[\w.]+)", (ROOT / "api.md").read_text(),
                                re.MULTILINE))
    assert public - documented == set(), f"not in api.md: {sorted(public - documented)}"
    for name in sorted(documented):
        importlib.import_module(name)  # a stale entry fails here, naming the module


# --- each chapter ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_is_valid_nbformat_with_python3_kernel(path):
    nb = load(path)
    nbformat.validate(nb)
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path}: kernelspec {kernel!r}; Colab and nbval expect 'python3'"


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_starts_with_one_numbered_h1(path):
    """Sphinx takes the page title from the only H1; the title carries the chapter number."""
    nb = load(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{path}: the first cell must be markdown with the H1 title"
    first_line = next((line for line in markdown_lines(first) if line.strip()), "")
    assert first_line.startswith("# "), f"{path}: first cell starts {first_line!r}, not with an H1"
    number = int(Path(path).name[:2])
    assert re.match(rf"# {number}\. \S", first_line), (
        f"{path}: the H1 must read '# {number}. <Title>' (the sidebar is not auto-numbered)")
    h1s = [text for _, level, text in headings(nb) if level == 1]
    assert len(h1s) == 1, f"{path}: {len(h1s)} H1 headings {h1s}; use ## for sections"


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_first_code_cell_is_the_colab_setup_cell(path):
    config = read_yaml("_config.yml")["repository"]
    expected = SETUP_CELL.format(url=config["url"], branch=config["branch"])
    cells = code_cells(load(path))
    assert cells, f"{path} has no code cell"
    assert cells[0].source.rstrip() == expected, (
        f"{path}: the first code cell must be SETUP_CELL of tests/test_structure.py, verbatim")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_imports_dlcore(path):
    sources = "\n".join(c.source for c in code_cells(load(path)))
    assert re.search(r"^\s*(import dlcore\b|from dlcore(\.\w+)* import )", sources, re.MULTILINE), (
        f"{path} never imports dlcore")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_was_executed_top_to_bottom(path):
    """Execution counts 1, 2, ..., n: run in a fresh kernel (`make execute`), every cell.

    nbval does not compare a cell whose execution_count is null, so an unexecuted
    cell would be a silent hole in the tests.
    """
    cells = code_cells(load(path))
    empty = [i for i, c in enumerate(cells) if not c.source.strip()]
    assert not empty, f"{path}: empty code cells (never executed, delete them): {empty}"
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path}: execution counts {counts}; re-run with `make execute NB={path}`")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_stores_no_errors_stderr_or_machine_paths(path):
    for i, cell in enumerate(code_cells(load(path))):
        for out in cell.outputs:
            if out.output_type == "error":
                assert "raises-exception" in tags(cell), (
                    f"{path}, code cell {i}: stores a {out.ename}; fix it, or tag the cell "
                    "'raises-exception' if the error is the lesson")
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"{path}, code cell {i}: stores stderr output: {out.text[:200]!r}")
        for text in output_texts(cell):
            found = MACHINE_PATH.search(text)
            assert not found, f"{path}, code cell {i}: output shows a machine path ({found.group(0)}...)"


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_plots_are_shown_not_reprs(path):
    """A plot cell ends with plt.show(): no stored '[<matplotlib...>]' or 'Text(...)' reprs,
    and no cell ends with ';'. A cell that calls plt.show() stores an image (a notebook run
    with MPLBACKEND=Agg would store none)."""
    for i, cell in enumerate(code_cells(load(path))):
        last_line = cell.source.rstrip().splitlines()[-1] if cell.source.strip() else ""
        assert not last_line.rstrip().endswith(";"), (
            f"{path}, code cell {i} ends with ';': call plt.show() instead")
        for out in cell.outputs:
            text = out.get("data", {}).get("text/plain", "")
            if out.output_type == "execute_result":
                assert not re.match(r"^\[?<matplotlib\.|^Text\(", text), (
                    f"{path}, code cell {i} stores the repr {text[:60]!r}: end the cell with plt.show()")
        if re.search(r"\bplt\.show\(\)", cell.source):
            images = [o for o in cell.outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
            assert images, (f"{path}, code cell {i} calls plt.show() but stores no image: "
                            "re-run it with the inline backend (`make execute`)")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_ends_with_worked_checks_that_assert(path):
    nb = load(path)
    sections = [(i, text) for i, level, text in headings(nb) if level == 2]
    assert sections, f"{path} has no ## sections"
    start, title = sections[-1]
    assert re.fullmatch(r"Worked checks\b.*", title, re.IGNORECASE), (
        f"{path}: the last ## section is {title!r}; it must be 'Worked checks'")
    checks = [c for c in nb.cells[start:] if c.cell_type == "code"]
    assert checks, f"{path}: the Worked checks section has no code"
    assert any(ASSERTION.search(c.source) for c in checks), (
        f"{path}: no assert / np.testing assertion in the Worked checks")


def exercises(nb):
    """(first cell, end cell, first line) of each exercise. An exercise runs until the next
    exercise or the next heading of level 3 or higher (e.g. '## Worked checks')."""
    starts, ends = [], set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for line in markdown_lines(cell):
            if EXERCISE_START.match(line):
                starts.append((i, line.strip()))
                ends.add(i)
            elif re.match(r"^#{1,3}\s", line):
                ends.add(i)
    return [(i, min([e for e in ends if e > i], default=len(nb.cells)), line) for i, line in starts]


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_has_three_exercises_with_hidden_asserting_solutions(path):
    """Each exercise is followed, before the next one, by a solution cell tagged hide-input
    or hide-cell (a toggle on the website) that asserts its answer."""
    nb = load(path)
    found = exercises(nb)
    assert len(found) >= 3, (f"{path}: {len(found)} exercises, need at least 3 (each starting "
                             "'### Exercise N' or '**Exercise N.**')")
    for start, end, title in found:
        solutions = [c for c in nb.cells[start:end]
                     if c.cell_type == "code" and tags(c) & HIDDEN_SOLUTION_TAGS]
        assert solutions, f"{path}, {title[:50]!r}: no solution cell tagged hide-cell"
        assert any(ASSERTION.search(c.source) for c in solutions), (
            f"{path}, {title[:50]!r}: the solution does not assert its answer")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_no_hidden_code_shows_its_output(path):
    """A cell whose code waits behind a toggle must hide its output too (tag hide-cell, or
    hide-input with hide-output): otherwise an exercise's printed answer stands right under
    the question. Cells without output (setup, imports) may hide only their input."""
    for i, cell in enumerate(code_cells(load(path)), start=1):
        if "hide-input" in tags(cell) and cell.get("outputs") and not tags(cell) & HIDES_OUTPUT:
            pytest.fail(f"{path}, code cell {i}: tagged hide-input but its output is visible "
                        "(use hide-cell, or add hide-output)")


@pytest.mark.parametrize("path", ALL_CHAPTERS)
def test_reader_text_does_not_talk_about_the_test_harness(path):
    """Markdown and printed output speak about the subject; nbval, CI, environment variables and
    the build machine belong in the README, tests/ and code comments."""
    for i, cell in enumerate(load(path).cells, start=1):
        texts = [cell.source] if cell.cell_type == "markdown" else list(output_texts(cell))
        for text in texts:
            match = HARNESS_TALK.search(text)
            assert not match, (f"{path}, cell {i} ({cell.cell_type}): reader text mentions the "
                               f"harness: ...{text[max(0, match.start() - 60):match.end() + 20]!r}")
