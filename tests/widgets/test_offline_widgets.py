"""The vendored ipywidgets renderer (book/_static/ipywidgets) is complete and matches the pins.

The built book renders saved widget state offline with these files (README.txt there says
where they come from); the browser tests (tests/browser) check that it works in Chromium.
These quick checks catch a broken update before any build: a missing font or licence, a
renderer too old or too new for the pinned ipywidgets, _config.yml pointing elsewhere.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import ipywidgets._version as ipyw
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "book" / "_static" / "ipywidgets"
README = (VENDOR / "README.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sphinx_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]


@pytest.fixture(scope="module")
def embed_js():
    return (VENDOR / "embed.js").read_text(encoding="utf-8")


def test_config_serves_the_renderer_from_the_book(sphinx_config):
    assert "book/_static" in sphinx_config["html_static_path"]
    scripts = list(sphinx_config["nb_ipywidgets_js"])
    assert scripts == ["ipywidgets/mathjax3-hub-shim.js", "ipywidgets/embed.js"], \
        "the shim must come before embed.js, and nothing may come from a CDN"
    for script in scripts:
        assert (ROOT / "book" / "_static" / script).is_file(), f"{script} is missing"


def test_embed_js_is_the_recorded_release(embed_js):
    recorded = re.search(r"sha256\(embed\.js\) = ([0-9a-f]{64})", README).group(1)
    actual = hashlib.sha256((VENDOR / "embed.js").read_bytes()).hexdigest()
    assert actual == recorded, "embed.js differs from the release README.txt records"


def test_renderer_version_fits_the_pinned_ipywidgets():
    vendored = tuple(map(int, re.search(r"html-manager (\d+)\.(\d+)\.(\d+)", README).groups()))
    wanted = re.fullmatch(r"\^(\d+)\.(\d+)\.(\d+)", ipyw.__html_manager_version__)
    minimum = tuple(map(int, wanted.groups()))
    assert vendored[0] == minimum[0] and vendored >= minimum, (
        f"ipywidgets {ipyw.__version__} wants html-manager {ipyw.__html_manager_version__}, "
        f"book/_static/ipywidgets has {'.'.join(map(str, vendored))}: update it (README.txt)")


def test_renderer_knows_the_widget_model_versions(embed_js):
    for version in (ipyw.__jupyter_widgets_controls_version__,
                    ipyw.__jupyter_widgets_base_version__,
                    ipyw.__jupyter_widgets_output_version__):
        assert f'"{version}"' in embed_js, f"embed.js does not know model version {version}"


def test_every_asset_embed_js_loads_is_vendored(embed_js):
    assets = set(re.findall(r'"([0-9a-f]{20}\.(?:woff2?|ttf|eot|svg))"', embed_js))
    assert assets, "no font files named in embed.js: has the bundle's layout changed?"
    missing = sorted(a for a in assets if not (VENDOR / a).is_file())
    assert not missing, f"embed.js loads {missing}, which are not in {VENDOR}"


def test_no_cdn_left_in_the_shim_and_licences_present():
    shim = (VENDOR / "mathjax3-hub-shim.js").read_text(encoding="utf-8")
    assert "://" not in shim
    for licence in ("LICENSE-ipywidgets.txt", "LICENSE-fontawesome.txt",
                    "embed.js.LICENSE.txt"):
        assert (VENDOR / licence).stat().st_size > 0, f"{licence} is missing"
