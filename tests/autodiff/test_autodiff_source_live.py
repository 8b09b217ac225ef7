"""source_transform follows its function (issue 12 §3, issue 10 §1).

The transformed function reads global and closure variables when it is called, as the
function does; and a failure in the generated code names the line of the user's function
(file and line) as well as the generated line.
"""
import importlib.util
import math
import textwrap

import pytest

from lecture_code.autodiff import DomainError
from lecture_code.autodiff.source import source_transform

A = 2.0
N = 3


def scaled(x):
    return A * x + math.sin(x)


def repeated(x):
    s = 0.0
    for i in range(N):
        s = s + A * x
    return s


@pytest.fixture
def restore_globals():
    yield
    globals().update(A=2.0, N=3)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_changed_global_is_read_when_called(mode, restore_globals):
    df = source_transform(scaled, mode=mode)
    dr = source_transform(repeated, mode=mode)
    globals().update(A=3.0, N=2)
    assert scaled(1.0) == 3.0 + math.sin(1.0)
    call = (lambda t, x: t(x, 1.0)) if mode == "forward" else (lambda t, x: t(x))
    value, slope = call(df, 1.0)
    assert value == scaled(1.0)
    assert (slope if mode == "forward" else slope[0]) == 3.0 + math.cos(1.0)
    value, slope = call(dr, 1.0)
    assert value == repeated(1.0) == 6.0
    assert (slope if mode == "forward" else slope[0]) == 6.0


def _closure(c):
    def h(x):
        return c * x * x
    return h


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_changed_closure_variable_is_read_when_called(mode):
    h = _closure(5.0)
    dh = source_transform(h, mode=mode)
    h.__closure__[0].cell_contents = 7.0
    result = dh(2.0, 1.0) if mode == "forward" else dh(2.0)
    assert result[0] == h(2.0) == 28.0
    assert (result[1] if mode == "forward" else result[1][0]) == 28.0


def test_a_deleted_global_is_a_name_error(restore_globals):
    df = source_transform(scaled)
    del globals()["A"]
    try:
        with pytest.raises(NameError, match="scaled reads 'A', which is no longer defined"):
            df(1.0, 1.0)
    finally:
        globals()["A"] = 2.0


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_failure_names_the_users_file_and_line(tmp_path, mode):
    path = tmp_path / "user_module.py"
    path.write_text(textwrap.dedent("""\
        import math


        def pw(x):
            y = x * 2.0
            z = y ** 0.5
            return z + math.log(x + 1.0)
        """))
    spec = importlib.util.spec_from_file_location("user_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    t = source_transform(module.pw, mode=mode)
    expected = (rf"pw \({path}, line 6: `z = y \*\* 0.5`\): the generated code failed at "
                r"line \d+, `.*`: 0.0 cannot be raised to a negative power")
    with pytest.raises(DomainError, match=expected):
        t(0.0, 1.0) if mode == "forward" else t(0.0)
