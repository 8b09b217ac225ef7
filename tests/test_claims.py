"""The claims rule (tools/claims.py): a number in the prose needs a `# claim:` check or a
citation, and a claim whose words left the prose is stale."""
import json

import pytest

from tools.claims import notebook_problems, numbers


def write(tmp_path, markdown, code=""):
    cells = [{"cell_type": "markdown", "source": markdown, "metadata": {}}]
    if code:
        cells.append({"cell_type": "code", "source": code, "metadata": {"tags": ["remove-cell"]},
                      "outputs": [], "execution_count": None})
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


@pytest.mark.parametrize("text, expected", [
    ("Newton needs 14 steps.", ["14"]),
    ("About 13,000 operations, 0.075 apart, 39.3% of the mass, 3× faster.",
     ["13,000", "0.075", "39.3%", "3×"]),
    ("A residual of 1e-10, or $e_2 \\approx 3.0\\cdot 10^{-4}$.", ["1e-10", "3.0\\cdot 10^{-4}"]),
    ("$\\varepsilon^{1/3} \\approx 6 \\times 10^{-6}$", ["6 \\times 10^{-6}"]),
    ("a log-likelihood of −1130.26 (Unicode minus), in 17–19×", ["−1130.26", "17", "19×"]),
])
def test_numbers_are_found(text, expected):
    assert [n for *_, n in numbers(text)] == expected


@pytest.mark.parametrize("text", [
    "See chapter 11, section 9.2.1 and exercise 12; a 2×2 matrix; one of 2 ways.",
    "We set $h = 0.1$ and draw $z \\sim \\mathcal N(0, I)$.",
    "```python\nx = 123\n```\n`n = 500` and {numref}`fig-12`, [a link](https://x.org/v/123).",
    "(sec-12)=\n## 12 things\n:label: ex-123",
    "scikit-learn 1.5 and Python 3.12 and iteration 20",
])
def test_what_is_not_a_claim(text):
    assert numbers(text) == []


def test_an_unchecked_number_is_a_problem(tmp_path):
    (problem,) = notebook_problems(write(tmp_path, "Newton needs 14 steps."))
    assert "'14'" in problem and "# claim:" in problem


def test_a_claim_covers_its_number(tmp_path):
    path = write(tmp_path, "Newton needs 14\nsteps.",
                 "# claim: needs 14 steps\nassert steps == 14")
    assert notebook_problems(path) == []


def test_a_claim_only_covers_the_words_it_quotes(tmp_path):
    path = write(tmp_path, "Newton needs 14 steps, bisection 52.",
                 "# claim: needs 14 steps\nassert steps == 14")
    (problem,) = notebook_problems(path)
    assert "'52'" in problem


def test_a_citation_covers_its_paragraph_only(tmp_path):
    path = write(tmp_path, "It takes 14 steps {cite}`nocedal2006`.\n\nAnd 52 more.")
    (problem,) = notebook_problems(path)
    assert "'52'" in problem


def test_a_stale_claim_is_a_problem(tmp_path):
    path = write(tmp_path, "Newton needs 15 steps.",
                 "# claim: needs 14 steps\nassert steps == 14")
    problems = notebook_problems(path)
    assert any("no longer has" in p for p in problems)
    assert any("'15'" in p for p in problems)


def test_a_claim_must_assert(tmp_path):
    path = write(tmp_path, "Newton needs 14 steps.", "# claim: needs 14 steps\nprint(steps)")
    (problem,) = notebook_problems(path)
    assert "no `assert`" in problem


@pytest.mark.parametrize("text, expected", [
    ("accurate to $10^{-9}$, a rate of $0.075$, $8\\%$ off", ["10^{-9}", "0.075", "8\\%"]),
    ("move the slider to $-13$ or $x = 0.3$", []),
])
def test_a_number_alone_in_inline_maths_counts(text, expected):
    assert [n for *_, n in numbers(text)] == expected


def test_a_caption_is_prose(tmp_path):
    path = write(tmp_path, "Text.")
    data = json.loads(path.read_text())
    data["cells"].append({"cell_type": "code", "source": "plot()", "outputs": [],
                          "execution_count": None,
                          "metadata": {"mystnb": {"figure": {"caption": "About 14 steps."}}}})
    path.write_text(json.dumps(data))
    (problem,) = notebook_problems(path)
    assert "'14'" in problem
