"""Shared pytest configuration: make the repository's tools/ importable from the tests."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    # Tests that execute notebooks: `make test` runs them in its notebook stage, not with the
    # unit tests (tests/test_student_edition.py).
    config.addinivalue_line("markers", "notebooks: executes notebooks (slow); run by the "
                                       "notebook stage of `make test`")


# Property tests: `make test` and CI run a fixed, reproducible set of examples (derandomize),
# so a red run is always reproducible and never depends on luck; explore new examples with
# `pytest --hypothesis-profile=explore` (more examples, random seeds).
from hypothesis import settings  # noqa: E402

settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", max_examples=500, derandomize=False)
settings.load_profile("default")
