"""The built book in headless Chromium, with every request off 127.0.0.1 blocked.

For every page of the table of contents: it loads with no console error, uncaught exception,
failed request or request to the internet; its math is typeset by the local MathJax (no raw
``$$`` or ``\\(`` left, no TeX error); every image loads; every internal link resolves to a
file and anchor of the build. Then: an exercise's solution dropdown opens on a click. The
explorers (sliders over pre-rendered figures) are tested in test_sliders.py.
Screenshots go to _build/screenshots/. See conftest.py for how to run these tests.
"""
from __future__ import annotations

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
    v.page.screenshot(path=screenshot_path(name))
    assert not problems, f"{v.url}:\n  " + "\n  ".join(problems)
    assert local, f"{v.url} has no internal links at all (no navigation?)"


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
    button.click()
    content.wait_for(state="visible")
    assert button.get_attribute("aria-expanded") == "true"
    assert content.inner_text().strip(), "the opened solution is empty"
    solution.screenshot(path=screenshot_path(f"{pages[0]}-solution-open"))
    assert not v.problems, f"{v.url}:\n  " + "\n  ".join(v.problems)
