"""The claims rule, kept by the build: every number a chapter's prose states is tied to a check.

A *number in the prose* is a numeral of two or more digits, a decimal, a power of ten, a
percentage or a ratio ("3×") in a Markdown cell, outside code, roles, links and display maths;
in inline maths a decimal or power of ten on its own (``$0.075$``, ``$10^{-9}$``; an integer
such as ``$-13$`` is usually a label or a setting) and what follows ``\\approx``,
``\\sim`` or ``≈`` (``$h = 0.1$`` sets a value, ``$e_2 \\approx 3\\cdot 10^{-4}$`` states a
result). Figure captions count as prose. Chapter, section, figure and exercise numbers do
not. Each number must be

* inside a fragment of the prose quoted by a ``# claim: <fragment>`` comment in a code cell
  of the same notebook that asserts it (the cell contains ``assert``), or
* in a paragraph that cites its source with ``{cite}``.

A ``# claim:`` whose fragment no longer appears in the prose is a problem too: the text changed,
so the assertion may no longer check what the text says. Run it with

    python tools/claims.py book/NN_slug.ipynb      # one chapter
    python tools/check_book.py sources             # every chapter, with the other checks

Example: the prose says "Newton needs 5 iterations" and a hidden cell holds::

    # claim: Newton needs 5 iterations
    assert result.iterations == 5
"""
from __future__ import annotations

import json
import re
from pathlib import Path

#: A numeral: 12, 13,000, 0.075, 1e-6, 10⁴, 2.5×10⁻³, 39.3%, 3×, 17–19×, −1130.26.
NUMBER = re.compile(
    r"(?<![\w.\-−⁻])(?:(?<!\w)−)?(?:10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|\d+(?:,\d{3})*(?:\.\d+)?"
    r"(?:[eE][-+−]?\d+|\s?[×x·]\s?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?)(?:\s?[×%])?(?![\w.]\w)")
#: Words after which a number names a part of the book, not a quantity.
REFERENCE = re.compile(r"(?<![\w-])(?:chapters?|ch\.|sections?|§|figures?|fig\.|exercises?|eq\.|"
                       r"equations?|step|iterations?|page|part|version|python|numpy|scipy|scikit-learn)\s*$", re.I)
CLAIM = re.compile(r"^\s*#\s*claim:\s*(.+?)\s*$", re.M)
CITE = re.compile(r"\{cite(?::\w+)?\}`")
#: Inline maths that is nothing but a number: $0.075$, $-1130.26$, $10^{-9}$, $8\%$.
PURE_NUMBER = re.compile(r"\s*[-−]?\s*(?:\d[\d,]*(?:\.\d+)?(?:\s*(?:\\times|\\cdot)\s*"
                         r"10\^\{?[-−]?\d+\}?)?|10\^\{?[-−]?\d+\}?)\s*(?:\\%)?\s*")
MATH_RESULT = re.compile(r"(?:\\approx|\\sim(?!\s*\\math)\b|≈)(?!.*(?:\\approx|\\sim\b|≈))")


def _mask(text: str, pattern: str, flags: int = 0) -> str:
    """Blank out every match of ``pattern`` (keeping offsets), so its numbers do not count."""
    return re.sub(pattern, lambda m: " " * len(m.group(0)), text, flags=flags)


def numbers(text: str) -> list[tuple[int, int, str]]:
    """The numbers the Markdown ``text`` states, as (start, end, numeral).

    >>> [n for *_, n in numbers("Newton needs 14 steps (chapter 11), $e \\\\approx 10^{-8}$.")]
    ['14', '10^{-8}']
    """
    masked = _mask(text, r"\$\$.*?\$\$", re.S)                  # display maths
    masked = _mask(masked, r"```.*?```|~~~.*?~~~", re.S)        # fenced blocks
    masked = _mask(masked, r"\{[\w:-]+\}`[^`]*`")                # roles: {ref}`...`, {cite}`...`
    masked = _mask(masked, r"`[^`]*`")                          # inline code
    masked = _mask(masked, r"\]\([^)]*\)|<[^>]*>|\(\s*[\w-]+\s*\)=")  # links, tags, labels
    masked = _mask(masked, r"^\s*:[\w-]+:.*$|^#+ .*$", re.M)     # directive options, headings
    found = []
    for m in re.finditer(r"\$([^$]+)\$", masked):
        inner, start = m.group(1), m.start(1)
        result = MATH_RESULT.search(inner)
        if PURE_NUMBER.fullmatch(inner) and not re.fullmatch(r"\s*[-−]?\s*\d+\s*", inner):
            found.append((start, m.end(1), inner.strip()))
        elif result:
            for n in re.finditer(r"(?<![\w^{/])(?:10\^\{?[-−]?\d+\}?|\d+(?:\.\d+)?(?:\s*(?:\\times"
                                 r"|\\cdot)\s*10\^\{?[-−]?\d+\}?)?)(?![\w\\])",
                                 inner[result.end():]):
                s = start + result.end() + n.start()
                found.append((s, s + len(n.group(0)), n.group(0)))
        masked = masked[:m.start()] + " " * len(m.group(0)) + masked[m.end():]
    for m in NUMBER.finditer(masked):
        token = m.group(0).strip()
        if re.fullmatch(r"\d", token) or REFERENCE.search(masked[:m.start()]):
            continue
        if re.fullmatch(r"\d+(\.\d+){2,}", token) or re.match(r"[×x]?\d", masked[m.end() - 1:]) \
                and token.endswith("×"):                          # 9.2.1, a 2×2 matrix
            continue
        found.append((m.start(), m.end(), token))
    return sorted(found)


def _fragment_spans(fragment: str, text: str) -> list[tuple[int, int]]:
    pattern = r"\s+".join(re.escape(word) for word in fragment.split())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"\n\s*\n", text):
        spans.append((start, m.start()))
        start = m.end()
    return spans + [(start, len(text))]


def notebook_problems(path: Path, name: str | None = None) -> list[str]:
    """Numbers in the prose of the notebook at ``path`` that no claim covers, and stale claims."""
    name = name or path.name
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    prose = ["".join(c.get("source", [])) for c in cells if c.get("cell_type") == "markdown"]
    prose += [c["metadata"]["mystnb"]["figure"]["caption"] for c in cells
              if c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption")]
    claims = []
    problems = []
    for i, cell in enumerate(cells):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") != "code":
            continue
        for fragment in CLAIM.findall(source):
            claims.append(fragment)
            if "assert" not in source:
                problems.append(f"{name}, code cell {i}: `# claim: {fragment}` sits in a cell "
                                "with no `assert`: assert what the sentence says.")
            if not any(_fragment_spans(fragment, text) for text in prose):
                problems.append(f"{name}, code cell {i}: `# claim: {fragment}` quotes words the "
                                "prose no longer has: re-check the assertion against the new "
                                "text and quote the new words.")
    for text in prose:
        covered = [span for fragment in claims for span in _fragment_spans(fragment, text)]
        covered += [p for p in _paragraphs(text) if CITE.search(text[p[0]:p[1]])]
        for start, end, token in numbers(text):
            if not any(a <= start and end <= b for a, b in covered):
                line = text[max(0, start - 40):end + 20].replace("\n", " ")
                problems.append(
                    f"{name}: the prose states {token!r} (…{line}…) but no check covers it: "
                    "compute it in the chapter and assert it in a cell with a `# claim: <words "
                    "of the sentence>` comment, or cite the source in the paragraph.")
    return problems


def claim_problems(root: Path) -> list[str]:
    """The claims rule for every chapter under ``root/book``."""
    problems = []
    for nb in sorted((root / "book").glob("*.ipynb")):
        problems += notebook_problems(nb, str(nb.relative_to(root)))
    return problems


def main(argv: list[str]) -> int:
    """``python tools/claims.py [notebook ...]``: print the problems, exit 1 if there are any."""
    paths = [Path(a) for a in argv] or sorted((Path(__file__).resolve().parent.parent
                                              / "book").glob("*.ipynb"))
    problems = [p for path in paths for p in notebook_problems(path, str(path))]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} claim problem(s) in {len(paths)} notebook(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
