"""The built book as a web site: serve it on 127.0.0.1, list its pages, resolve its links.

Used by the browser tests (tests/browser/test_browser.py); nothing here needs a browser.
``BOOK_HTML`` (default _build/html) and ``BOOK_TOC`` (default _toc.yml) choose the site.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


def html_root() -> Path:
    """The built site: $BOOK_HTML, or _build/html."""
    return Path(os.environ.get("BOOK_HTML", HTML))


def toc_pages() -> list[str]:
    """The pages of the table of contents ($BOOK_TOC or _toc.yml), in reading order."""
    from tools.check_book import toc_files   # the repository root is on sys.path (conftest)

    toc = Path(os.environ.get("BOOK_TOC", ROOT / "_toc.yml"))
    if toc.name != "_toc.yml":
        raise ValueError(f"BOOK_TOC must name a file called _toc.yml, got {toc}")
    return toc_files(toc.parent)


def screenshot_path(name: str) -> Path:
    """Where the screenshot ``name`` goes: <site>/../screenshots/<name>.png, i.e.
    _build/screenshots/ (the folder is created as needed)."""
    folder = html_root().parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Stay quiet when the browser drops a connection (closing a page mid-request)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """``http.server`` on 127.0.0.1 (a free port) serving ``root`` from a daemon thread."""

    def __init__(self, root: Path):
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.origin = f"http://{self.host}:{self.port}"
        self.root = root
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, page: str) -> str:
        """The URL of a toc page such as ``book/intro`` (no suffix)."""
        return f"{self.origin}/{page}.html"

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and parts.netloc == f"{self.host}:{self.port}"

    def path_of(self, url: str) -> Path:
        """The file a local URL is served from (``dir/`` means ``dir/index.html``)."""
        path = unquote(urlsplit(url).path).lstrip("/")
        file = self.root / path
        return file / "index.html" if path == "" or path.endswith("/") or file.is_dir() else file


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.anchors.add(value)


@functools.lru_cache(maxsize=None)
def anchors(file: Path) -> frozenset[str]:
    """Every ``id`` (and ``<a name>``) in an HTML file: the fragments a link may point to."""
    parser = _Anchors()
    parser.feed(file.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.anchors)


def broken_link(server: SiteServer, href: str) -> str | None:
    """Why the local link ``href`` (absolute URL) does not resolve, or None if it does."""
    file = server.path_of(href)
    if not file.is_file():
        return f"{href}: no file {file.relative_to(server.root)} in the build"
    fragment = unquote(urlsplit(href).fragment)
    if fragment and file.suffix == ".html" and fragment not in anchors(file):
        return f"{href}: {file.relative_to(server.root)} has no element with id {fragment!r}"
    return None


def pages_containing(server: SiteServer, pages: list[str], pattern: str) -> list[str]:
    """The toc pages whose built HTML matches the regular expression ``pattern``."""
    regex = re.compile(pattern)
    return [p for p in pages if regex.search(
        (server.root / f"{p}.html").read_text(encoding="utf-8", errors="replace"))]
