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
