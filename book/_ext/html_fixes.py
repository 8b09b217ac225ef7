"""Sphinx extension: fixes to the built HTML pages, found by the browser tests.

Loaded by _config.yml (``sphinx.local_extensions``). Three fixes:

* The API page summarises the rule tables ``RULES`` and ``UFUNC_RULES`` as a table of rule
  names instead of printing their values (~6,000 characters each).

* No inline script twice on a page. Sphinx 7.4 adds an inline script registered after the
  builder started (``app.add_js_file(None, body=...)``, as sphinx-thebe and
  sphinx-togglebutton do) a second time when it starts writing, because it compares
  ``None`` with ``''`` as file names. sphinx-thebe's second
  ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been
  declared" on every page. This drops the repeats before the page is written.

* No saved widget state. nbclient stores the state of every ipywidget a chapter creates and
  myst-nb writes it into the page (150 KB on a page with an explorer), for a renderer the
  book does not load: the explorers show pre-rendered frames in the HTML
  (``lecture_code.widgets.frames``). This drops the state script.
"""
from __future__ import annotations


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _key(script):
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler: keep the first of identical ``<script>`` entries, and
    none with saved widget state."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list) or not all(hasattr(s, "attributes") for s in scripts):
        return
    seen, unique = set(), []
    for script in scripts:
        if script.attributes.get("type") == WIDGET_STATE:
            continue
        if (key := _key(script)) not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


_RULE_TABLES = ("lecture_code.autodiff.rules.RULES", "lecture_code.autodiff.rules.UFUNC_RULES")


def summarise_rule_tables(app, what, name, obj, options, lines):
    """``autodoc-process-docstring``: a table of the rules' names under RULES/UFUNC_RULES."""
    if name not in _RULE_TABLES or not isinstance(obj, dict):
        return
    rows = []
    for key, rule in obj.items():
        shown = key if isinstance(key, str) else f"numpy.{getattr(key, '__name__', key)}"
        rows.append((shown, getattr(rule, "name", str(rule)), getattr(rule, "nargs", "")))
    lines += ["", f"{len(obj)} entries:", "", ".. list-table::", "   :header-rows: 1", "",
              "   * - key", "     - rule", "     - arguments"]
    for key, rule_name, nargs in rows:
        lines += [f"   * - ``{key}``", f"     - ``{rule_name}``", f"     - {nargs}"]
    lines.append("")


def setup(app):
    app.connect("autodoc-process-docstring", summarise_rule_tables)
    # After the handlers that add page-specific scripts (default priority 500).
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
