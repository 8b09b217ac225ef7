"""The repository works on Binder: repo2docker's conventions, and a fresh venv runs a chapter.

Binder (repo2docker) looks in ``binder/`` first and, when it exists, builds the image from
``binder/runtime.txt`` (the Python version) and ``binder/requirements.txt`` (``pip install -r
binder/requirements.txt`` run from the repository's root, so ``-e .`` installs lecture_code)
and ignores the root files. ``binder/requirements.txt`` is lean: what reading and running the
chapters needs (no jupyter-book, Sphinx or test stack), every package pinned exactly, in
agreement with the root ``requirements.txt``. The quick tests check those files;
``test_fresh_venv_runs_a_chapter`` does what Binder does, from scratch: a new virtual
environment, ``pip install -r binder/requirements.txt`` alone (timed and printed), then one
chapter executed with nbclient in that environment.
It is marked ``notebooks``, so `make test` runs it in its notebook stage (a minute or two with
a warm pip cache); ``SKIP_BINDER_TEST=1`` skips it for quick local runs, and
``BINDER_NOTEBOOK=book/NN_name.ipynb`` picks the chapter (default: the first of the toc).
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from importlib import metadata
from pathlib import Path

import pytest

from tools.check_book import toc_files

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==[0-9][^\s;#]*$")
# Files with which repo2docker would ignore requirements.txt (its order of preference).
SHADOWING = [".binder", "environment.yml", "Pipfile", "Pipfile.lock", "Project.toml",
             "REQUIRE", "install.R", "default.nix", "Dockerfile"]
INSTALL_BUDGET_S = 600     # a hard limit; with pip's cache warm the install takes ~35-60 s
BINDER = ROOT / "binder"
# The book build and test stack: the root requirements.txt has it, Binder must not.
NOT_FOR_READERS = ["jupyter-book", "sphinx", "myst-nb", "pytest", "hypothesis", "nbval",
                   "pytest-xdist", "playwright", "jupyter-cache"]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path = ROOT / "requirements.txt") -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.split(" #")[0].strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def pinned(path: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """Distribution name (normalised) -> pinned version, from a requirements file."""
    pins = {}
    for line in requirement_lines(path):
        if m := PIN.match(line):
            pins[normalise(m.group(1))] = line.split("==")[1]
    return pins


def notebook_imports(notebook: Path) -> set[str]:
    """The top-level modules a notebook's code cells import (IPython magics skipped)."""
    modules = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                           for ln in source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def book_notebooks() -> list[Path]:
    return [ROOT / f"{p}.ipynb" for p in toc_files(ROOT) if (ROOT / f"{p}.ipynb").is_file()]


# --- repo2docker's conventions (quick) -----------------------------------------------------

def test_runtime_txt_names_a_python_that_the_package_accepts():
    text = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    m = re.fullmatch(r"python-3\.(\d+)", text)
    assert m, f"runtime.txt says {text!r}; repo2docker expects e.g. 'python-3.11'"
    minimum = re.search(r'requires-python\s*=\s*">=3\.(\d+)"',
                        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert minimum and int(m.group(1)) >= int(minimum.group(1)), \
        "runtime.txt's Python is older than pyproject.toml's requires-python"


def test_nothing_shadows_binder_requirements_txt():
    found = [name for name in SHADOWING if (ROOT / name).exists()]
    found += [p.name for p in BINDER.iterdir()
              if p.name not in ("requirements.txt", "runtime.txt", "README.md")]
    assert not found, (f"{found} exist: repo2docker would build from them and ignore "
                       "binder/requirements.txt; keep Binder's environment there only.")


def test_binder_runtime_is_the_books_python():
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8") == \
        (ROOT / "runtime.txt").read_text(encoding="utf-8"), \
        "binder/runtime.txt must name the same Python as runtime.txt (repo2docker reads binder/)"


@pytest.mark.parametrize("path", [ROOT / "requirements.txt", BINDER / "requirements.txt"],
                         ids=["requirements.txt", "binder/requirements.txt"])
def test_requirements_are_exact_pins_plus_the_package_itself(path):
    lines = requirement_lines(path)
    loose = [ln for ln in lines if not PIN.match(ln) and ln != "-e ."]
    assert not loose, f"{path.name} lines that are not exact pins (name==version): {loose}"
    assert lines[-1] == "-e .", (f"{path} must end with '-e .' so that Binder "
                                 "installs lecture_code from the repository")


def test_binder_is_lean_and_agrees_with_the_book():
    binder, book = pinned(BINDER / "requirements.txt"), pinned()
    heavy = [n for n in NOT_FOR_READERS if n in binder]
    assert not heavy, f"binder/requirements.txt installs the build/test stack: {heavy}"
    for needed in ("numpy", "scipy", "scikit-learn", "matplotlib", "ipywidgets", "jupyterlab",
                   "jupyterlab-myst", "ipykernel", "jupyter-client", "pyzmq", "nbclient"):
        assert needed in binder, f"binder/requirements.txt does not pin {needed}"
    differ = {n: (v, book[n]) for n, v in binder.items() if n in book and book[n] != v}
    assert not differ, f"binder/requirements.txt and requirements.txt pin different versions: {differ}"
    installed = {normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    stale = {n: (v, installed[n]) for n, v in binder.items() if n in installed and installed[n] != v}
    assert not stale, (f"binder/requirements.txt pins versions other than those the book's "
                       f"environment has (regenerate it, see its header): {stale}")


def installed_closure(names) -> set[str]:
    """The distributions ``names`` pull in (themselves included, extras left out)."""
    seen, todo = set(), [normalise(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" not in req.replace('"', "").replace("'", ""):
                todo.append(normalise(re.split(r"[<>=!~\[;( ]", req.strip())[0]))
    return seen


@pytest.mark.parametrize("path", [ROOT / "requirements.txt", BINDER / "requirements.txt"],
                         ids=["requirements.txt", "binder/requirements.txt"])
def test_every_module_the_chapters_import_is_installed_by_requirements_txt(path):
    """Each third-party import of a chapter comes from the requirements or what they pull in."""
    available = installed_closure(pinned(path)) | installed_closure(["lecture_code"])
    providers = metadata.packages_distributions()
    missing = {}
    for notebook in book_notebooks():
        for module in sorted(notebook_imports(notebook)):
            if module in sys.stdlib_module_names or module == "lecture_code":
                continue
            if not {normalise(d) for d in providers.get(module, [])} & available:
                missing.setdefault(module, []).append(notebook.name)
    assert not missing, (f"modules imported by the chapters that requirements.txt does not "
                         f"install (Binder would not have them): {missing}")


@pytest.mark.parametrize("path", [ROOT / "requirements.txt", BINDER / "requirements.txt"],
                         ids=["requirements.txt", "binder/requirements.txt"])
def test_the_package_needs_nothing_requirements_txt_lacks(path):
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M).group(1)
    names = [normalise(re.split(r"[<>=!~\[; ]", d.strip().strip('"'))[0])
             for d in deps.split(",") if d.strip()]
    absent = [n for n in names if n not in pinned(path)]
    assert not absent, f"lecture_code depends on {absent}, which requirements.txt does not pin"


# --- what Binder does: a fresh environment from requirements.txt alone ------------------------

def repository_files() -> list[str]:
    """The files a clone has (tracked, plus new files not ignored), relative to ROOT."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"cannot list the repository's files with git ({exc})")
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def chosen_notebook() -> str:
    if name := os.environ.get("BINDER_NOTEBOOK"):
        if not (ROOT / name).is_file():
            pytest.fail(f"BINDER_NOTEBOOK={name} does not exist (give a path such as "
                        "book/08_gaussians.ipynb)")
        return name
    notebooks = book_notebooks()
    if not notebooks:
        pytest.skip("no chapter notebook in the toc yet")
    return str(notebooks[0].relative_to(ROOT))


RUN_NOTEBOOK = textwrap.dedent('''
    """Execute a notebook as Binder's Jupyter would; print what the kernel saw."""
    import json, sys
    import nbformat
    from nbclient import NotebookClient

    path, out = sys.argv[1], sys.argv[2]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, json, lecture_code, ipywidgets, matplotlib\\n"
        "print(json.dumps({'prefix': sys.prefix, 'lecture_code': lecture_code.__file__}))"))
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}
                   ).execute()
    stderr = [o.get("text", "") for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.get("name") == "stderr"]
    last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    json.dump({"kernel": json.loads(last), "stderr": stderr}, open(out, "w"))
''')


@pytest.mark.notebooks
@pytest.mark.skipif(os.environ.get("SKIP_BINDER_TEST") == "1", reason="SKIP_BINDER_TEST=1")
def test_fresh_venv_runs_a_chapter(tmp_path):
    notebook = chosen_notebook()
    repo, venv = tmp_path / "repo", tmp_path / "venv"
    for name in repository_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH",
                        "MPLBACKEND", "PIP_REQUIRE_VIRTUALENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")   # no user kernelspecs
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    python = venv / "bin" / "python"
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
        install = subprocess.run(
            # --no-compile: Python compiles on first import anyway; halves the install time.
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-compile", "-r", "binder/requirements.txt"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=INSTALL_BUDGET_S)
        assert install.returncode == 0, (
            f"pip install -r binder/requirements.txt failed in a fresh venv:\n{install.stderr[-3000:]}")
        installed = time.perf_counter() - start
        check = subprocess.run([str(python), "-m", "pip", "check"], env=env,
                               capture_output=True, text=True)
        assert check.returncode == 0, f"pip check in the fresh venv:\n{check.stdout}"

        (tmp_path / "run_notebook.py").write_text(RUN_NOTEBOOK, encoding="utf-8")
        report = tmp_path / "report.json"
        run = subprocess.run([str(python), str(tmp_path / "run_notebook.py"),
                              str(repo / notebook), str(report)],
                             cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, (f"{notebook} failed in the fresh venv:\n"
                                     f"{run.stderr[-3000:]}")
        executed = time.perf_counter() - start - installed
        result = json.loads(report.read_text(encoding="utf-8"))
        assert Path(result["kernel"]["prefix"]).resolve() == venv.resolve(), \
            f"the kernel ran in {result['kernel']['prefix']}, not in the fresh venv"
        assert Path(result["kernel"]["lecture_code"]).resolve().is_relative_to(repo.resolve()), \
            "lecture_code was not imported from the repository (the '-e .' line)"
        assert not result["stderr"], f"{notebook} wrote to stderr: {result['stderr']}"
        print(f"\nBinder check: venv + pip install -r binder/requirements.txt {installed:.0f} s, "
              f"{notebook} {executed:.0f} s")
    finally:
        shutil.rmtree(venv, ignore_errors=True)   # about 1 GB
