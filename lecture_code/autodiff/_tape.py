"""The reverse-mode tape: Tape, Node and Variable (chapter *Forward and reverse mode*).

The general machinery, readable on its own: while the function runs, every operation on a
:class:`Variable` appends one node to its :class:`Tape` (which earlier nodes it read, and
how to send an adjoint back to each of them), and :meth:`Tape.backward` walks the tape once
from the output to the inputs, accumulating ``parent_bar += local_vjp(node_bar)``.
Elementwise functions get their derivatives from :mod:`lecture_code.autodiff.rules`
(:func:`apply_rule`); numpy's other functions from the table :data:`FUNCTIONS`, which
:mod:`lecture_code.autodiff.numpy_vjps` fills.

Speed lives in :mod:`lecture_code.autodiff._fast`, which this module does not import: when
it is loaded (by :mod:`lecture_code.autodiff.reverse`) it replaces the arithmetic operators of
:class:`Variable` by generated ones that record Python floats as flat tuple nodes, sends rules
on floats to its float path (:data:`FLOAT_PATH`), and replaces :meth:`Tape.backward` by one
that accumulates array adjoints in place. The plain versions here are what they are tested
against.

>>> tape = Tape()
>>> x = tape.input(np.array([1.0, 2.0]))
>>> y = np.sum(x * x)
>>> tape.finish()
>>> tape.backward(y.index, 1.0)[x.index]
array([2., 4.])
"""
from __future__ import annotations

import dis
import math
import operator

import numpy as np

from ._arraylike import ArrayMethods
from .rules import RULES, UFUNC_RULES, DomainError, check_domain, primal_value

__all__ = ["Variable", "Tape", "Node", "FUNCTIONS", "register", "record", "find_tape",
           "value_of", "apply_rule", "unbroadcast"]

# ---------------------------------------------------------------------------------------
# The tape
# ---------------------------------------------------------------------------------------
class _Finished:
    """Stands in for the node list of a finished tape: recording onto it is an error."""

    __slots__ = ()

    def __len__(self):
        return 0

    def append(self, node):
        raise ValueError(
            "this Variable belongs to a reverse-mode recording that has already finished "
            "(the vjp/grad call that created it has returned). Variables are only valid "
            "inside the function being differentiated: don't keep them in globals or "
            "lists between calls, or use one call's Variables in another call.")


_FINISHED = _Finished()

#: Reverse-mode versions of numpy's non-elementwise functions, by numpy function
#: (``FUNCTIONS[np.sum]``; ``FUNCTIONS[operator.getitem]`` for indexing). The tape only owns
#: the table: :mod:`lecture_code.autodiff.numpy_vjps` fills it with :func:`register`, as
#: autograd's ``defvjp`` does, so this module does not import that one.
FUNCTIONS: dict = {}


def register(*funcs):
    """Decorator: the function it decorates computes ``funcs`` on Variables and records them.

    >>> @register(np.cbrt)
    ... def _cbrt(x):
    ...     raise TypeError("not yet")
    >>> FUNCTIONS.pop(np.cbrt) is _cbrt
    True
    """
    def decorate(impl):
        for f in funcs:
            FUNCTIONS[f] = impl
        return impl
    return decorate

#: The tapes that are recording now, outermost first (nested calls give higher derivatives).
_ACTIVE: list = []



class Tape:
    """The record of one reverse-mode evaluation (chapter *Forward and reverse mode*).

    ``nodes[i]`` is how node ``i`` was computed: ``None`` for an input, a flat tuple
    ``(parent, partial, ...)`` for a scalar node, or a :class:`Node`. ``level`` is the
    nesting depth (0 for the outermost recording).

    >>> tape = Tape()
    >>> x = tape.input(3.0)
    >>> y = x * x + 1.0
    >>> tape.finish()
    >>> tape.backward(y.index, 1.0)[x.index]
    6.0
    """

    __slots__ = ("nodes", "recorded", "level", "owned")

    def __init__(self):
        self.nodes = []
        self.recorded = self.nodes
        self.level = len(_ACTIVE)
        self.owned = set()
        _ACTIVE.append(self)

    def input(self, value) -> "Variable":
        """A new input (leaf) variable with the given value."""
        return _variable(value, self, None)

    def finish(self) -> None:
        """Stop recording: later operations on this tape's Variables raise ``ValueError``."""
        self.recorded = self.nodes if self.nodes is not _FINISHED else self.recorded
        self.nodes = _FINISHED
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def backward(self, index: int, bar) -> list:
        """Propagate the adjoint ``bar`` of node ``index`` back to every node before it.

        Returns the list of adjoints by node index (``None`` where nothing arrived).
        ``self.owned`` is set to the indices whose adjoint array this pass allocated and
        may hand out without a copy: none here (the in-place version of
        :mod:`lecture_code.autodiff._fast` tracks them).
        """
        nodes = self.recorded
        grads = [None] * (index + 1)
        grads[index] = bar
        for i in range(index, -1, -1):
            g = grads[i]
            node = nodes[i]
            if g is None or node is None:        # nothing arrived, or an input: keep it
                continue
            grads[i] = None                      # free intermediate adjoints early
            if type(node) is tuple:              # scalar node: (parent, partial, ...)
                edges = [(node[k], lambda g, d=node[k + 1]: g * d)
                         for k in range(0, len(node), 2)]
            else:                                # general node: one VJP per parent
                edges = zip(node.parents, node.vjps)
            for p, pullback in edges:
                contribution = pullback(g)
                grads[p] = contribution if grads[p] is None else grads[p] + contribution
        self.owned = set()
        return grads


class Node:
    """A general tape node: parent indices and one VJP function ``bar -> parent_bar`` each.

    Chapter *Forward and reverse mode*.

    >>> Node((0,), (lambda g: 2 * g,)).vjps[0](1.5)
    3.0
    """

    __slots__ = ("parents", "vjps")

    def __init__(self, parents, vjps):
        self.parents = parents
        self.vjps = vjps



# ---------------------------------------------------------------------------------------
# The variable type
# ---------------------------------------------------------------------------------------
def _variable(value, tape, node):
    """Append ``node`` to ``tape`` and return the Variable that holds its output value."""
    nodes = tape.nodes
    out = _new(Variable)
    out.value = value
    out.tape = tape
    out.index = len(nodes)
    nodes.append(node)
    return out


_new = object.__new__


def find_tape(args):
    """The tape that records an operation on ``args`` (``None`` if no Variable among them).

    Variables of an enclosing (outer) recording are constants for an inner one; Variables
    of a finished recording are an error.
    """
    tape = None
    for a in args:
        if type(a) is Variable:
            t = a.tape
            if tape is None:
                tape = t
            elif t is not tape:
                tape = _innermost(tape, t)
    return tape


def _innermost(t1, t2):
    for t in (t1, t2):
        if t.nodes is _FINISHED:
            t.nodes.append(None)                 # raises the "finished recording" error
    return t1 if t1.level > t2.level else t2


def value_of(x, tape):
    """``x``'s value if it is a Variable of ``tape``; otherwise ``x`` itself (a constant)."""
    return x.value if type(x) is Variable and x.tape is tape else x


def record(tape, value, pairs):
    """Record ``value`` as computed from ``pairs = [(variable, vjp), ...]`` and return it.

    Only variables of ``tape`` become parents (others are constants at this level).
    Used by :mod:`numpy_vjps` to define new primitives.
    """
    parents, vjps = [], []
    for var, pullback in pairs:
        if type(var) is Variable and var.tape is tape and pullback is not None:
            parents.append(var.index)
            vjps.append(pullback)
    if not parents:
        return value
    return _variable(value, tape, Node(tuple(parents), tuple(vjps)))


def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def unbroadcast(g, shape):
    """Sum the adjoint ``g`` down to ``shape``: the VJP of numpy broadcasting.

    Chapter *Forward and reverse mode* (as in autograd). If ``x`` of shape ``shape`` was
    broadcast in an operation, every copy of it sent back an adjoint; they add up.

    >>> unbroadcast(np.ones((4, 3)), (3,))
    array([4., 4., 4.])
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).shape
    (4, 1)
    """
    gshape = _shape(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1)
    if axes:
        g = _sum_keepdims(g, axes)
    if extra < 0:                                # a scalar adjoint for an array input
        g = np.broadcast_to(g, shape)
    return g


def _sum_keepdims(g, axes):
    """``np.sum(g, axis=axes, keepdims=True)``, fast also over an inner axis of a float array.

    numpy reduces an inner axis followed by a short one (the ``(K, N, D)`` adjoint of
    ``means[:, None, :]``, D = 2) with an inner loop of length D, about 25 times slower
    than a matrix-vector product with a vector of ones, which gives the same sums.
    """
    if type(g) is np.ndarray and g.dtype == np.float64 and len(axes) == 1:
        axis = axes[0]
        shape = g.shape
        n, post = shape[axis], math.prod(shape[axis + 1:])
        if 1 < post <= 16 and n >= 256:
            rows = np.reshape(g, (math.prod(shape[:axis]), n, post))
            total = np.matmul(np.ones(n), rows)            # (pre, post)
            return np.reshape(total, shape[:axis] + (1,) + shape[axis + 1:])
    return np.sum(g, axis=axes, keepdims=True)




#: The float path of :func:`apply_rule`, ``(rule, args, values) -> result`` when every value
#: is a Python float (set by :mod:`lecture_code.autodiff._fast`; ``None``: the numpy path).
FLOAT_PATH = None


def _constant_partials(rule):
    """The partials of a rule whose partials are constants (add: 1, 1), as floats."""
    args = (1.0,) * (rule.nargs + 1)
    return tuple(float(p(*args)) for p in rule.partials)


_CONSTANTS = {name: _constant_partials(rule) for name, rule in RULES.items() if rule.constant}


def apply_rule(rule, args):
    """Apply an elementwise rule to ``args`` (Variables and constants) and record it."""
    tape = find_tape(args)
    values = [value_of(a, tape) for a in args]
    if FLOAT_PATH is not None and all(type(v) is float for v in values):
        return FLOAT_PATH(rule, args, values)
    if rule.domain is not None:
        active = tuple(type(a) is Variable and a.tape is tape for a in args)
        mask = getattr(rule.domain, "mask", None)
        if mask is not None and any(_shape(v) for v in values):
            bad = mask(*values, active=active)
            if bad is not None:
                return _record_outside_domain(rule, args, values, active, bad, tape)
        else:
            check_domain(rule, *values, active=active)
    out = rule.fn(*values)
    if len(args) == 2 and args[0] is args[1] and type(args[0]) is Variable:
        # x * x, x + x: one VJP with the two partials added (one adjoint array, not two).
        return record(tape, out, [(args[0], _same_argument_vjp(rule, values, out))])
    pairs = []
    for i, a in enumerate(args):
        if type(a) is Variable and a.tape is tape:
            pairs.append((a, _rule_vjp(rule, i, values, out)))
    return record(tape, out, pairs)


def _record_outside_domain(rule, args, values, active, bad, tape):
    """Array code with points outside ``rule``'s domain: numpy's value, a checked VJP.

    The rule for array code (chapter *Forward and reverse mode*): the value is what numpy
    computes (with numpy's RuntimeWarning for a NaN). An adjoint of 0 at a bad point (the
    branch ``np.where`` did not take) sends back 0, so a masked branch does not poison the
    gradient; a nonzero adjoint there means the derivative is needed where it does not
    exist, and the backward pass raises the rule's :class:`DomainError`.
    """
    out = rule.fn(*values)
    pairs = [(a, _masked_vjp(rule, i, values, out, bad, active))
             for i, a in enumerate(args) if active[i]]
    return record(tape, out, pairs)


def _masked_vjp(rule, i, values, out, bad, active):
    shape = _shape(values[i])
    partial = rule.partials[i]

    def back(g):
        live = bad & (np.asarray(primal_value(g)) != 0)
        if live.any():
            raise DomainError(rule.domain(*[np.broadcast_to(primal_value(v), bad.shape)[live]
                                            for v in values], active=active))
        with np.errstate(all="ignore"):
            contribution = g * partial(*values, out)
        return unbroadcast(np.where(bad, 0.0, contribution), shape)
    return back


def _same_argument_vjp(rule, values, out):
    """The VJP of ``f(x, x)``: ``g * (∂f/∂a + ∂f/∂b)``, both partials from the rule."""
    if rule.constant:
        d = float(sum(_CONSTANTS[rule.name]))
        return None if d == 0.0 else lambda g: g * d
    p0, p1 = rule.partials
    return lambda g: _times(g, p0(*values, out) + p1(*values, out), values, out)


def _rule_vjp(rule, i, values, out):
    shape = _shape(values[i])
    if rule.constant:
        d = float(_CONSTANTS[rule.name][i])
        if d == 0.0:
            return None
        if d == 1.0:
            return lambda g: unbroadcast(g, shape)
        # scale after summing: on the (smaller) unbroadcast adjoint
        if d == -1.0:
            return lambda g: -unbroadcast(g, shape)
        return lambda g: unbroadcast(g, shape) * d
    partial = rule.partials[i]
    if not _reads_output(partial):
        out = None                               # don't keep the output alive on the tape
    return lambda g: unbroadcast(_times(g, partial(*values, out), values, out), shape)


def _reads_output(partial, _cache={}):
    """Does ``partial(*args, out)`` use ``out``? (``x * y``'s partials do not; ``exp``'s does.)

    A partial that does not lets the tape drop the output array once the forward pass no
    longer needs it, which saves memory (and the time to page in new memory) on big arrays.
    """
    if partial not in _cache:
        code = partial.__code__
        name = code.co_varnames[code.co_argcount - 1]
        _cache[partial] = any(ins.opname.startswith("LOAD") and ins.argval == name
                              for ins in dis.get_instructions(code))
    return _cache[partial]


def _times(g, d, values, out):
    """``g * d``; in place in ``d`` when the partial ``d`` is a new float array.

    A partial that is none of the rule's inputs and output (``cos(x)``, ``2 * x``) was just
    computed, so nobody else holds it: reusing its memory saves allocating (and
    page-faulting) another array the size of the data. If ``g`` is the adjoint 1 spread
    over an array (what ``sum`` sends back), ``g * d`` is ``d`` itself: no array at all.
    (The backward loop never writes into an adjoint it did not allocate, and ``vjp``
    copies such adjoints before handing them out.)
    """
    if type(d) is np.ndarray and _is_ones(g) and d.shape == g.shape:
        return d
    if (type(d) is np.ndarray and d.dtype == np.float64 and d is not out
            and all(d is not v for v in values)
            and (type(g) is float or type(g) is np.float64
                 or (type(g) is np.ndarray and g.shape == d.shape))):
        return np.multiply(d, g, out=d)
    return g * d


def _is_ones(g):
    """Is ``g`` the number 1 broadcast to an array (all strides 0)?"""
    return (type(g) is np.ndarray and g.dtype == np.float64 and g.size > 0
            and not any(g.strides) and g.flat[0] == 1.0)


# numpy ufuncs that are not differentiable but are fine to call: they return plain arrays.
_CONSTANT_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isinf, np.isnan, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}


def _unsupported(name, what=""):
    return TypeError(
        f"{name} is not supported by lecture_code.autodiff's reverse mode: it has no "
        f"derivative rule here{what}. Write the computation with supported numpy functions "
        "(elementwise ufuncs, sum/mean/max/min, matmul/dot, reshape/transpose, indexing, "
        "concatenate/stack, where, logsumexp) or compute it outside the differentiated "
        "function.")


def _numpy_name(func):
    module = getattr(func, "__module__", None) or "numpy"
    module = "np" + module[len("numpy"):] if module.startswith("numpy") else module
    module = module.replace("._core.fromnumeric", "").replace("._core.multiarray", "")
    module = module.replace("._core.numeric", "").replace("._core.shape_base", "")
    return f"{module}.{getattr(func, '__name__', func)}"


class Variable(ArrayMethods):
    """A value recorded on a reverse-mode tape (chapter *Forward and reverse mode*).

    Holds ``value`` (a float, an ndarray, or a dual number / outer Variable when
    derivatives are nested), the ``tape`` it lives on and its node ``index``. Use it like
    the value: arithmetic, numpy functions, indexing, ``.shape``, ``len``, iteration.

    >>> tape = Tape()
    >>> x = tape.input(np.array([1.0, 2.0, 3.0]))
    >>> y = np.sum(x[1:] * 2.0)
    >>> y.value
    np.float64(10.0)
    >>> tape.finish()
    >>> tape.backward(y.index, 1.0)[x.index]
    array([0., 2., 2.])
    """

    __slots__ = ("value", "tape", "index")
    __array_priority__ = 100.0

    def __init__(self, value, tape: Tape):
        self.value = value
        self.tape = tape
        self.index = len(tape.nodes)
        tape.nodes.append(None)

    def __repr__(self):
        return f"Variable({self.value!r})"

    # --- arithmetic: the elementwise rules (lecture_code.autodiff._fast replaces the
    # operators +, -, *, ** and unary - by generated ones with a scalar fast path) ----------
    def __add__(self, other):
        return apply_rule(_ADD, (self, other))

    def __radd__(self, other):
        return apply_rule(_ADD, (other, self))

    def __sub__(self, other):
        return apply_rule(_SUB, (self, other))

    def __rsub__(self, other):
        return apply_rule(_SUB, (other, self))

    def __mul__(self, other):
        return apply_rule(_MUL, (self, other))

    def __rmul__(self, other):
        return apply_rule(_MUL, (other, self))

    def __truediv__(self, other):
        return apply_rule(_DIV, (self, other))

    def __rtruediv__(self, other):
        return apply_rule(_DIV, (other, self))

    def __pow__(self, other):
        return apply_rule(_POW, (self, other))

    def __rpow__(self, other):
        return apply_rule(_POW, (other, self))

    def __neg__(self):
        return apply_rule(RULES["negative"], (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return apply_rule(RULES["absolute"], (self,))

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    # --- comparisons look at values only (no derivative) --------------------------------
    def __lt__(self, other):
        return self.value < primal_value(other)

    def __le__(self, other):
        return self.value <= primal_value(other)

    def __gt__(self, other):
        return self.value > primal_value(other)

    def __ge__(self, other):
        return self.value >= primal_value(other)

    def __eq__(self, other):
        return self.value == primal_value(other)

    def __ne__(self, other):
        return self.value != primal_value(other)

    __hash__ = object.__hash__

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        raise TypeError(
            "float() (or a math-module function such as math.sin) was called on a "
            "reverse-mode Variable: that would drop its derivative. Use numpy functions "
            "(np.sin, np.exp, ...) on it instead.")

    def __array__(self, dtype=None, copy=None):
        if _shape(self.value) == () and dtype in (None, object):
            # np.array([x, y]) of scalar Variables: an object array holding them, which
            # numpy's elementwise functions and vjp's output handling understand.
            box = np.empty((), dtype=object)
            box[()] = self
            return box
        raise TypeError(
            "a reverse-mode Variable was converted to a plain numpy array (np.asarray, "
            "np.array, or a library function that is not written with numpy's dispatch, "
            "e.g. scipy.special.logsumexp): that would drop its derivative. Use numpy "
            "functions directly (np.stack to build arrays), and "
            "lecture_code.autodiff.logsumexp for logsumexp.")

    # --- shape and container protocol --------------------------------------------------
    @property
    def primal(self):
        """The value (so that code which unwraps dual numbers also unwraps Variables)."""
        return self.value

    @property
    def shape(self):
        return _shape(self.value)

    @property
    def dtype(self):
        return np.result_type(primal_value(self.value))

    def __getitem__(self, index):
        return FUNCTIONS[operator.getitem](self, index)

    # --- numpy dispatch ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = f"np.{ufunc.__name__}"
        if method != "__call__":
            raise _unsupported(f"{name}.{method}")
        if kwargs:
            raise TypeError(
                f"{name} was called on a reverse-mode Variable with the keyword(s) "
                f"{', '.join(sorted(kwargs))}: reverse mode supports plain calls only "
                "(no out=, where=, dtype=). Assign the result instead of using out=.")
        rule = UFUNC_RULES.get(ufunc)
        if rule is not None:
            return apply_rule(rule, inputs)
        if ufunc is np.matmul:
            return FUNCTIONS[np.matmul](*inputs)
        if ufunc in _CONSTANT_UFUNCS:
            return ufunc(*(primal_value(x) for x in inputs))
        raise _unsupported(name)

    def __array_function__(self, func, types, args, kwargs):
        impl = FUNCTIONS.get(func)
        if impl is None:
            raise _unsupported(_numpy_name(func))
        return impl(*args, **kwargs)



_ADD, _SUB, _MUL, _DIV, _POW = (RULES[n] for n in
                                ("add", "subtract", "multiply", "divide", "power"))


def _add_rule_methods():
    """``x.sin()``, ``x.exp()``, ...: what numpy calls on object arrays of Variables."""
    for name, rule in RULES.items():
        if rule.nargs == 1 and not hasattr(Variable, name):
            setattr(Variable, name, lambda self, _r=rule: apply_rule(_r, (self,)))


_add_rule_methods()
