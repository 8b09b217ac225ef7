"""The whole book as one PDF (``make pdf``), printed from the built HTML by headless Chromium.

Usage: ``python tools/make_pdf.py [--html _build/html] [--out _build/pdf/book.pdf]``

It needs the built book (``make book``; nothing is executed again) and the browser of the
browser tests (Debian's ``chromium``, driven by Playwright from requirements-dev.txt;
``CHROMIUM`` names another). Steps:

1. serve the built site on 127.0.0.1 and open, in Chromium, the first page of _toc.yml that
   loads MathJax;
2. replace its article by a title page, a table of contents (the parts of _toc.yml and each
   page's title) and the article of every page of _toc.yml in reading order, fetched from
   the site; ids are prefixed with their page so that they stay unique, and links between
   pages become links inside the PDF; hidden cells are opened; MathJax typesets the lot;
3. print it with the print stylesheet (book/_static/print.css: code wraps, solutions in
   place without their toggle, figures kept whole) and page numbers in the footer, with the
   headings as the PDF's outline (bookmarks);
4. read the text back (pypdf) to learn on which page each chapter starts, write those
   numbers into the table of contents and print again. Beside the PDF, ``book.json`` lists
   the pages, their titles and first pages, and any code block wider than the printed column
   (measured in the print layout; the test requires none).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import http.server
import os
import re
import sys
import threading
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.check_book import toc_files  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PRINT_CSS = ROOT / "book" / "_static" / "print.css"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT_MS = 300_000

FOOTER = ('<div style="font-size: 8pt; width: 100%; text-align: center; color: #444;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')

# Runs in the page: builds the one-document book from the toc pages' articles.
ASSEMBLE_JS = r"""async ({pages, parts, title, author}) => {
  const article = document.querySelector('article.bd-article') ||
                  document.querySelector('main') || document.body;
  const here = new URL(location.href);
  const pageOf = url => {
    const u = new URL(url, here);
    if (u.origin !== here.origin) return null;
    const path = u.pathname.replace(/^\//, '').replace(/\.html$/, '');
    return pages.includes(path) ? path : null;
  };
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;',
                                                  '"': '&quot;'}[c]));
  const sections = [];
  const titles = {};
  for (const name of pages) {
    const response = await fetch('/' + name + '.html');
    if (!response.ok) throw new Error(name + '.html: HTTP ' + response.status);
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    const body = doc.querySelector('article.bd-article');
    if (!body) throw new Error(name + '.html has no article.bd-article');
    const base = new URL('/' + name + '.html', here);
    body.querySelectorAll('[id]').forEach(e => { e.id = name + '/' + e.id; });
    body.querySelectorAll('label[for], output[for]').forEach(e =>
        e.setAttribute('for', name + '/' + e.getAttribute('for')));
    body.querySelectorAll('a[href]').forEach(a => {
      const target = new URL(a.getAttribute('href'), base);
      const page = pageOf(target.href);
      if (page) {
        a.setAttribute('href', '#' + page + (target.hash ? '/' + decodeURIComponent(
            target.hash.slice(1)) : ''));
      } else {
        a.setAttribute('href', target.href);
      }
    });
    body.querySelectorAll('img[src]').forEach(img => {
      img.setAttribute('src', new URL(img.getAttribute('src'), base).href);
      img.loading = 'eager';
    });
    body.querySelectorAll('details').forEach(d => { d.open = true; });
    const h1 = body.querySelector('h1');
    titles[name] = h1 ? h1.textContent.replace(/[#¶]\s*$/, '').trim() : name;
    const section = document.createElement('section');
    section.className = 'pdf-page';
    section.id = name;
    section.append(...body.childNodes);
    sections.push(section);
  }
  let toc = '<section class="pdf-front" id="pdf-front"><h1 class="pdf-title">' + esc(title) +
            '</h1><p class="pdf-author">' + esc(author) + '</p>' +
            '<nav class="pdf-toc" aria-label="Contents"><h2>Contents</h2>';
  for (const part of parts) {
    if (part.caption) toc += '<h3>' + esc(part.caption) + '</h3>';
    toc += '<ol>';
    for (const name of part.files) {
      toc += '<li><a href="#' + esc(name) + '">' + esc(titles[name]) +
             '</a><span class="pdf-toc-page" data-page-of="' + esc(name) + '">000</span></li>';
    }
    toc += '</ol>';
  }
  toc += '</nav></section>';
  article.innerHTML = toc;
  article.append(...sections);
  const style = document.createElement('style');
  style.textContent = `
    section.pdf-front { break-after: page; }
    h1.pdf-title { font-size: 2.2em; margin-top: 30vh; }
    nav.pdf-toc { break-before: page; }
    nav.pdf-toc ol { list-style: none; padding-left: 0; }
    nav.pdf-toc li { display: flex; gap: 0.5em; }
    nav.pdf-toc li a { flex: 1; text-decoration: none !important; }
    nav.pdf-toc li a::after { content: ""; }
    section.pdf-page { break-before: page; }
    /* The theme hides a page's first h1 in print (it prints the title itself): here each
       chapter keeps its own. */
    .bd-main .bd-content .bd-article section.pdf-page h1:first-of-type { display: block !important; }`;
  document.head.append(style);
  if (window.MathJax && MathJax.typesetPromise) {
    if (MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    MathJax.typesetClear && MathJax.typesetClear();
    await MathJax.typesetPromise([article]);
  }
  await Promise.all([...document.images].filter(i => !i.complete).map(i =>
      new Promise(done => { i.onload = i.onerror = done; setTimeout(done, 20000); })));
  return {titles, broken: [...document.images].filter(i => !i.naturalWidth).map(i => i.src)};
}"""

# Code blocks (and outputs) wider than the column in the print layout: cut off on paper.
OVERFLOW_JS = r"""() => [...document.querySelectorAll('section.pdf-page pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => (pre.closest('section.pdf-page').id + ': ' +
                 pre.textContent.split('\n').reduce((a, b) => b.length > a.length ? b : a, '')))"""

SET_PAGES_JS = r"""numbers => {
  document.querySelectorAll('span.pdf-toc-page').forEach(s => {
    s.textContent = numbers[s.dataset.pageOf] || '';
  });
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def toc_parts(root: Path = ROOT) -> list[dict]:
    """The parts of _toc.yml: ``[{"caption": ..., "files": [...]}]``, the root page first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    parts = [{"caption": "", "files": [toc["root"]]}]
    for part in toc.get("parts", []):
        parts.append({"caption": part.get("caption", ""),
                      "files": [c["file"] for c in part.get("chapters", [])]})
    return parts


def squeeze(text: str) -> str:
    """``text`` without whitespace and with ligatures undone (NFKC): PDF text compares equal
    however the lines were broken."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def start_pages(texts: list[str], titles: dict[str, str]) -> dict[str, int]:
    """The page (1-based) on which each toc page starts, given the text of every PDF page:
    after the contents, the first page following the previous one's whose text begins with
    its title (every toc page starts on a new page)."""
    squeezed = [squeeze(t) for t in texts]
    position = next((i + 1 for i, t in enumerate(squeezed) if t.startswith("Contents")), 0)
    found: dict[str, int] = {}
    for name, title in titles.items():   # in reading order: search forward only
        wanted = squeeze(title)
        for i in range(position, len(squeezed)):
            if squeezed[i].startswith(wanted):
                found[name] = i + 1
                position = i + 1
                break
    return found


def pdf_texts(pdf: Path) -> list[str]:
    """The text of every page of ``pdf`` (pypdf)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def make_pdf(html: Path, out: Path, *, toc_root: Path = ROOT, browser=None) -> dict:
    """Print the built book at ``html`` into the PDF ``out``, the pages of
    ``toc_root/_toc.yml`` in order; returns the pages, their titles and start pages.
    ``browser`` is a running Playwright Chromium (the browser tests'); by default Chromium
    is started for the job."""
    if not (html / "index.html").is_file():
        raise SystemExit(f"{html / 'index.html'} does not exist: build the book first "
                         "(`make book`).")
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"No Chromium at {CHROMIUM}: `apt-get install -y chromium`, or set "
                         "CHROMIUM=/path/to/chromium.")
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return make_pdf(html, out, toc_root=toc_root, browser=chromium)
            finally:
                chromium.close()

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    pages = toc_files(toc_root)
    out.parent.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with contextlib.closing(browser.new_page(viewport={"width": 1000, "height": 1400})) \
                as page:
            page.set_default_timeout(TIMEOUT_MS)
            base = None
            for name in pages:
                page.goto(f"{origin}/{name}.html", wait_until="load")
                if page.evaluate("() => !!(window.MathJax && MathJax.typesetPromise)"):
                    base = name
                    break
            if base is None:
                raise SystemExit("no page of the book loads MathJax: cannot typeset the PDF")
            page.emulate_media(media="print")
            if not page.locator('link[href*="print.css"]').count():   # an older build
                page.add_style_tag(content=PRINT_CSS.read_text(encoding="utf-8"))
            result = page.evaluate(ASSEMBLE_JS, {
                "pages": pages, "parts": toc_parts(toc_root),
                "title": config.get("title", ""), "author": config.get("author", "")})
            if result["broken"]:
                raise SystemExit(f"images did not load: {result['broken'][:5]}")
            # The layout of the printed page (A4 less the margins, 178 mm = 673 px): no code
            # block may be wider than the column (print.css wraps lines).
            page.set_viewport_size({"width": 673, "height": 1000})
            overflowing = page.evaluate(OVERFLOW_JS)
            options = dict(format="A4", print_background=True, outline=True, tagged=True,
                           display_header_footer=True, header_template="<div></div>",
                           footer_template=FOOTER,
                           margin={"top": "16mm", "bottom": "18mm", "left": "16mm",
                                   "right": "16mm"})
            page.pdf(path=str(out), **options)
            numbers = start_pages(pdf_texts(out), result["titles"])
            page.evaluate(SET_PAGES_JS, numbers)
            page.pdf(path=str(out), **options)
    finally:
        httpd.shutdown()
        httpd.server_close()
    report = {"pages": pages, "titles": result["titles"], "start_pages": numbers,
              "overflowing_code": overflowing}
    out.with_suffix(".json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "book.pdf")
    args = parser.parse_args(argv)
    done = make_pdf(args.html, args.out)
    missing = [p for p in done["pages"] if p not in done["start_pages"]]
    for line in done["overflowing_code"]:
        print(f"make_pdf: code wider than the printed column: {line}")
    print(f"make_pdf: {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), "
          f"{len(done['pages'])} pages of the book"
          + (f"; no outline entry for {missing}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
