# Autodiff and Clustering Redux: build the book, run every test.
#
#   make book    build the HTML book into _build/html and say where to open it
#   make test    unit/property tests, doctests, every notebook, strict book build, browser checks
#   make lab     JupyterLab on book/, for working through the chapters locally
#   make bench   the benchmarks (installs autograd and jax, pinned in benchmarks/requirements.txt)
#   make student the student edition (solutions removed) in _build/student, see its README
#   make pdf     the whole book as one PDF, _build/pdf/book.pdf (after make book; Chromium)
#   make clean   remove build products and caches (keeps .venv)
#
# Every target sets itself up: it creates .venv with `python3 -m venv` if it is missing and
# (re)installs requirements.txt when requirements.txt or pyproject.toml changed since the last
# install (a stamp file inside .venv records it).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements.stamp
DEV_STAMP := $(VENV)/.requirements-dev.stamp
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

# Reproducible runs: fixed hashing, one BLAS thread per process (the tests run on two
# processes; the timings in the book assume one thread). MPLBACKEND=Agg is set for the unit
# tests only: in a notebook kernel it would replace the inline backend and lose the figures.
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book pdf test test-unit test-notebooks test-book test-browser lab bench student clean

help:
	@sed -n '3,10p' Makefile | sed 's/^# \{0,1\}//'

# --- environment ------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

venv: $(STAMP)

# --- the book ---------------------------------------------------------------------------
book: $(STAMP)
	$(BIN)/jupyter-book build .
	@echo
	@echo "The book is built. Open it in a browser:"
	@echo "    file://$(CURDIR)/_build/html/index.html"

# The whole book as one PDF, printed from _build/html by headless Chromium (the browser of the
# browser tests) with book/_static/print.css: a contents page, page numbers, code wrapped,
# solutions in place. Builds the HTML first if it is missing; nothing is executed again.
pdf: $(DEV_STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python tools/make_pdf.py --html _build/html --out _build/pdf/book.pdf

lab: $(STAMP)
	$(BIN)/jupyter lab book/

# --- tests (fail on any error or warning) -----------------------------------------------
test: test-unit test-notebooks test-book test-browser
	@echo "make test: all checks passed."

test-unit: $(STAMP)
	$(BIN)/python tools/check_book.py sources
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -p no:cacheprovider tests/ -m "not notebooks" \
	    --ignore=tests/browser \
	    --doctest-modules lecture_code

test-notebooks: $(STAMP)
ifeq ($(NOTEBOOKS),)
	@echo "test-notebooks: no notebooks in book/ yet, nothing to run."
else
	$(BIN)/python -m pytest -p no:cacheprovider -p tools.nbval_report --nbval-lax \
	    --nbval-current-env --nbval-cell-timeout=120 -n 2 --dist loadscope $(NOTEBOOKS)
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 -m notebooks tests/ --ignore=tests/browser   # the student edition
endif

test-book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	$(BIN)/python tools/check_book.py html

# The built book (_build/html, from test-book) in Debian's headless Chromium, driven by
# Playwright from requirements-dev.txt; screenshots in _build/screenshots. SKIP_BROWSER_TEST=1
# skips it. (The Binder check, tests/test_binder.py, runs in the notebook stage.)
$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Chromium is Debian's package: installed here when it is missing and we can (root, apt-get);
# otherwise the one command to run is printed. CHROMIUM=/path/to/chromium uses another one.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

test-browser: $(DEV_STAMP)
	@if [ "$${SKIP_BROWSER_TEST:-0}" != 1 ] && [ ! -x "$(CHROMIUM)" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "test-browser: no Chromium at $(CHROMIUM); installing Debian's chromium"; \
	        DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	    else \
	        echo "test-browser: no Chromium at $(CHROMIUM). Install Debian's with" >&2; \
	        echo "    sudo apt-get install -y chromium" >&2; \
	        echo "then run make test again (or SKIP_BROWSER_TEST=1 to skip this stage)." >&2; \
	        exit 1; \
	    fi; \
	fi
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser

# --- benchmarks -------------------------------------------------------------------------
BENCHMARKS := $(sort $(wildcard benchmarks/*.py))

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
ifeq ($(BENCHMARKS),)
	@echo "bench: no benchmarks in benchmarks/ yet."
else
	@for b in $(BENCHMARKS); do \
	    echo "== $$b"; \
	    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python $$b || exit 1; \
	done
endif

# --- student edition (make student) -----------------------------------------------------
# The chapters without their solutions (stubs and checkers kept), ready to hand out or to
# open in Binder: notebooks, lecture_code, requirements.txt and a README for students.
STUDENT := _build/student

student: $(STAMP)
	$(BIN)/python tools/make_student.py --out $(STUDENT)

# --- housekeeping -----------------------------------------------------------------------
clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
