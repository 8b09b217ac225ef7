"""Sphinx extension of the book: cross-references to ``lecture_code`` by the names you import.

The API reference (book/api.md) documents each object once, in the module that defines it:
``grad`` as ``lecture_code.autodiff.transforms.grad``. Chapters and docstrings, though, name
objects the way they are imported (``lecture_code.autodiff.grad``,
``lecture_code.mixture.GaussianMixture.bic``, or ``check`` inside
``lecture_code.exercises``). When Sphinx cannot resolve such a Python reference, this
extension imports the name, finds where the object is defined (``__module__`` and
``__qualname__``) and, if that is documented, links there. References that still do not
resolve keep Sphinx's usual warning, so a typo still fails the strict build.

It also keeps "each object documented once": ``.. automodule:: m`` with a bare ``:members:``
lists ``m.__all__``, which may re-export a class or function defined elsewhere (``DomainError``
in ``lecture_code.autodiff.dual``); such a member is skipped, since its own module documents
it, unless it comes from a private module beside it (``reverse`` documents ``_tape.Variable``). An explicit list (``:members: e_step, m_step``) is documented as given.

Loaded through ``sphinx.local_extensions`` in _config.yml.
"""
from __future__ import annotations

import importlib
import inspect

PACKAGE = "lecture_code"


def canonical_name(target: str, module: str | None = None) -> str | None:
    """Where the object named ``target`` (seen from ``module``) is defined, or None.

    >>> canonical_name("lecture_code.exercises.check")
    'lecture_code.exercises.core.check'
    >>> canonical_name("check", "lecture_code.exercises")
    'lecture_code.exercises.core.check'
    >>> canonical_name("lecture_code.no_such_thing") is None
    True
    """
    candidates = [target]
    if module and not target.startswith(PACKAGE + "."):
        candidates.insert(0, f"{module}.{target}")
    for name in candidates:
        if name.split(".")[0] != PACKAGE:
            continue
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):   # the longest importable module prefix
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            where = ".".join(parts[:cut])
            try:
                for attr in parts[cut:]:
                    obj = inspect.getattr_static(obj, attr) if inspect.isclass(obj) \
                        else getattr(obj, attr)
                    own = getattr(obj, "__func__", obj)   # classmethod / staticmethod
                    mod, qual = getattr(own, "__module__", None), getattr(own, "__qualname__", None)
                    if isinstance(mod, str) and isinstance(qual, str) and "<" not in qual \
                            and (inspect.isclass(own) or inspect.isfunction(own)):
                        where = f"{mod}.{qual}"
                    else:
                        where = f"{where}.{attr}"
            except AttributeError:
                break
            return where if where != name else None
    return None


def _resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module = node.get("py:module")
    if not (target.startswith(PACKAGE + ".") or (module or "").startswith(PACKAGE)):
        return None
    try:
        name = canonical_name(target, module)
    except Exception:  # noqa: BLE001 - importing user code; fall back to Sphinx's warning
        return None
    if not name:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node.get("refdoc", env.docname), app.builder,
                               node.get("reftype", "obj"), name, node, contnode)


_documenting = {"module": None}   # the module whose members autodoc is listing


def _remember_module(app, what, name, obj, options, lines):
    if what == "module":
        _documenting["module"] = name


def is_reexport(obj, module: str | None) -> bool:
    """True for a class or function that ``module`` imports from elsewhere.

    >>> from lecture_code.autodiff.rules import DomainError
    >>> is_reexport(DomainError, "lecture_code.autodiff.dual")
    True
    >>> is_reexport(DomainError, "lecture_code.autodiff.rules")
    False
    >>> from lecture_code.autodiff.reverse import Variable    # defined in autodiff._tape
    >>> is_reexport(Variable, "lecture_code.autodiff.reverse")
    False
    """
    if module is None or not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return False
    defined = getattr(obj, "__module__", module)
    # a private module beside it (``reverse`` re-exports ``_tape.Variable``) is documented
    # through the public one
    package, _, leaf = defined.rpartition(".")
    return defined != module and not (leaf.startswith("_") and
                                      package == module.rpartition(".")[0])


def _skip_reexports(app, what, name, obj, skip, options):
    from sphinx.ext.autodoc import ALL

    if what == "module" and options.get("members") is ALL \
            and is_reexport(obj, _documenting["module"]):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _resolve)
    app.connect("autodoc-process-docstring", _remember_module)
    app.connect("autodoc-skip-member", _skip_reexports)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
