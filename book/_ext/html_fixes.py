"""Sphinx extension: fixes to the built HTML pages, found by the browser tests.

Loaded by _config.yml (``sphinx.local_extensions``). One fix:

* No inline script twice on a page. Sphinx 7.4 adds an inline script registered after the
  builder started (``app.add_js_file(None, body=...)``, as sphinx-thebe and
  sphinx-togglebutton do) a second time when it starts writing, because it compares
  ``None`` with ``''`` as file names. sphinx-thebe's second
  ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been
  declared" on every page. This drops the repeats before the page is written.
"""
from __future__ import annotations


def _key(script):
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler: keep the first of identical ``<script>`` entries."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list) or not all(hasattr(s, "attributes") for s in scripts):
        return
    seen, unique = set(), []
    for script in scripts:
        if (key := _key(script)) not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    # After the handlers that add page-specific scripts (default priority 500).
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
