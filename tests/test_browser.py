"""The website as a reader sees it: headless Chromium over the built site (``make book`` first).

For every page of the table of contents (and the search and index pages), in a real browser:

* the page loads with no error in the browser console (a missing script or stylesheet of
  the site, a JavaScript error); a resource on another host that cannot load offline is
  not counted here, but a MathJax that does not load fails the math check below;
* every formula is typeset: each ``.math`` element Sphinx wrote holds an ``mjx-container``
  once MathJax has finished, and the visible text (code excepted) has no raw ``$$``, ``\\(``,
  ``\\[`` or ``\\begin{`` left;
* every image decodes, with a natural width above zero;
* a chapter's Colab button opens
  ``colab.research.google.com/github/<org>/<repo>/blob/<branch>/chapters/<file>.ipynb``, with
  org, repo and branch from ``_config.yml``, for a notebook that exists in the repository;
  pages that are not notebooks have no Colab button.

Also: the search page finds "backpropagation", and screenshots of the landing page and of
one chapter are saved to ``_build/screenshots/`` for a person to look at.

Needs ``_build/html`` (``make book``), Chromium and chromedriver (Debian: ``apt-get install
chromium chromium-driver``) and selenium. Without them the tests skip, saying why; with
``DLCORE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead. ``DLCORE_SITE_DIR``
points the tests at another build of the site.
"""
import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("DLCORE_SITE_DIR", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = SITE.parent / "screenshots"
REQUIRED = os.environ.get("DLCORE_REQUIRE_BROWSER") == "1"
TIMEOUT = 60  # seconds for a page (MathJax on a long chapter) or the search to finish


def _toc_files():
    """Every document of _toc.yml, in order: the root, then each chapter and reference page."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


TOC_FILES = _toc_files()
PAGES = TOC_FILES + ["genindex", "search"]
NOTEBOOKS = [f for f in TOC_FILES if (ROOT / f"{f}.ipynb").exists()]


def _repository():
    """(org, repo, branch) from _config.yml's repository section."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    org, repo = urlparse(config["url"]).path.strip("/").removesuffix(".git").split("/")
    return org, repo, config.get("branch", "main")


def _unavailable(reason):
    """Skip, or fail where the browser test is required (CI)."""
    if REQUIRED:
        pytest.fail(f"{reason} (DLCORE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


# --- the site, served over HTTP (search does not work from file://) ----------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").is_file():
        _unavailable(f"no built website at {SITE}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the browser ------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--window-size=1366,900",
]


@pytest.fixture(scope="module")
def browser(site_url):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _unavailable("Chromium or chromedriver not found (apt-get install chromium chromium-driver)")

    profile = tempfile.mkdtemp(prefix="dlcore-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Explicit paths: Selenium Manager would otherwise try to download a driver.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.set_script_timeout(TIMEOUT)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


# What a page reports once it has loaded and MathJax (if the page loads it) has finished.
WAIT_AND_INSPECT = r"""
const done = arguments[arguments.length - 1];
const mj = window.MathJax;
const typeset = (mj && mj.startup && mj.startup.promise) ? mj.startup.promise : Promise.resolve();
typeset.then(() => "ok", (e) => "MathJax failed: " + e).then(async (mathjax) => {
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest(skip)) text.push(node.nodeValue);
  }
  const maths = Array.from(document.querySelectorAll(".math"));
  const images = Array.from(document.images);
  for (const img of images) img.loading = "eager";
  const broken = [];
  for (const img of images) {
    try { await img.decode(); } catch (e) { }
    if (!(img.complete && img.naturalWidth > 0)) broken.push(img.currentSrc || img.src);
  }
  done({
    mathjax: mj && mj.startup ? mathjax : "MathJax did not load",
    math: maths.length,
    untypeset: maths.filter((m) => !m.querySelector("mjx-container"))
                    .map((m) => m.textContent.trim().slice(0, 80)),
    text: text.join(" "),
    images: images.length,
    broken: broken,
    colab: Array.from(document.querySelectorAll("a[href*='colab.research.google.com']"))
                .map((a) => a.href),
  });
});
"""

# Raw TeX a reader should never see: display/inline delimiters MathJax would have replaced,
# environments, and an inline $...$ that holds a TeX command (a dollar amount holds none).
RAW_MATH = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$(?=\S)[^$]*?\\[A-Za-z]+[^$]*?\$")


def _console_errors(driver, host):
    """SEVERE console entries, less failed loads from other hosts (unreachable offline) and
    the browser's own favicon probe."""
    errors = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        message = entry["message"]
        url = message.split(" ", 1)[0]
        offline = ("net::ERR_" in message and url.startswith("http")
                   and urlparse(url).hostname != host)
        # Chromium asks for /favicon.ico by itself when a page names no icon; the site never
        # links it, so its 404 is not a broken resource of the book.
        own_favicon_probe = urlparse(url).path == "/favicon.ico"
        if not (offline or own_favicon_probe):
            errors.append(message)
    return errors


def _open(driver, url):
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    return driver.execute_async_script(WAIT_AND_INSPECT)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, browser, site_url):
    """The page loads without console errors, its math is typeset, its images decode, and its
    Colab button (chapters only) opens this chapter's notebook in the repository."""
    if not (SITE / f"{page}.html").is_file():
        pytest.fail(f"{page}.html is missing from the built site {SITE} (is "
                    f"{page} written, and the site rebuilt with `make book`?)", pytrace=False)
    report = _open(browser, f"{site_url}/{page}.html")
    problems = []

    errors = _console_errors(browser, urlparse(site_url).hostname)
    if errors:
        problems.append("console errors:\n  " + "\n  ".join(errors))

    if report["math"]:
        if report["mathjax"] != "ok":
            problems.append(f"{report['math']} formulas but {report['mathjax']}")
        if report["untypeset"]:
            problems.append(f"{len(report['untypeset'])} of {report['math']} formulas not "
                            f"typeset, e.g. {report['untypeset'][:3]}")
    raw = sorted({m.group(0)[:60] for m in RAW_MATH.finditer(report["text"])})
    if raw:
        problems.append(f"raw TeX in the page text: {raw[:5]}")

    if report["broken"]:
        problems.append(f"{len(report['broken'])} of {report['images']} images do not "
                        f"decode: {report['broken'][:5]}")

    colab = sorted(set(report["colab"]))
    if page in NOTEBOOKS:
        org, repo, branch = _repository()
        pattern = re.compile(rf"https://colab\.research\.google\.com/github/{re.escape(org)}/"
                             rf"{re.escape(repo)}/blob/{re.escape(branch)}/(chapters/[^/?#]+\.ipynb)")
        targets = [m.group(1) for m in map(pattern.fullmatch, colab) if m]
        if len(colab) != 1 or targets != [f"{page}.ipynb"]:
            problems.append(f"expected one Colab link to {org}/{repo}@{branch}/{page}.ipynb, "
                            f"found {colab}")
        elif not (ROOT / targets[0]).is_file():
            problems.append(f"the Colab link opens {targets[0]}, not in the repository")
    elif colab:
        problems.append(f"a page that is not a notebook has a Colab link: {colab}")

    assert not problems, f"{page}.html:\n" + "\n".join(problems)


def test_search_finds_backpropagation(browser, site_url):
    """Sphinx's client-side search (searchindex.js) returns the backpropagation chapter."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site_url}/search.html?q=backpropagation")
    find_results = ("return Array.from(document.querySelectorAll('#search-results li a'))"
                    ".map(a => a.href)")
    # A search with no hits also ends: Sphinx then writes a "no documents" summary.
    WebDriverWait(browser, TIMEOUT).until(
        lambda d: d.execute_script(find_results)
        or "did not match any" in d.execute_script(
            "const s = document.querySelector('#search-results'); return s ? s.innerText : ''"),
        message=f"the search page showed neither results nor 'no match' within {TIMEOUT} s")
    links = browser.execute_script(find_results)
    assert any("backpropagation" in link for link in links), (
        f"searching 'backpropagation' found {links}")


@pytest.mark.parametrize("name, page", [
    ("landing", ""),  # the site's address: index.html sends the reader to the root page
    ("chapter", "chapters/05_backpropagation.html"),
])
def test_screenshot(name, page, browser, site_url):
    """Save a screenshot for a person to look at. (Weak as a check: only that the page opens,
    the landing page on the book's root page, and that the PNG is not tiny; what it shows is
    judged by eye.)"""
    from selenium.webdriver.support.ui import WebDriverWait

    if page and not (SITE / page).is_file():
        pytest.fail(f"{page} is missing from the built site", pytrace=False)
    browser.get(f"{site_url}/{page}")
    if not page:
        root = f"/{TOC_FILES[0]}.html"
        WebDriverWait(browser, 10).until(lambda d: urlparse(d.current_url).path == root)
    browser.execute_async_script(WAIT_AND_INSPECT)  # let MathJax and images finish
    if page:  # show typeset math: scroll the chapter's first display formula into view
        browser.execute_script("const m = document.querySelector('div.math');"
                               "if (m) m.scrollIntoView({block: 'center'});")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    print(f"screenshot: {path}")
