"""Fixtures of the browser tests: the built book served on 127.0.0.1, headless Chromium.

Run after building the book (``make test`` runs them after ``jupyter-book build``):

    .venv/bin/python -m pip install -r requirements-dev.txt    # Playwright (the driver only)
    .venv/bin/python -m pytest -p no:cacheprovider tests/browser

Chromium is Debian's (``apt-get install chromium``), never a browser downloaded by Playwright.
Environment variables: ``SKIP_BROWSER_TEST=1`` skips these tests; ``CHROMIUM`` is the browser
(default /usr/bin/chromium); ``BOOK_HTML`` the built site (default _build/html) and
``BOOK_TOC`` its table of contents (default _toc.yml), to test a partial build.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .book_site import SiteServer, html_root

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 30_000


def asked_for(config) -> bool:
    """Whether the command line names this folder (or a file in it) explicitly."""
    here = Path(__file__).resolve().parent
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path.is_relative_to(here):
            return True
    return False


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests unless asked for by path: they need the built book, so the unit
    run (`pytest tests/`, before the book is built) leaves them to `make test-browser`."""
    if os.environ.get("SKIP_BROWSER_TEST") == "1":
        reason = "SKIP_BROWSER_TEST=1"
    elif not asked_for(config):
        reason = "browser tests run on their own, after the book build: pytest tests/browser"
    else:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(item.path).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def server():
    root = html_root()
    if not (root / "index.html").is_file():
        pytest.fail(f"{root / 'index.html'} does not exist: build the book first (`make book`, "
                    "or `.venv/bin/jupyter-book build .`), then run the browser tests.")
    shutil.rmtree(root.parent / "screenshots", ignore_errors=True)   # this run's only
    with SiteServer(root) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's (`apt-get install -y "
                    "chromium`; .ci/run does) or set CHROMIUM=/path/to/chromium; "
                    "SKIP_BROWSER_TEST=1 skips the browser tests.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `.venv/bin/python -m pip install -r "
                    "requirements-dev.txt` (the Python package only; never `playwright install`).")
    # launch() gives Chromium a fresh, empty user-data directory of its own every time.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page opened in the browser and everything that went wrong while loading it."""

    page: object
    url: str
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def visit(server, browser):
    """``visit(name)`` opens toc page ``name`` with every request off 127.0.0.1 blocked.

    Returns a :class:`Visit` whose ``problems`` lists console errors, uncaught exceptions,
    failed or blocked requests and HTTP errors (the list keeps growing while the page lives).
    The window is a 1280 x 900 desktop one.
    """
    yield from _visitor(server, browser, {"width": 1280, "height": 900})


@pytest.fixture
def phone_visit(server, browser):
    """Like ``visit``, in a 390 x 844 phone window (an iPhone 12-15's CSS pixels)."""
    yield from _visitor(server, browser, {"width": 390, "height": 844})


@pytest.fixture
def dark_visit(server, browser):
    """Like ``visit``, for a reader whose system asks for dark mode (the theme follows it)."""
    yield from _visitor(server, browser, {"width": 1280, "height": 900}, color_scheme="dark")


def _visitor(server, browser, viewport, color_scheme="light"):
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    context.set_default_timeout(TIMEOUT_MS)

    def visit(name: str) -> Visit:
        url = server.url(name)
        page = context.new_page()
        result = Visit(page, url)
        problems = result.problems

        def route(route):
            if server.is_local(route.request.url):
                route.continue_()
            else:  # the book must read offline: nothing may come from the internet
                problems.append(f"request outside the book: {route.request.url}")
                route.abort("blockedbyclient")

        page.route("**/*", route)
        page.on("console", lambda msg: msg.type == "error" and problems.append(
            f"console error: {msg.text} ({msg.location.get('url', '')})"))
        page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
        page.on("requestfailed", lambda req: server.is_local(req.url) and problems.append(
            f"request failed: {req.url} ({req.failure})"))
        page.on("response", lambda resp: resp.status >= 400 and problems.append(
            f"HTTP {resp.status}: {resp.url}"))
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            problems.append(f"{url} answered {response and response.status}")
        page.wait_for_load_state("networkidle")
        return result

    yield visit
    context.close()
