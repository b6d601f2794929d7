"""One place says where the book lives: `_config.yml` (repository.url, repository.branch).

Everything else that names the repository must agree with it: the Colab setup cell of
every chapter (it installs dlcore from there), the Colab and GitHub links in README.md,
intro.md and the chapters' text, and pyproject.toml's [project.urls].
"""
import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
URL = CONFIG["repository"]["url"]
BRANCH = CONFIG["repository"]["branch"]

GITHUB_URL = re.compile(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?(?=[/\s)\]>\"'@#]|$)")
COLAB_URL = re.compile(
    r"https://colab\.research\.google\.com/github/([\w.-]+)/([\w.-]+)/blob/([\w.-]+)/([\w./-]+)")
INSTALL_URL = re.compile(r"git\+(https://[^@\s\"']+)@([\w./-]+)")


def toc_chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [e["file"] for part in toc.get("parts", []) for e in part.get("chapters", [])]
    return [f + ".ipynb" for f in files if f.startswith("chapters/")]


def org_repo():
    match = GITHUB_URL.fullmatch(URL)
    assert match, f"_config.yml repository.url {URL!r} is not https://github.com/<org>/<repo>"
    return match.groups()


def link_problems(text, where):
    """Links to the book's repository must point at URL; Colab links also at BRANCH and a
    file that exists. A GitHub link that shares only the organisation or only the repository
    name with URL is a stale copy of it (links to other projects, e.g. Keras, are fine)."""
    org, repo = org_repo()
    problems = []
    for match in GITHUB_URL.finditer(text):
        link_org, link_repo = match.groups()
        if (link_org == org) != (link_repo == repo):
            problems.append(f"{where}: {match.group(0)} is not {URL}")
    for match in COLAB_URL.finditer(text):
        link_org, link_repo, branch, path = match.groups()
        if (link_org, link_repo, branch) != (org, repo, BRANCH):
            problems.append(f"{where}: Colab link {match.group(0)} is not for {URL} @ {BRANCH}")
        elif not (ROOT / path).exists():
            problems.append(f"{where}: Colab link to {path}, which does not exist")
    return problems


def test_config_has_repository_and_colab():
    org_repo()
    assert BRANCH, "_config.yml must set repository.branch (launch buttons and -W builds need it)"
    assert CONFIG["repository"].get("path_to_book", "") == "", "links assume the book is the repo root"
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_pyproject_urls_agree():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    org, repo = org_repo()
    assert urls["Repository"] == URL
    assert urls["Issues"] == f"{URL}/issues"
    assert urls["Homepage"] == f"https://{org}.github.io/{repo}/"
    problems = link_problems("\n".join(urls.values()), "pyproject.toml [project.urls]")
    assert not problems, "\n".join(problems)


def test_readme_links_agree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert COLAB_URL.search(readme), "README.md should show how to open a chapter on Colab"
    problems = link_problems(readme, "README.md")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", ["intro.md", "notation.md", "glossary.md", "api.md"])
def test_book_pages_links_agree(page):
    problems = link_problems((ROOT / page).read_text(encoding="utf-8"), page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", toc_chapters())
def test_chapter_installs_from_the_configured_repository(path):
    """The setup cell's `pip install git+URL@BRANCH`, and every link in the chapter's text."""
    assert (ROOT / path).exists(), f"{path} is listed in _toc.yml but does not exist"
    nb = nbformat.read(ROOT / path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path} has no code cells"
    installs = INSTALL_URL.findall(code[0])
    assert installs == [(URL, BRANCH)], (
        f"{path}: the setup cell installs from {installs}, _config.yml says {URL}@{BRANCH}")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    problems = link_problems(markdown, path)
    assert not problems, "\n".join(problems)
