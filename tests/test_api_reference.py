"""The API reference (book/api.md): every public module documented once, links by import name.

The strict book build (`make test`) catches broken references and docstring-format warnings;
these fast checks catch what it cannot: a new module that nobody added to the page.
"""
import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import tools.sphinx_api_links as links
from tools.check_book import toc_files

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "book" / "api.md"
DOCUMENTED_PACKAGES = ["lecture_code.autodiff", "lecture_code.mixture", "lecture_code.exercises"]


def automodules():
    return re.findall(r"^\.\. automodule::\s*(\S+)", API.read_text(encoding="utf-8"),
                      re.MULTILINE)


def public_modules():
    names = ["lecture_code.datasets"]
    for pkg in DOCUMENTED_PACKAGES:
        names.append(pkg)
        path = importlib.import_module(pkg).__path__
        names += [f"{pkg}.{m.name}" for m in pkgutil.iter_modules(path)
                  if not m.name.startswith("_")]
    return sorted(names)


def test_every_public_module_is_on_the_api_page_once():
    listed = automodules()
    assert sorted({m for m in listed if listed.count(m) > 1}) == []
    missing = sorted(set(public_modules()) - set(listed))
    assert missing == [], (f"add these modules to book/api.md (an ```{{eval-rst}}``` block with "
                           f"`.. automodule:: name` and `:members:`): {missing}")


@pytest.mark.parametrize("module", automodules())
def test_listed_modules_import_and_document_their_members(module):
    mod = importlib.import_module(module)   # autodoc would fail the build otherwise
    assert (mod.__doc__ or "").strip(), f"{module} has no module docstring"
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module:
            assert (obj.__doc__ or "").strip(), f"{module}.{name} has no docstring"


def test_the_api_page_is_the_appendix_at_the_end():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert toc_files()[-1] == "book/api"
    assert re.search(r"- caption: Appendix\s*\n\s*chapters:\s*\n\s*- file: book/api\s*$", toc)


def test_the_config_loads_autodoc_and_the_link_extension():
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    for ext in [r"-\s*sphinx\.ext\.autodoc", r"-\s*sphinx\.ext\.napoleon",
                r"local_extensions:\s*\n\s+sphinx_api_links:\s*tools/"]:
        assert re.search(ext, config), ext


@pytest.mark.parametrize("target, module, expected", [
    ("lecture_code.autodiff.grad", None, "lecture_code.autodiff.transforms.grad"),
    ("lecture_code.autodiff.Dual", None, "lecture_code.autodiff.dual.Dual"),
    ("lecture_code.mixture.GaussianMixture.fit", None, "lecture_code.mixture.em.GaussianMixture.fit"),
    ("lecture_code.mixture.e_step", None, "lecture_code.mixture._steps.e_step"),
    ("Case", "lecture_code.exercises", "lecture_code.exercises.core.Case"),
    ("lecture_code.autodiff.transforms.grad", None, None),     # already canonical
    ("lecture_code.autodiff.no_such_function", None, None),
    ("numpy.sum", None, None),                                  # not ours
])
def test_import_names_are_mapped_to_where_objects_are_defined(target, module, expected):
    assert links.canonical_name(target, module) == expected


def test_reexports_are_skipped_where_they_are_imported():
    from lecture_code.autodiff.rules import DomainError
    from lecture_code.mixture.em import GaussianMixture
    assert links.is_reexport(DomainError, "lecture_code.autodiff.dual")
    assert not links.is_reexport(GaussianMixture, "lecture_code.mixture.em")
    assert not links.is_reexport(3.0, "lecture_code.mixture.em")


def test_the_extensions_examples_run():
    assert doctest.testmod(links).failed == 0
