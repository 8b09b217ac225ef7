"""The built book in headless Chromium, with every request off 127.0.0.1 blocked.

For every page of the table of contents: it loads with no console error, uncaught exception,
failed request or request to the internet; its math is typeset by the local MathJax (no raw
``$$`` or ``\\(`` left, no TeX error); every image loads; every internal link resolves to a
file and anchor of the build; every image has alt text that is not a file name; no code block
is wider than its box; axe-core (tests/browser/axe-core) finds no serious or critical
accessibility violation, in light and in dark mode. At 390 px (a phone) no page is wider
than the screen. Then: an
exercise's solution dropdown opens on a click anywhere on its title, and a figure opens full
size on a click. The explorers (sliders over pre-rendered figures) are tested in
test_sliders.py. Screenshots go to _build/screenshots/. See conftest.py for how to run them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .book_site import broken_link, pages_containing, screenshot_path, toc_pages

MATH_JS = r"""async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    const math = [...document.querySelectorAll('.math')];
    const untypeset = math.filter(e => !e.querySelector('mjx-container'))
                          .map(e => e.textContent.trim().slice(0, 80));
    const errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
        .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80));
    const text = (() => {
        const clone = document.body.cloneNode(true);
        clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
             .forEach(e => e.remove());
        return clone.textContent;
    })();
    const raw = [];
    for (const delim of ['$$', '\\(', '\\)', '\\[', '\\]', '\\begin{']) {
        const at = text.indexOf(delim);
        if (at >= 0) raw.push(text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' '));
    }
    return {mathjax: !!window.MathJax, count: math.length,
            typeset: document.querySelectorAll('mjx-container').length,
            untypeset, errors, raw};
}"""

IMAGES_JS = r"""async () => {
    const images = [...document.images];
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.filter(img => !img.complete).map(img => new Promise(done => {
        img.addEventListener('load', done);
        img.addEventListener('error', done);
        setTimeout(done, 10000);
    })));
    return {count: images.length,
            broken: images.filter(img => !(img.complete && img.naturalWidth > 0))
                          .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120))};
}"""

LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"

ALT_JS = r"""() => [...document.querySelectorAll('.bd-article img')]
    .filter(img => { const alt = (img.getAttribute('alt') || '').trim();
                     return !alt || /\.(png|jpe?g|svg|gif)$/i.test(alt) || /^[\w./-]+$/.test(alt); })
    .map(img => (img.getAttribute('src') || '').slice(-60) + ' alt=' +
                JSON.stringify(img.getAttribute('alt')))"""

CODE_OVERFLOW_JS = r"""() => [...document.querySelectorAll('.bd-article div.highlight pre')]
    .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: ` +
                pre.textContent.split('\n').reduce((a, b) => a.length >= b.length ? a : b)
                   .slice(0, 70))"""

PAGE_WIDTH_JS = r"""() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('.bd-article *')]
        .filter(e => e.getBoundingClientRect().right > width + 1 && e.offsetParent !== null
                     && !e.closest('.math, mjx-container, pre, .highlight, table, .table'))
        .slice(0, 5).map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> ` +
                            (e.textContent || '').trim().slice(0, 50));
    return {scroll: document.documentElement.scrollWidth, width, wide};
}"""

AXE = Path(__file__).parent / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_RUN_JS = r"""async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                    where: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                    why: v.nodes.length ? (v.nodes[0].failureSummary || '').slice(0, 200) : ''}));
}"""


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page, one line each."""
    code = AXE.read_bytes()
    assert hashlib.sha256(code).hexdigest() == AXE_SHA256, \
        f"{AXE} is not the vendored axe-core (see its README.txt)"
    page.add_script_tag(content=code.decode("utf-8"))
    return [f"axe {v['impact']} {v['id']} ({v['help']}): {v['count']} node(s), e.g. "
            f"{v['where']}: {v['why']}" for v in page.evaluate(AXE_RUN_JS)]



@pytest.mark.parametrize("name", toc_pages())
def test_page(name, server, visit):
    """One toc page: loads cleanly, math typeset, images loaded, internal links resolve."""
    v = visit(name)
    problems = v.problems
    math = v.page.evaluate(MATH_JS)
    if math["count"]:
        if not math["mathjax"]:
            problems.append(f"{math['count']} math elements but MathJax did not load")
        problems += [f"math not typeset: {m!r}" for m in math["untypeset"]]
        problems += [f"MathJax error: {m!r}" for m in math["errors"]]
    problems += [f"raw TeX left in the text: ...{r}..." for r in math["raw"]]
    images = v.page.evaluate(IMAGES_JS)
    problems += [f"image did not load: {src}" for src in images["broken"]]
    hrefs = sorted(set(v.page.evaluate(LINKS_JS)))
    local = [h for h in hrefs if server.is_local(h)]
    problems += [p for p in map(lambda h: broken_link(server, h), local) if p]
    problems += [f"image without alt text saying what it shows: {a}"
                 for a in v.page.evaluate(ALT_JS)]
    problems += [f"code block wider than its box at 1280 px: {c}"
                 for c in v.page.evaluate(CODE_OVERFLOW_JS)]
    problems += axe_violations(v.page)
    v.page.screenshot(path=screenshot_path(name))
    assert not problems, f"{v.url}:\n  " + "\n  ".join(problems)
    assert local, f"{v.url} has no internal links at all (no navigation?)"


@pytest.mark.parametrize("name", toc_pages())
def test_page_fits_a_phone(name, phone_visit):
    """At 390 px no page is wider than the screen (equations and code scroll in their box)."""
    v = phone_visit(name)
    width = v.page.evaluate(PAGE_WIDTH_JS)
    v.page.screenshot(path=screenshot_path(f"{name}-phone"))
    assert width["scroll"] <= width["width"], (
        f"{v.url} is {width['scroll']} px wide in a {width['width']} px window; too wide: "
        f"{width['wide']}")
    assert not v.problems, f"{v.url}:\n  " + "\n  ".join(v.problems)


@pytest.mark.parametrize("name", toc_pages())
def test_page_in_dark_mode(name, dark_visit):
    """With the system in dark mode the theme turns dark, and axe-core still finds no serious
    problem (text contrast against the dark background included)."""
    v = dark_visit(name)
    assert v.page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    problems = v.problems + axe_violations(v.page)
    v.page.screenshot(path=screenshot_path(f"{name}-dark"))
    assert not problems, f"{v.url} (dark):\n  " + "\n  ".join(problems)


def test_a_figure_opens_full_size_on_click(server, visit):
    pages = pages_containing(server, toc_pages(), r'class="figure-zoom|<figure')
    if not pages:
        pytest.skip("no page of the book has a figure yet")
    v = visit(pages[0])
    link = v.page.locator("a.figure-zoom").first
    link.scroll_into_view_if_needed()
    link.click()
    overlay = v.page.locator(".figure-zoom-overlay")
    overlay.wait_for(state="visible")
    big = overlay.locator("img")
    assert big.get_attribute("alt"), "the full-size figure has no alt text"
    v.page.wait_for_function("() => document.querySelector('.figure-zoom-overlay img')"
                             ".naturalWidth > 0")
    v.page.screenshot(path=screenshot_path(f"{pages[0]}-figure-zoom"))
    v.page.keyboard.press("Escape")
    overlay.wait_for(state="detached")
    assert not v.problems, f"{v.url}:\n  " + "\n  ".join(v.problems)


def test_every_toc_page_was_built(server):
    missing = [p for p in toc_pages() if not (server.root / f"{p}.html").is_file()]
    assert not missing, f"toc pages not in the build: {missing}; rebuild the book."


def test_a_solution_dropdown_opens_on_click(server, visit):
    pages = pages_containing(server, toc_pages(), r'class="solution[^"]*\bdropdown')
    if not pages:
        pytest.skip("no page of the book has an exercise solution in a dropdown yet")
    v = visit(pages[0])
    solution = v.page.locator("div.solution.dropdown").first
    button = solution.locator(".admonition-title button.toggle-button")
    content = solution.locator(":scope > .admonition-title ~ *").first
    solution.scroll_into_view_if_needed()
    assert content.count() == 1, f"the first solution of {v.url} has no content"
    assert content.is_hidden(), f"the first solution of {v.url} is shown before any click"
    assert button.get_attribute("aria-expanded") == "false"
    url = v.page.url
    title_link = solution.locator(".admonition-title a").first
    if title_link.count():   # a click where the title shows its link back to the exercise
        box = title_link.bounding_box()
        v.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    else:
        button.click()
    content.wait_for(state="visible")
    assert v.page.url == url, f"a click on the solution's title went to {v.page.url}"
    assert button.get_attribute("aria-expanded") == "true"
    assert content.inner_text().strip(), "the opened solution is empty"
    solution.screenshot(path=screenshot_path(f"{pages[0]}-solution-open"))
    assert not v.problems, f"{v.url}:\n  " + "\n  ".join(v.problems)
