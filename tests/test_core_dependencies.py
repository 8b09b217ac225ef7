"""The core keeps the dependencies the README and the API page state: `lecture_code.autodiff`
needs NumPy only; `lecture_code.mixture` NumPy, SciPy and scikit-learn's estimator plumbing;
neither loads matplotlib or ipywidgets."""
import json
import subprocess
import sys

import pytest

LOADED = ("import json, sys; import {module}; print(json.dumps(sorted({{m.split('.')[0] "
          "for m in sys.modules}})))")


def top_level_modules(module):
    out = subprocess.run([sys.executable, "-c", LOADED.format(module=module)], check=True,
                         capture_output=True, text=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module, allowed, forbidden", [
    ("lecture_code.autodiff", {"numpy"}, {"scipy", "sklearn", "matplotlib", "ipywidgets"}),
    ("lecture_code.mixture", {"numpy", "scipy", "sklearn"}, {"matplotlib", "ipywidgets"}),
])
def test_core_imports_only_what_it_declares(module, allowed, forbidden):
    loaded = top_level_modules(module)
    assert allowed <= loaded
    assert not loaded & forbidden, f"{module} loads {sorted(loaded & forbidden)}"
