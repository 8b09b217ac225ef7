"""The counts the README's "Reliability" paragraph states are the counts of the test tables."""
import collections
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "autodiff": ["tests/autodiff/test_autodiff_bad_inputs.py::test_bad_input"],
    "mixture": ["tests/mixture/test_mixture_bad_inputs.py::test_bad_input_gets_a_clear_error"],
    "estimators": [
        "tests/mixture/test_mixture_estimators.py::test_bad_fit_input_is_refused_naming_the_argument",
        "tests/mixture/test_mixture_estimators.py::test_wrong_number_of_features_after_fit",
        "tests/mixture/test_mixture_estimators.py::test_sample_needs_a_positive_integer"],
    "sklearn": ["tests/mixture/test_mixture_estimators.py::test_sklearn_estimator_checks"],
}


def collected():
    files = sorted({t.split("::")[0] for tests in TABLES.values() for t in tests})
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                          "--collect-only", "-q", *files], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return collections.Counter(line.split("[")[0] for line in out.splitlines() if "::" in line)


def test_reliability_counts_match_the_test_tables():
    counts = collected()
    n = {area: sum(counts[t] for t in tests) for area, tests in TABLES.items()}
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    m = re.search(r"(\d+) table-driven tests of bad or edge inputs \((\d+) to "
                  r"`lecture_code.autodiff`, (\d+) to the mixture functions, (\d+) to the "
                  r"estimators\)", readme)
    assert m, "the README no longer states the catalogue's size: update this test"
    total, autodiff, mixture, estimators = map(int, m.groups())
    assert (autodiff, mixture, estimators) == (n["autodiff"], n["mixture"], n["estimators"])
    assert total == autodiff + mixture + estimators
    assert f"scikit-learn's own {n['sklearn']} estimator checks" in readme
