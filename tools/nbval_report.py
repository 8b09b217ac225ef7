"""pytest plugin for the notebook step of ``make test`` (used as ``-p tools.nbval_report``).

With ``pytest --nbval-lax book/*.ipynb`` it

* fails a cell that writes to stderr (a warning, a progress bar, a logging message): the
  chapters promise a clean run, and a warning in a notebook is a bug waiting to happen;
* sums the run time of every notebook (kernel start and all cells) and reports the slowest,
  flagging those over the budget (``--notebook-budget``, 30 s by default).

It works with pytest-xdist: the stderr check runs where the cell runs, the timing on the
controller, which receives every report.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

_times: dict[str, float] = defaultdict(float)


def pytest_addoption(parser):
    parser.addoption("--notebook-budget", type=float, default=30.0,
                     help="seconds a notebook may take before it is flagged (default 30)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed:
        return
    stderr = [out.get("text", "") for out in (getattr(item, "test_outputs", None) or [])
              if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    if stderr:
        report.outcome = "failed"
        report.longrepr = ("The cell wrote to stderr (a warning?). Chapters must run without "
                           "any stderr output; fix the cause rather than silencing it:\n"
                           + "".join(stderr))


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _times[path] += report.duration


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _times:
        return
    budget = config.getoption("--notebook-budget")
    tr = terminalreporter
    tr.section("notebook run times (slowest first)")
    for path, seconds in sorted(_times.items(), key=lambda kv: -kv[1])[:10]:
        flag = f"  <-- over the {budget:g} s budget" if seconds > budget else ""
        tr.write_line(f"{seconds:7.1f} s  {path}{flag}")
    over = [p for p, s in _times.items() if s > budget]
    tr.write_line(f"{len(_times)} notebook(s), {sum(_times.values()):.1f} s in total; "
                  f"{len(over)} over budget (times are per notebook, summed over its cells).")
