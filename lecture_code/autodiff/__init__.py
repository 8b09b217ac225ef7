"""Automatic differentiation, built up chapter by chapter (numpy and the standard library only).

Forward mode (dual numbers) in :mod:`.dual`, reverse mode (a tape) in :mod:`.reverse`, the
function transformations (``grad``, ``jacfwd``, ``hessian``, ...) in :mod:`.transforms`,
divided differences in :mod:`.finite_diff`, Newton's method and optimisers in :mod:`.solvers`,
and elementwise functions (``sin``, ``exp``, ...) generated from :mod:`.rules` in
:mod:`.functions`.
"""

from .rules import DomainError  # noqa: F401
from .dual import Dual, derivative, gradient_forward  # noqa: F401  (forward mode)
from .functions import *  # noqa: F401,F403  (sin, cos, exp, log, sqrt, ...)
from .reverse import Variable, logsumexp, unbroadcast  # noqa: F401  (reverse mode)
from . import numpy_vjps  # noqa: F401,E402  (fills reverse.FUNCTIONS: np.sum, np.matmul, ...)
from .transforms import (grad, value_and_grad, jvp, vjp, jacfwd, jacrev,  # noqa: F401
                         hessian, hvp, check_grads)
from .solvers import (newton, newton_system, newton_minimise, gradient_descent,  # noqa: F401
                      implicit_euler, explicit_euler, NewtonResult, ConvergenceError)
from . import finite_diff  # noqa: F401
