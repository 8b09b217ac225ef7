"""Newton's method, optimisation and a stiff ODE solver, with derivatives from AD.

Introduced in the chapter *Why derivatives, and why not divided differences* (Newton's method
needs ``f'``) and used in *Applications and discussion*: Newton for ``f(x) = 0`` (scalar: slope
by dual numbers; systems: Jacobian by ``jacfwd``), minimisation by gradient descent and by
Newton's method with the AD Hessian, and implicit Euler for stiff ODEs (each step solves a
nonlinear system by Newton with the AD Jacobian).

Example
-------
>>> result = newton(lambda x: x**2 - 2.0, 1.0)
>>> round(result.root, 12), result.converged
(1.414213562373, True)
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .dual import derivative
from .transforms import jacfwd

__all__ = ["NewtonResult", "ConvergenceError", "newton", "newton_system", "newton_minimise",
           "gradient_descent", "implicit_euler", "explicit_euler"]


class ConvergenceError(RuntimeError):
    """An iteration did not converge (or cannot continue: a zero slope, a singular Jacobian).

    Introduced in the chapter *Why derivatives, and why not divided differences*; the message
    says what to try.
    """


@dataclass
class NewtonResult:
    """The outcome of :func:`newton`: the root, the iterates and the residuals.

    Introduced in the chapter *Why derivatives, and why not divided differences*. ``history``
    holds every iterate from ``x0`` on, ``residuals`` the matching ``|f(x)|``; ``iterations`` is
    the number of Newton steps taken.

    >>> r = newton(lambda x: x - 3.0, 0.0)
    >>> r.root, r.iterations, r.history
    (3.0, 1, [0.0, 3.0])
    >>> r.residuals
    [3.0, 0.0]
    """

    root: float
    iterations: int
    converged: bool
    history: list = field(default_factory=list)
    residuals: list = field(default_factory=list)


def _real(x, who, name="x0"):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who} needs a real number {name}, got {x!r} ({type(x).__name__}).")
    return float(x)


def _check_stopping(who, tol, max_iter):
    """``tol`` a number >= 0 and ``max_iter`` an int >= 0, or a ValueError naming them."""
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) \
            or not tol >= 0:
        raise ValueError(f"{who} needs tol >= 0 (a real number), got {tol!r}.")
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, numbers.Integral) \
            or max_iter < 0:
        raise ValueError(f"{who} needs max_iter, the number of iterations, as an int >= 0, "
                         f"got {max_iter!r}.")


def _vector(x, who, name="x0"):
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise TypeError(f"{who} needs {name} as a 1-D array of real numbers, got {x!r}.")
    return np.array(arr, dtype=float)


def newton(f, x0, fprime=None, tol=1e-12, max_iter=50, raise_on_failure=True):
    """Newton's method ``x ← x − f(x)/f'(x)`` for a scalar equation ``f(x) = 0``.

    Introduced in the chapter *Why derivatives, and why not divided differences*. ``fprime``
    defaults to the exact slope by dual numbers
    (:func:`~lecture_code.autodiff.dual.derivative`); pass your own (e.g. a divided difference)
    to compare. Stops when ``|f(x)| <= tol`` and the last step was at most ``tol·max(1, |x|)``
    (both the residual and the iterate have settled), or when ``f(x) == 0``. A zero slope, or no
    convergence in ``max_iter`` steps, raises :class:`ConvergenceError` (or, with
    ``raise_on_failure=False``, returns a result with ``converged=False``).

    >>> r = newton(lambda x: x**3 - 2.0, 1.0)
    >>> abs(r.root - 2 ** (1 / 3)) < 1e-15, r.converged
    (True, True)
    """
    x = _real(x0, "newton")
    _check_stopping("newton", tol, max_iter)
    slope_of = (lambda t: derivative(f, t)) if fprime is None else fprime
    history, residuals = [x], []
    for k in range(max_iter + 1):
        fx = float(f(x))
        residuals.append(abs(fx))
        if not np.isfinite(fx):
            return _fail(f"newton: f(x) is not finite at x = {x!r} (iteration {k}); start "
                         "closer to the root.", x, k, history, residuals, raise_on_failure)
        last_step = abs(history[-1] - history[-2]) if k else np.inf
        if fx == 0 or (abs(fx) <= tol and last_step <= tol * max(1.0, abs(x))):
            return NewtonResult(x, k, True, history, residuals)
        if k == max_iter:
            break
        slope = float(slope_of(x))
        if slope == 0 or not np.isfinite(slope):
            return _fail(f"newton: the slope f'(x) is {slope} at x = {x!r} (iteration {k}), "
                         "so the tangent never meets zero. Start from another x0.",
                         x, k, history, residuals, raise_on_failure)
        x = x - fx / slope
        history.append(x)
    return _fail(f"newton: no convergence to |f(x)| <= {tol:g} in {max_iter} iterations "
                 f"(last x = {x!r}, |f(x)| = {residuals[-1]:.3g}). Try a start closer to the "
                 "root, a larger max_iter, or a looser tol.",
                 x, max_iter, history, residuals, raise_on_failure)


def _fail(message, x, k, history, residuals, raise_on_failure):
    if raise_on_failure:
        raise ConvergenceError(message)
    return NewtonResult(x, k, False, history, residuals)


def _solve(A, b, who, x):
    try:
        step = np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            f"{who}: the Jacobian is singular at x = {np.array2string(x, precision=6)}, so "
            "the Newton step is undefined. Start from another x0, or check that the "
            "equations are independent.") from None
    if not np.isfinite(step).all():
        raise ConvergenceError(f"{who}: the Newton step is not finite at x = {x}; the "
                               "Jacobian is (nearly) singular. Start from another x0.")
    return step


def newton_system(F, x0, jac=None, tol=1e-10, max_iter=50, return_history=False):
    """Newton's method ``x ← x − J(x)⁻¹F(x)`` for a system ``F(x) = 0``, ``F: Rⁿ → Rⁿ``.

    Introduced in the chapter *Applications and discussion*. ``jac`` defaults to ``jacfwd(F)``
    (n forward sweeps per iteration). Stops when ``‖F(x)‖ <= tol``; returns the root, or
    ``(root, history)`` with every iterate when ``return_history``. A singular Jacobian or no
    convergence raises :class:`ConvergenceError`.

    >>> F = lambda x: np.array([x[0] ** 2 - 4.0, x[0] * x[1] - 2.0])
    >>> newton_system(F, [1.0, 1.0]).round(12).tolist()
    [2.0, 1.0]
    """
    x = _vector(x0, "newton_system")
    _check_stopping("newton_system", tol, max_iter)
    J = jacfwd(F) if jac is None else jac
    history = [x.copy()]
    for k in range(max_iter + 1):
        Fx = np.asarray(F(x), dtype=float)
        if Fx.shape != x.shape:
            raise ValueError(f"newton_system needs F: Rⁿ → Rⁿ; F(x) has shape {Fx.shape} "
                             f"for x of shape {x.shape}.")
        norm = float(np.linalg.norm(Fx))
        if norm <= tol:
            return (x, history) if return_history else x
        if k == max_iter or not np.isfinite(norm):
            break
        x = x - _solve(np.asarray(J(x), dtype=float), Fx, "newton_system", x)
        history.append(x.copy())
    raise ConvergenceError(f"newton_system: no convergence to ‖F(x)‖ <= {tol:g} in {k} "
                           f"iterations (‖F(x)‖ = {norm:.3g}). Try a start closer to the "
                           "solution, a larger max_iter, or a looser tol.")


def _damped_newton_step(H, g):
    """Solve ``(H + λI) p = −g`` with the smallest λ ≥ 0 (from 0, 1e-8·scale, ×10) that makes
    ``H + λI`` positive definite (Cholesky succeeds): Newton's step when ``H`` is positive
    definite, a step toward steepest descent otherwise."""
    n = len(g)
    scale = max(1.0, float(np.abs(H).max()))
    lam = 0.0
    for _ in range(60):
        try:
            L = np.linalg.cholesky(H + lam * np.eye(n))
        except np.linalg.LinAlgError:
            lam = 1e-8 * scale if lam == 0 else 10 * lam
            continue
        y = np.linalg.solve(L, -g)
        return np.linalg.solve(L.T, y)
    raise ConvergenceError("newton_minimise: could not make the Hessian positive definite; "
                           "check that hess returns a symmetric matrix of finite numbers.")


def newton_minimise(grad_f, hess_f, x0, tol=1e-10, max_iter=100, return_history=False):
    """Minimise with Newton's method ``x ← x − H(x)⁻¹∇f(x)`` (damped if H is not positive definite).

    Introduced in the chapter *Applications and discussion*. ``grad_f`` and ``hess_f`` are
    functions of ``x`` (e.g. ``grad(f)`` and ``hessian(f)``); with ``hess_f=None`` the Hessian
    is ``jacfwd(grad_f)``. When the Hessian is not positive definite the step uses ``H + λI``
    with the smallest λ that makes it so (Levenberg damping), so every step goes downhill. Stops
    when ``‖∇f(x)‖ <= tol``; returns ``x`` or ``(x, history)``.

    >>> g = lambda x: np.array([2 * (x[0] - 1), 4 * (x[1] + 2)])
    >>> h = lambda x: np.diag([2.0, 4.0])
    >>> newton_minimise(g, h, [0.0, 0.0]).round(12).tolist()
    [1.0, -2.0]
    """
    x = _vector(x0, "newton_minimise")
    _check_stopping("newton_minimise", tol, max_iter)
    H_of = jacfwd(grad_f) if hess_f is None else hess_f
    history = [x.copy()]
    for k in range(max_iter + 1):
        g = np.asarray(grad_f(x), dtype=float)
        norm = float(np.linalg.norm(g))
        if norm <= tol:
            return (x, history) if return_history else x
        if k == max_iter or not np.isfinite(norm):
            break
        H = np.asarray(H_of(x), dtype=float)
        if not np.isfinite(H).all():
            break
        x = x + _damped_newton_step(0.5 * (H + H.T), g)
        history.append(x.copy())
    raise ConvergenceError(f"newton_minimise: no convergence to ‖∇f(x)‖ <= {tol:g} in "
                           f"{max_iter} iterations (‖∇f(x)‖ = {norm:.3g}). Try another start, "
                           "a larger max_iter, or a looser tol.")


def gradient_descent(grad_f, x0, step=1e-3, tol=1e-8, max_iter=1000, return_history=False,
                     f=None, shrink=0.5, armijo=1e-4):
    """Gradient descent ``x ← x − t∇f(x)``: fixed step ``t``, or backtracking if ``f`` is given.

    Introduced in the chapter *Applications and discussion* (its zig-zag path on Rosenbrock's
    valley against Newton's). With ``f`` the step starts at ``step`` each iteration and shrinks
    by ``shrink`` until the Armijo condition ``f(x − t g) <= f(x) − armijo·t·‖g‖²`` holds. Stops
    when ``‖∇f(x)‖ <= tol`` or after ``max_iter`` steps (slow convergence is the lesson, so that
    is not an error); diverging iterates raise :class:`ConvergenceError`. Returns ``x`` or ``(x,
    history)``.

    >>> x = gradient_descent(lambda x: 2 * x, [1.0, -1.0], step=0.25, tol=1e-12, max_iter=100)
    >>> bool(np.abs(x).max() < 1e-12)
    True
    """
    x = _vector(x0, "gradient_descent")
    _check_stopping("gradient_descent", tol, max_iter)
    if not step > 0:
        raise ValueError(f"gradient_descent needs a positive step, got {step!r}.")
    history = [x.copy()]
    for k in range(max_iter):
        g = np.asarray(grad_f(x), dtype=float)
        norm = float(np.linalg.norm(g))
        if not np.isfinite(norm):
            raise ConvergenceError(f"gradient_descent diverged at iteration {k} (the gradient "
                                   "is not finite): use a smaller step or pass f for a "
                                   "backtracking line search.")
        if norm <= tol:
            break
        t = step
        if f is not None:
            fx = float(f(x))
            for _ in range(60):
                trial = float(f(x - t * g))
                if np.isfinite(trial) and trial <= fx - armijo * t * norm ** 2:
                    break
                t *= shrink
        x = x - t * g
        history.append(x.copy())
    return (x, history) if return_history else x


def _time_grid(t_span, h, who):
    t0, t1 = (float(t) for t in t_span)
    if not h > 0:
        raise ValueError(f"{who} needs a positive step h, got {h!r}.")
    if not t1 > t0:
        raise ValueError(f"{who} needs t_span = (t0, t1) with t1 > t0, got {t_span!r}.")
    n = int(round((t1 - t0) / h))
    if n < 1:
        raise ValueError(f"{who}: the step h = {h} is longer than the interval {t_span}.")
    return t0 + h * np.arange(n + 1)


def implicit_euler(f, y0, t_span, h, tol=1e-12, max_newton=50):
    """Implicit (backward) Euler ``y_{k+1} = y_k + h f(t_{k+1}, y_{k+1})`` for stiff ODEs.

    Introduced in the chapter *Applications and discussion*. Each step solves
    ``G(z) = z − y_k − h f(t_{k+1}, z) = 0`` by Newton's method with the Jacobian
    ``I − h ∂f/∂y`` from forward-mode AD (``jacfwd``), starting from ``z = y_k``. Returns
    ``(t, y)`` with ``y[k]`` the state at ``t[k]``. Stable for stiff problems with steps far
    beyond explicit Euler's limit.

    >>> t, y = implicit_euler(lambda t, y: -1000.0 * (y - np.cos(t)), [0.0], (0.0, 1.0), 0.1)
    >>> bool(abs(y[-1, 0] - np.cos(1.0)) < 1e-3)
    True
    """
    y = _vector(y0, "implicit_euler", "y0")
    t = _time_grid(t_span, h, "implicit_euler")
    ys = np.empty((len(t), len(y)))
    ys[0] = y
    for k in range(len(t) - 1):
        tk1, yk = t[k + 1], ys[k]

        def G(z):
            return z - yk - h * f(tk1, z)

        J = jacfwd(G)
        z = yk.copy()
        for _ in range(max_newton):
            Gz = np.asarray(G(z), dtype=float)
            if np.linalg.norm(Gz) <= tol * max(1.0, float(np.linalg.norm(z))):
                break
            z = z - _solve(np.asarray(J(z), dtype=float), Gz, "implicit_euler", z)
        else:
            raise ConvergenceError(f"implicit_euler: Newton did not converge in step {k} "
                                   f"(t = {tk1:g}); use a smaller step h.")
        ys[k + 1] = z
    return t, ys


def explicit_euler(f, y0, t_span, h):
    """Explicit (forward) Euler ``y_{k+1} = y_k + h f(t_k, y_k)``, for comparison.

    Introduced in the chapter *Applications and discussion*: on a stiff problem it blows up
    unless ``h`` is tiny. Once the state overflows the remaining entries are NaN (no warnings).
    Returns ``(t, y)``.

    >>> t, y = explicit_euler(lambda t, y: -y, [1.0], (0.0, 1.0), 0.5)
    >>> y[:, 0].tolist()
    [1.0, 0.5, 0.25]
    """
    y = _vector(y0, "explicit_euler", "y0")
    t = _time_grid(t_span, h, "explicit_euler")
    ys = np.full((len(t), len(y)), np.nan)
    ys[0] = y
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(len(t) - 1):
            ys[k + 1] = ys[k] + h * np.asarray(f(t[k], ys[k]), dtype=float)
            if not np.isfinite(ys[k + 1]).all():
                ys[k + 1:] = np.where(np.isfinite(ys[k + 1]), ys[k + 1], np.nan)
                ys[k + 2:] = np.nan
                break
    return t, ys
