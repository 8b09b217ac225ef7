"""A catalogue of bad and edge inputs to the public API of ``lecture_code.autodiff``.

Each row: a call, and what it must do: raise an error of a given type whose message names
what was wrong (and usually what to do), or return a documented result. The last column
says what autograd / JAX do where it differs or is documented (issue 12 §3-4).
"""
import math
import warnings

import numpy as np
import pytest
import scipy.special

import lecture_code.autodiff as ad
from lecture_code.autodiff import (ConvergenceError, DomainError, Dual, check_grads,
                                   derivative, grad, gradient_forward, hessian, jacfwd, jacrev,
                                   jvp, logsumexp, newton, newton_minimise, newton_system,
                                   gradient_descent, value_and_grad, vjp)
from lecture_code.autodiff import finite_diff as fd
from lecture_code.autodiff.reverse import Tape
from lecture_code.autodiff.source import SourceTransformError, source_transform
from lecture_code.autodiff.trace import trace


class Raises:
    def __init__(self, exc, match):
        self.exc, self.match = exc, match


class Returns:
    def __init__(self, value):
        self.value = value


SQUARE = "def f(x):\n    return x * x\n"


def _leak():
    box = []
    grad(lambda x: box.append(x) or x * 1.0)(1.0)
    return box[0] * 2.0


def _finished():
    tape = Tape()
    x = tape.input(1.0)
    tape.finish()
    return x + 1.0


def _where_log(x):
    return np.sum(np.where(x > 0, np.log(x), 0.0))


# (id, call, expected outcome, what autograd / JAX do)
CASES = [
    # --- what is differentiated: the point -------------------------------------------------
    ("derivative at a string", lambda: derivative(np.sin, "a"),
     Raises(TypeError, "derivative needs a real number"), "JAX: TypeError"),
    ("derivative at a bool", lambda: derivative(np.sin, True),
     Raises(TypeError, "got a bool"), "JAX: TypeError (bool is not float)"),
    ("derivative at an array", lambda: derivative(np.sin, np.ones(2)),
     Raises(TypeError, "function of one real number, but x has shape \\(2,\\)"), ""),
    ("derivative at a complex number", lambda: derivative(np.sin, 1j),
     Raises(TypeError, "real number"), "JAX differentiates holomorphic f with a flag"),
    ("derivative at an int", lambda: derivative(lambda x: x * x, 3), Returns(6.0),
     "JAX: TypeError for int inputs; here ints are converted to float"),
    ("grad at an int", lambda: grad(lambda x: x * x)(3), Returns(6.0), "as derivative"),
    ("grad at an int array", lambda: grad(lambda x: np.sum(x * x))(np.array([1, 2])),
     Returns([2.0, 4.0]), "autograd: TypeError for int arrays"),
    ("grad at a float32 array", lambda: grad(lambda x: np.sum(x * x))(
        np.array([1, 2], dtype=np.float32)), Returns([2.0, 4.0]), "computed in float64"),
    ("grad at a list", lambda: grad(np.sum)([1.0, 2.0]), Returns([1.0, 1.0]), ""),
    ("grad at a complex array", lambda: grad(np.sum)(np.array([1 + 2j])),
     Raises(TypeError, "real number"), ""),
    ("grad at a string", lambda: grad(np.sin)("a"), Raises(TypeError, "got 'a' \\(str\\)"), ""),
    ("grad at None", lambda: grad(np.sin)(None), Raises(TypeError, "got None"), ""),
    ("grad without a point", lambda: grad(np.sin)(), Raises(TypeError, "needs the point"), ""),
    ("grad at nan", lambda: grad(lambda x: x * x)(np.nan), Returns(np.nan),
     "nan in, nan out (numpy, autograd, JAX)"),
    ("grad at inf", lambda: grad(lambda x: x * x)(np.inf), Returns(np.inf), "as numpy"),
    ("grad of sum at nan", lambda: grad(np.sum)(np.array([np.nan, 1.0])),
     Returns([1.0, 1.0]), "the slope of sum does not depend on the value"),
    ("grad at an empty array", lambda: grad(np.sum)(np.array([])), Returns([]),
     "JAX: empty gradient"),
    ("jacfwd at an empty array", lambda: jacfwd(lambda x: 2 * x)(np.array([])),
     Returns(np.zeros((0, 0))), ""),
    ("jacrev at an empty array", lambda: jacrev(lambda x: 2 * x)(np.array([])),
     Returns(np.zeros((0, 0))), ""),
    ("jacrev of an empty output", lambda: jacrev(lambda x: x[:0])(np.ones(2)),
     Returns(np.zeros((0, 2))), ""),
    ("trace at a string", lambda: trace(np.sin, "a"),
     Raises(TypeError, "input 1 must be a real number"), ""),
    ("trace at an array", lambda: trace(np.sin, np.ones(2)),
     Raises(TypeError, "scalar programs"), ""),

    # --- the function -----------------------------------------------------------------------
    ("grad of a non-function", lambda: grad(5), Raises(TypeError, "needs a function"), ""),
    ("derivative of a non-function", lambda: derivative(5, 1.0),
     Raises(TypeError, "needs a function"), ""),
    ("grad of a vector output", lambda: grad(lambda x: 2 * x)(np.ones(2)),
     Raises(ValueError, "grad needs a scalar output, got shape \\(2,\\); use jacrev"),
     "JAX: TypeError 'Gradient only defined for scalar-output functions'"),
    ("hessian of a vector output", lambda: hessian(lambda x: 2 * x)(np.ones(2)),
     Raises(ValueError, "scalar output"), ""),
    ("gradient_forward of a vector output", lambda: gradient_forward(lambda x: 2 * x, [1.0]),
     Raises(ValueError, "scalar output"), ""),
    ("value_and_grad of a vector output", lambda: value_and_grad(lambda x: 2 * x)(np.ones(2)),
     Raises(ValueError, "scalar output"), ""),
    ("grad of a function returning a string", lambda: grad(lambda x: "a")(1.0),
     Raises(TypeError, "returning a number, got str"), ""),
    ("grad of a function returning None", lambda: grad(lambda x: None)(1.0),
     Raises(TypeError, "returning a number, got NoneType"), ""),
    ("grad of a function returning a tuple", lambda: grad(lambda x: (x, x))(1.0),
     Raises(TypeError, "returned a tuple/list"), "JAX: has_aux for (value, aux)"),
    ("grad of a constant function", lambda: grad(lambda x: 3.0)(1.0), Returns(0.0),
     "JAX: 0; autograd: 0 with a warning"),
    ("grad of a constant int function", lambda: grad(lambda x: 3)(1.0), Returns(0.0), ""),

    # --- argnums -----------------------------------------------------------------------------
    ("argnums out of range", lambda: grad(lambda x: x, argnums=5)(1.0),
     Raises(ValueError, "argnums=5 does not name one of the function's 1"), "JAX: TypeError"),
    ("argnums a string", lambda: grad(lambda x: x, argnums="a")(1.0),
     Raises(ValueError, "argnums='a'"), ""),
    ("argnums a bool", lambda: grad(lambda x, y: x * y, argnums=True)(1.0, 2.0),
     Raises(ValueError, "argnums=True"), ""),
    ("argnums empty", lambda: grad(lambda x: x, argnums=())(1.0),
     Raises(ValueError, "names no argument"), ""),
    ("argnums negative", lambda: grad(lambda x, y: x * y, argnums=-1)(3.0, 2.0),
     Returns(3.0), "as JAX"),
    ("argnums repeated", lambda: grad(lambda x, y: x * y, argnums=(0, 0))(1.0, 2.0),
     Returns((2.0, 2.0)), ""),
    ("argnums 0 leaves sqrt(y) at 0 unchecked",
     lambda: grad(lambda w, y: np.sum(w * np.sqrt(y)), 0)(np.ones(2), np.array([0.0, 4.0])),
     Returns([0.0, 2.0]), "JAX: [0, 2] (y is a constant)"),
    ("argnums 0 with a negative base and n = 2", lambda: grad(lambda x, n: x ** n)(-2.0, 2.0),
     Returns(-4.0), "JAX: -4"),
    ("argnums 1 of 0**y at y = 2", lambda: grad(lambda x, y: x ** y, 1)(0.0, 2.0),
     Returns(0.0), "JAX: 0 (log of 0 replaced by 0)"),
    ("argnums 0 passes an int exponent unchanged",
     lambda: grad(lambda x, n: x ** n * (n + 1), 0)(2.0, 3), Returns(48.0), ""),

    # --- domains --------------------------------------------------------------------------
    ("log at 0", lambda: derivative(np.log, 0.0),
     Raises(DomainError, "log is only differentiable for positive inputs, got 0"),
     "JAX: inf; autograd: inf with a warning"),
    ("log of a negative dual", lambda: np.log(Dual(-1.0, 1.0)),
     Raises(DomainError, "got -1"), ""),
    ("grad of log at -1", lambda: grad(np.log)(-1.0), Raises(DomainError, "got -1"), ""),
    ("sqrt at 0", lambda: grad(np.sqrt)(0.0),
     Raises(DomainError, "sqrt is only differentiable"), "JAX: inf"),
    ("x**0.5 at 0 in an array", lambda: grad(lambda x: np.sum(x ** 0.5))(np.array([0.0, 1.0])),
     Raises(DomainError, "x\\*\\*0.5 has no derivative at x = 0"),
     "autograd: [inf, 0.5] with a warning"),
    ("x**0 at 0", lambda: grad(lambda x: x ** 0.0)(0.0), Returns(0.0), "JAX: 0"),
    ("negative base to a fractional power", lambda: derivative(lambda x: x ** 0.5, -4.0),
     Raises(DomainError, "negative base to a non-integer power"), "JAX: nan"),
    ("0**y at y = 0", lambda: derivative(lambda y: 0.0 ** y, 0.0),
     Raises(DomainError, "differentiated in the exponent y needs a positive base"), "JAX: 0"),
    ("division by zero", lambda: derivative(lambda x: 1.0 / x, 0.0),
     Raises(DomainError, "division by zero"), "JAX: -inf"),
    ("arcsin at 1", lambda: derivative(np.arcsin, 1.0),
     Raises(DomainError, "arcsin is only differentiable for -1 < x < 1"), "JAX: inf"),
    ("log of nan in an array", lambda: grad(lambda x: np.sum(np.log(x)))(np.array([np.nan, 1.0])),
     Returns([np.nan, 1.0]), "nan is not outside the domain: nan in, nan out"),
    ("np.where masks log(-1)", lambda: grad(_where_log)(np.array([-1.0, 2.0])),
     Returns([0.0, 0.5]), "autograd, JAX: [-0, 0.5]"),
    ("np.where masks log(0)", lambda: jacfwd(_where_log)(np.array([0.0, 2.0])),
     Returns([0.0, 0.5]), "autograd: [nan, 0.5] (0 * inf)"),
    ("np.where in scalar code", lambda: grad(lambda x: np.where(x > 0, np.log(x), 0.0))(-1.0),
     Raises(DomainError, "log is only differentiable"), "scalar code raises at once"),
    ("source transform at a domain error",
     lambda: source_transform("def f(x):\n    return x ** 0.5\n")(0.0, 1.0),
     Raises(DomainError, "f \\(<source_transform input>, line 2: `return x \\*\\* 0.5`\\)"), ""),

    # --- non-smooth points and special values ------------------------------------------------
    ("max at a tie, forward", lambda: jacfwd(np.max)(np.array([1.0, 1.0])), Returns([0.5, 0.5]),
     "JAX: [0.5, 0.5]; autograd: [0.5, 0.5]"),
    ("max at a tie, reverse", lambda: jacrev(np.max)(np.array([1.0, 1.0])), Returns([0.5, 0.5]),
     "as JAX"),
    ("maximum at a tie", lambda: derivative(lambda x: np.maximum(x, 1.0), 1.0), Returns(0.5),
     "JAX: 0.5"),
    ("abs at 0", lambda: derivative(abs, 0.0), Returns(0.0), "sign(0) = 0; JAX: 1"),
    ("floor", lambda: grad(np.floor)(1.3), Returns(0.0), "JAX: 0"),
    ("logsumexp of all -inf", lambda: grad(logsumexp)(np.array([-np.inf, -np.inf])),
     Returns([0.0, 0.0]), "JAX: nan (jax-ml/jax#6811 agrees 0 is right)"),
    ("logsumexp of an empty array", lambda: logsumexp(np.array([])), Returns(-np.inf),
     "scipy: -inf"),

    # --- numpy functions without a rule -------------------------------------------------------
    ("math.sin of a dual", lambda: derivative(math.sin, 1.0),
     Raises(TypeError, "would drop its derivative.*use np.sin"), "JAX: TypeError"),
    ("math.sin of a variable", lambda: grad(math.sin)(1.0),
     Raises(TypeError, "math-module function such as math.sin"), ""),
    ("np.fft.fft, reverse", lambda: grad(lambda x: np.sum(np.fft.fft(x)))(np.ones(2)),
     Raises(TypeError, "np.fft.fft is not supported by lecture_code.autodiff's reverse"), ""),
    ("np.fft.fft, forward", lambda: jacfwd(np.fft.fft)(np.ones(2)),
     Raises(TypeError, "numpy.fft.fft is not supported for Dual numbers"), ""),
    ("np.linalg.det", lambda: grad(np.linalg.det)(np.eye(2)),
     Raises(TypeError, "np.linalg.det is not supported"), "JAX, autograd: supported"),
    ("np.round", lambda: grad(np.round)(1.3), Raises(TypeError, "np.round is not supported"),
     ""),
    ("x // 2, reverse", lambda: grad(lambda x: x // 2)(3.0),
     Raises(TypeError, "np.floor_divide is not supported"), ""),
    ("x // 2, forward", lambda: derivative(lambda x: x // 2, 3.0),
     Raises(TypeError, "numpy.floor_divide .* is not supported for Dual numbers"), ""),
    ("x % 2, forward", lambda: derivative(lambda x: x % 2, 3.0),
     Raises(TypeError, "numpy.remainder .* is not supported for Dual numbers"), ""),
    ("np.asarray of a variable", lambda: grad(lambda x: np.sum(np.asarray(x)))(np.ones(2)),
     Raises(TypeError, "converted to a plain numpy array"), ""),
    ("scipy's logsumexp, reverse", lambda: grad(scipy.special.logsumexp)(np.ones(2)),
     Raises(TypeError, "lecture_code.autodiff.logsumexp"), ""),
    ("scipy's logsumexp, forward", lambda: jacfwd(scipy.special.logsumexp)(np.ones(2)),
     Raises(TypeError, "lecture_code.autodiff.logsumexp"), ""),
    ("np.add.at", lambda: grad(lambda x: np.add.at(np.zeros(2), [0], x))(np.ones(1)),
     Raises(TypeError, "np.add.at is not supported"), ""),
    ("out= keyword", lambda: grad(lambda x: np.sum(np.sin(x, out=np.empty(2))))(np.ones(2)),
     Raises(TypeError, "keyword\\(s\\) out"), ""),
    ("a ufunc without a rule on a dual", lambda: np.bitwise_and(Dual(1.0, 1.0), 1),
     Raises(TypeError, "numpy.bitwise_and .* is not supported for Dual numbers"), ""),
    ("shapes that do not match", lambda: grad(lambda x: np.sum(x @ np.ones(3)))(np.ones(2)),
     Raises(ValueError, "mismatch in its core dimension"), "numpy's own error"),

    # --- duals, tapes and nesting ---------------------------------------------------------------
    ("a dual of a bool", lambda: Dual(True, 1.0), Raises(TypeError, "got a bool"), ""),
    ("a dual of a string", lambda: Dual("a"), Raises(TypeError, "must be a real number"), ""),
    ("a dual with a tangent of another shape", lambda: Dual(np.ones(2), np.ones(3)),
     Raises(ValueError, "tangent of the primal's shape \\(2,\\), got shape \\(3,\\)"), ""),
    ("float of a dual", lambda: float(Dual(1.0, 1.0)),
     Raises(TypeError, "would drop its derivative"), ""),
    ("hash of an array dual", lambda: hash(Dual(np.ones(2), np.ones(2))),
     Raises(TypeError, "unhashable"), ""),
    ("a variable kept after grad returned", _leak,
     Raises(ValueError, "recording that has already finished"), "JAX: UnexpectedTracerError"),
    ("a finished tape", _finished, Raises(ValueError, "already finished"), ""),
    ("perturbation confusion, forward",
     lambda: derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0), Returns(1.0),
     "Siskind & Pearlmutter's example; JAX: 1"),
    ("perturbation confusion, reverse",
     lambda: grad(lambda x: x * grad(lambda y: x + y)(1.0))(2.0), Returns(1.0), "JAX: 1"),
    ("forward nested in reverse", lambda: grad(lambda x: derivative(lambda y: x * y, 1.0))(2.0),
     Raises(NotImplementedError, "Nest the other way round"), "JAX: supported"),

    # --- vjp, jvp, check_grads --------------------------------------------------------------
    ("pullback of the wrong shape", lambda: vjp(lambda x: 2 * x, np.ones(2))[1](np.ones(3)),
     Raises(ValueError, "out_bar has shape \\(3,\\)"), ""),
    ("jvp with a tangent of the wrong shape", lambda: jvp(lambda x: 2 * x, np.ones(2), np.ones(3)),
     Raises(ValueError, "tangent v of the same shape as x"), "JAX: ValueError"),
    ("jvp with a string tangent", lambda: jvp(lambda x: 2 * x, np.ones(2), "a"),
     Raises(TypeError, "real number"), ""),
    ("vjp without inputs", lambda: vjp(np.sin), Raises(TypeError, "at least one input"), ""),
    ("check_grads of a correct function",
     lambda: check_grads(lambda x: np.sum(np.sin(x)), np.ones(2)), Returns(True), ""),
    ("check_grads of a vector output", lambda: check_grads(np.sin, np.ones(2)),
     Raises(ValueError, "check_grads needs a scalar output, got shape \\(2,\\)"), ""),

    # --- source transformation -------------------------------------------------------------------
    ("source of a lambda", lambda: source_transform(lambda x: x),
     Raises(SourceTransformError, "define the function with def"), ""),
    ("source of a builtin", lambda: source_transform(math.sin),
     Raises(TypeError, "needs a Python function"), ""),
    ("source in an unknown mode", lambda: source_transform(SQUARE, mode="sideways"),
     Raises(ValueError, "mode must be 'forward' or 'reverse'"), ""),
    ("source with a while loop",
     lambda: source_transform("def f(x):\n    while x > 1:\n        x = x / 2\n    return x\n"),
     Raises(SourceTransformError, "line 2 \\(`while x > 1:`\\): 'while' loops"), ""),
    ("source called with a string", lambda: source_transform(SQUARE)("a", 1.0),
     Raises(TypeError, "argument 1 must be a real number, got str"), ""),
    ("source called with an array", lambda: source_transform(SQUARE)(np.ones(2), 1.0),
     Raises(TypeError, "for arrays use lecture_code.autodiff.jvp"), ""),
    ("source called without tangents", lambda: source_transform(SQUARE)(1.0),
     Raises(TypeError, "inputs followed by their tangents"), ""),
    ("source at nan", lambda: source_transform(SQUARE)(math.nan, 1.0),
     Raises(DomainError, "not defined at these inputs"), ""),

    # --- divided differences and solvers ----------------------------------------------------
    ("central difference with h = 0", lambda: fd.central_difference(np.sin, 1.0, 0.0),
     Raises(ValueError, "the step h must be a positive number, got 0.0"), ""),
    ("central difference with h = nan", lambda: fd.central_difference(np.sin, 1.0, math.nan),
     Raises(ValueError, "got nan"), ""),
    ("newton with tol < 0", lambda: newton(lambda x: x * x - 2, 1.0, tol=-1),
     Raises(ValueError, "newton needs tol >= 0"), "scipy.optimize.newton: ValueError"),
    ("newton with max_iter 2.5", lambda: newton(lambda x: x * x - 2, 1.0, max_iter=2.5),
     Raises(ValueError, "max_iter.*int >= 0, got 2.5"), ""),
    ("newton at a zero slope", lambda: newton(lambda x: x * x - 2, 0.0),
     Raises(ConvergenceError, "the slope f'\\(x\\) is 0.0"), ""),
    ("newton from a string", lambda: newton(np.sin, "a"),
     Raises(TypeError, "newton needs a real number x0"), ""),
    ("newton_system with max_iter -1", lambda: newton_system(lambda x: x, [1.0], max_iter=-1),
     Raises(ValueError, "newton_system needs max_iter"), ""),
    ("newton_minimise with tol nan",
     lambda: newton_minimise(lambda x: x, None, [1.0], tol=math.nan),
     Raises(ValueError, "newton_minimise needs tol >= 0"), ""),
    ("gradient_descent with step 0", lambda: gradient_descent(lambda x: x, [1.0], step=0.0),
     Raises(ValueError, "positive step"), ""),
    ("gradient_descent with a bool max_iter",
     lambda: gradient_descent(lambda x: x, [1.0], max_iter=True),
     Raises(ValueError, "gradient_descent needs max_iter"), ""),
]


def test_the_catalogue_is_large_and_its_ids_unique():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("call, outcome", [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(call, outcome):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no warning may pass unnoticed ...
        with np.errstate(divide="ignore", invalid="ignore"):   # ... except numpy's values
            if isinstance(outcome, Raises):
                with pytest.raises(outcome.exc, match=outcome.match):
                    call()
                return
            result = call()
    expected = outcome.value
    if isinstance(expected, tuple):
        assert isinstance(result, tuple) and np.allclose(result, expected)
    else:
        assert np.shape(result) == np.shape(expected)
        assert np.allclose(result, expected, equal_nan=True, rtol=1e-12)
