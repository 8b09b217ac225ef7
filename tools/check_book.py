"""Checks of the book's sources and of the built HTML, run by ``make test``.

    python tools/check_book.py sources   # before building: toc <-> notebooks, no outputs,
                                         # code lines fit the column, figures have alt text,
                                         # every number in the prose checked (tools/claims.py)
    python tools/check_book.py html      # after building: pages exist, MathJax is local,
                                         # every chapter has Binder/Colab/download buttons

Each problem is printed with what to do about it; the exit status is 1 if there is any.
The same source checks run in the unit tests (tests/test_book_consistency.py).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

try:
    from tools.claims import claim_problems
except ImportError:                                   # run as a script: tools/ is on sys.path
    from claims import claim_problems

ROOT = Path(__file__).resolve().parent.parent
#: The longest code line (characters) that fits the text column without wrapping.
MAX_CODE_LINE = 80
#: The widest figure (inches) shown without shrinking: lecture_code.plotting._style.COLUMN_WIDTH.
MAX_FIGURE_WIDTH = 6.7
CDN_PATTERNS = ("cdn.jsdelivr.net/npm/mathjax", "mathjax@", "cdnjs.cloudflare.com/ajax/libs/mathjax")


def toc_files(root: Path = ROOT) -> list[str]:
    """Every ``file:`` (and the ``root:``) of _toc.yml, without suffix, in order."""
    files = []
    for line in (root / "_toc.yml").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*(?:-\s*)?(file|root)\s*:\s*(\S+)\s*$", line.split(" #")[0])
        if m:
            files.append(re.sub(r"\.(ipynb|md)$", "", m.group(2).strip("'\"")))
    return files


def book_pages(root: Path = ROOT) -> list[str]:
    """Every page (notebook or Markdown) under book/, as a path without suffix."""
    pages = [p for p in (root / "book").rglob("*") if p.suffix in (".ipynb", ".md")
             and ".ipynb_checkpoints" not in p.parts]
    return sorted(str(p.relative_to(root).with_suffix("")) for p in pages)


def duplicate_keys(path: Path) -> list[str]:
    """Keys given twice in one mapping of a YAML file (YAML keeps the last one silently)."""
    import yaml

    found = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                found.append(f"{path.name}, line {key_node.start_mark.line + 1}: {key!r} is "
                             "given twice in the same mapping; only the last one counts. "
                             "Merge the two into one.")
            seen.add(key)
        return loader.construct_mapping(node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    return found


def source_problems(root: Path = ROOT) -> list[str]:
    """Problems with the sources: toc and book/ disagree, notebooks stored with outputs,
    keys given twice in _config.yml or _toc.yml, numbers in the prose that no claim checks."""
    problems = []
    for config in ("_config.yml", "_toc.yml"):
        if (root / config).exists():
            problems += duplicate_keys(root / config)
    toc, pages = toc_files(root), book_pages(root)
    for dup in sorted({f for f in toc if toc.count(f) > 1}):
        problems.append(f"_toc.yml lists {dup} more than once.")
    for missing in sorted(set(toc) - set(pages)):
        problems.append(f"_toc.yml lists {missing}, which does not exist under book/: "
                        "remove the entry or add the page.")
    for orphan in sorted(set(pages) - set(toc)):
        problems.append(f"{orphan} is not in _toc.yml: add it in reading order, or delete it.")
    for nb in sorted((root / "book").glob("*.ipynb")):
        name = nb.relative_to(root)
        try:
            data = json.loads(nb.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{name} is not valid JSON ({exc}).")
            continue
        dirty = [i for i, c in enumerate(data.get("cells", [])) if c.get("cell_type") == "code"
                 and (c.get("outputs") or c.get("execution_count") is not None)]
        if dirty:
            problems.append(f"{name} is stored with outputs (code cells {dirty[:5]}...): clear "
                            "them, e.g. `jupyter nbconvert --clear-output --inplace " f"{name}`.")
        for i, cell in enumerate(data.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            long = [line for line in source.splitlines() if len(line) > MAX_CODE_LINE]
            if long:
                problems.append(
                    f"{name}, code cell {i}: {len(long)} line(s) longer than {MAX_CODE_LINE} "
                    f"characters (they do not fit the page's column), e.g. {long[0][:60]!r}...: "
                    "break them (wrap long comments, split calls after a comma).")
            wide = [float(w) for w in re.findall(r"figsize=\(\s*([\d.]+)\s*,", source)
                    if float(w) > MAX_FIGURE_WIDTH]
            if wide:
                problems.append(
                    f"{name}, code cell {i}: a figure {wide[0]:g} inches wide is shrunk to the "
                    f"text column and its text with it: use at most {MAX_FIGURE_WIDTH} inches "
                    "(lecture_code.plotting._style.COLUMN_WIDTH) and at most 3 panels a row.")
            mystnb = cell.get("metadata", {}).get("mystnb", {})
            if "figure" in mystnb and not mystnb.get("image", {}).get("alt", "").strip():
                problems.append(
                    f"{name}, code cell {i}: the figure {mystnb['figure'].get('name')!r} has no "
                    "alt text: add metadata mystnb.image.alt saying what the figure shows.")
        kernel = data.get("metadata", {}).get("kernelspec", {}).get("name")
        if kernel != "python3":
            problems.append(f"{name} has kernelspec {kernel!r}; use 'python3'.")
    problems += claim_problems(root)
    return problems


def html_problems(root: Path = ROOT) -> list[str]:
    """Problems with the built HTML: missing pages, MathJax from a CDN or missing, a dead
    ipywidgets renderer or widget state."""
    html = root / "_build" / "html"
    if not (html / "index.html").exists():
        return [f"{html / 'index.html'} does not exist: run `make book` first."]
    problems = []
    for page in toc_files(root):
        if not (html / f"{page}.html").exists():
            problems.append(f"{page}.html was not built.")
    mathjax = html / "_static" / "mathjax" / "tex-chtml.js"
    if not mathjax.exists():
        problems.append(f"{mathjax.relative_to(root)} is missing: is sphinx-mathjax-offline in "
                        "sphinx.extra_extensions of _config.yml?")
    for page in sorted(html.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for pattern in CDN_PATTERNS:
            if pattern in text:
                problems.append(f"{page.relative_to(root)} loads MathJax from a CDN "
                                f"({pattern!r}); the book must read offline.")
        for pattern in ("application/vnd.jupyter.widget-state+json", "@jupyter-widgets/html"
                        "-manager", "ipywidgets/embed"):
            if pattern in text:
                problems.append(f"{page.relative_to(root)} carries an ipywidgets renderer or "
                                f"saved widget state ({pattern!r}) that the page never uses: "
                                "see nb_ipywidgets_js in _config.yml and book/_ext/html_fixes.py.")
    math_pages = [p for p in html.rglob("*.html") if 'class="math' in p.read_text(
        encoding="utf-8", errors="replace")]
    for page in math_pages:
        if "_static/mathjax/tex-chtml.js" not in page.read_text(encoding="utf-8"):
            problems.append(f"{page.relative_to(root)} has math but does not load the local "
                            "MathJax (_static/mathjax/tex-chtml.js).")
    return problems


def _repository(root: Path) -> tuple[str, str]:
    """(owner/name, branch) of ``repository`` in _config.yml, as the launch buttons use them."""
    text = (root / "_config.yml").read_text(encoding="utf-8")
    url = re.search(r"^\s+url:\s*(?:&\S+\s+)?[\"']?https://github\.com/([\w.-]+/[\w.-]+?)"
                    r"(?:\.git)?[\"']?\s*(?:#.*)?$", text, re.MULTILINE)
    branch = re.search(r"^\s+branch:\s*[\"']?([\w./-]+)", text, re.MULTILINE)
    return (url.group(1) if url else "", branch.group(1) if branch else "main")


def launch_button_problems(root: Path = ROOT) -> list[str]:
    """Every chapter (notebook) page has Binder, Colab and download buttons for its notebook."""
    html = root / "_build" / "html"
    repo, branch = _repository(root)
    if not repo:
        return ["_config.yml has no repository.url on GitHub: the launch buttons need it."]
    problems = []
    for page in toc_files(root):
        if not (root / f"{page}.ipynb").exists() or not (html / f"{page}.html").exists():
            continue
        text = (html / f"{page}.html").read_text(encoding="utf-8", errors="replace")
        buttons = {
            "Binder": f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{page}.ipynb",
            "Colab": f"https://colab.research.google.com/github/{repo}/blob/{branch}/{page}.ipynb",
            "download": f"_sources/{page}.ipynb"}
        missing = [name for name, link in buttons.items() if link not in text]
        if missing:
            problems.append(f"{page}.html has no {', '.join(missing)} launch button(s) for "
                            f"{page}.ipynb: check launch_buttons, repository and html in "
                            "_config.yml.")
    return problems


def main(argv: list[str]) -> int:
    what = argv[1:] or ["sources", "html"]
    problems = []
    for step in what:
        if step == "sources":
            problems += source_problems()
        elif step == "html":
            problems += html_problems()
            problems += launch_button_problems()
        else:
            print(f"unknown check {step!r}: use 'sources' and/or 'html'", file=sys.stderr)
            return 2
    for p in problems:
        print(f"check_book: {p}", file=sys.stderr)
    if not problems:
        print(f"check_book: {', '.join(what)} OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
