"""The chapters read well in JupyterLab: jupyterlab-myst renders their MyST (issue 14, §2).

The student edition is written to a temporary folder, JupyterLab (from this environment, with
the pinned jupyterlab-myst) serves it on 127.0.0.1, and headless Chromium opens chapters: the
learning-objectives admonition is drawn as a box, the math is typeset, every display equation
is numbered, no cross-reference is left unresolved and no MyST markup shows as raw text.
Run with the other browser tests (``pytest tests/browser``); it needs no built book.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tools.make_student import build

CHAPTERS = ["08_gaussians.ipynb", "11_em.ipynb"]   # widgets, admonitions, cross-chapter refs
TOKEN = "jupyterlab-myst-check"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    edition = tmp / "student"
    build(edition)
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Render every cell, not only those on screen, so the whole notebook can be read.
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_DATA_DIR": str(tmp / "data")}
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={edition}", f"--LabApp.user_settings_dir={tmp / 'settings'}",
            f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    log = open(tmp / "lab.log", "w")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {(tmp / 'lab.log').read_text()[-2000:]}")
        yield url, edition
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_jupyterlab_renders_the_chapters_myst(lab, browser, name):
    # ``browser`` is the session's Chromium (conftest.py): a second sync_playwright() in the
    # same session would refuse to start inside the first one's event loop.
    url, edition = lab
    source = json.loads((edition / name).read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in source["cells"]
                         if c["cell_type"] == "markdown")
    displays = len(re.findall(r"\$\$[^$]+\$\$", markdown))
    page = browser.new_page(viewport={"width": 1300, "height": 1600})
    try:
        page.goto(f"{url}/lab/tree/{name}?token={TOKEN}", timeout=120_000)
        page.wait_for_selector(".jp-MarkdownCell .katex", timeout=120_000, state="attached")
        page.wait_for_function(
            f"document.querySelectorAll('.jp-MarkdownCell').length >= "
            f"{sum(c['cell_type'] == 'markdown' for c in source['cells'])}", timeout=60_000)
        time.sleep(3)   # the last cells' math
        text = page.locator(".jp-Notebook").last.inner_text()
        boxes = page.locator(".jp-MarkdownCell aside").count()
        math = page.locator(".jp-MarkdownCell .katex").count()
    finally:
        page.close()
    assert boxes >= 1, f"{name}: the learning objectives are not drawn as an admonition"
    assert math > 0, f"{name}: no typeset math"
    numbers = re.findall(r"^\((\d+)\)$", text, re.M)
    assert numbers == [str(i) for i in range(1, displays + 1)], \
        f"{name}: display equations numbered {numbers}, expected 1..{displays}"
    raw = [pattern for pattern in (r"\{(eq|numref|cite|ref|admonition|py:\w+)\}", r"^\([\w-]+\)=",
                                   r"\$\$ ?\(eq-", r"\beq-[\w-]+", r"\bfig-[\w-]+")
           if re.search(pattern, text, re.M)]
    assert not raw, f"{name}: raw MyST or unresolved references in JupyterLab: {raw}"
