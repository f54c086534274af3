"""The graph engine: differentiable functions, the computation graph and backpropagation.

How it fits together
--------------------
* A :class:`Function` subclass defines ``forward(ctx, *args)`` and ``backward(ctx, grad_output)``
  on **arrays**. ``MyFunction.apply(*args)`` unwraps Tensor arguments to their arrays, runs
  ``forward`` and wraps the result in a new :class:`~nnlib.tensor.Tensor`.
* When grad mode is on and some input requires a gradient, the ``ctx`` object of that call
  becomes the output's ``grad_fn``: a :class:`Node` of the graph. It remembers the Function,
  what ``forward`` saved, and where each input came from (``Node.next``: the input's own
  ``grad_fn``, the input itself when it is a leaf, or ``None`` when it needs no gradient).
* :func:`backward` walks the graph from the output back to the leaves. It first counts, for
  every node, how many consumers will send it a gradient (an iterative depth-first walk, so a
  chain of 10,000 ops needs no recursion), then runs each node's ``backward`` once all its
  gradients have arrived, and adds the gradients that reach leaves into their ``.grad``.

Saved arrays and in-place changes
---------------------------------
``ctx.save_for_backward(*arrays)`` keeps arrays for ``backward``. When one of them *is* the
array of an input (or of the output), ``apply`` records that tensor's version counter
(``Tensor._version``, bumped by every in-place method such as ``add_`` or ``t[i] = v``).
``backward`` compares the versions and raises a ``RuntimeError`` naming the op if the saved
tensor was modified in place in between, as torch does. Views share their base's counter
(see :mod:`nnlib.tensor`), so a change through any view is seen too. Changes through
``t.data`` (a tensor outside the graph) or the raw ``t._array`` are not tracked, like torch's
``.data``. After ``backward`` the saved
arrays are freed unless ``retain_graph=True``; a second ``backward`` through a node whose
arrays were freed raises.

Grad mode is a single process-wide flag (torch keeps one per thread).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from nnlib.backend import array_module, device_mismatch, device_of, is_writeable

__all__ = [
    "Function",
    "Node",
    "backward",
    "enable_grad",
    "grad",
    "inference_mode",
    "make_view",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "unbroadcast",
]

F = TypeVar("F", bound=Callable[..., Any])

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded in the graph."""
    return _grad_enabled


class set_grad_enabled:
    """Switch grad mode on or off; usable as a function, context manager or decorator.

    Like ``torch.set_grad_enabled(mode)``: calling it sets the mode right away; used as a
    context manager it restores the previous mode on exit.
    """

    def __init__(self, mode: bool) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        self._mode = bool(mode)
        _grad_enabled = self._mode

    def __enter__(self) -> None:
        global _grad_enabled
        _grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradModeContext:
    """Base of :class:`no_grad` and :class:`enable_grad`: a context manager and decorator."""

    _mode = True

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self._mode

    def __exit__(self, *exc_info: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            global _grad_enabled
            previous = _grad_enabled
            _grad_enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _grad_enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Do not record operations in the graph (context manager or decorator).

    Examples
    --------
    >>> with no_grad():
    ...     w -= lr * w.grad          # an update that must not become part of the graph
    >>> @no_grad()
    ... def evaluate(model, x): ...
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Record operations again inside a :class:`no_grad` block (context manager or decorator)."""

    _mode = True


class inference_mode(_GradModeContext):
    """Like :class:`no_grad` (torch's faster variant; nnlib treats both the same).

    ``inference_mode(False)`` records operations, like ``enable_grad``.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used bare, as ``@inference_mode``
            instance = object.__new__(cls)
            instance._mode = False
            return instance(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode


def _bare_decorator(cls: type) -> type:
    """Let ``@no_grad`` be used without parentheses, as torch allows."""

    def __new__(klass, func=None, *args, **kwargs):  # noqa: N807
        instance = object.__new__(klass)
        if callable(func) and not args and not kwargs:
            klass.__init__(instance)
            return instance(func)
        return instance

    cls.__new__ = __new__
    return cls


no_grad = _bare_decorator(no_grad)
enable_grad = _bare_decorator(enable_grad)


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` down to ``shape``: the gradient of broadcasting an input of ``shape``.

    Broadcasting copies an input along new leading axes and along axes of size 1, so its
    gradient is the sum of the output gradient over those axes.

    Parameters
    ----------
    grad : ndarray
        Gradient with the broadcast (output) shape.
    shape : tuple of int
        The input's shape; must broadcast to ``grad.shape``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class Node:
    """The ``ctx`` of one :meth:`Function.apply` call, and the output's ``grad_fn`` in the graph.

    Attributes
    ----------
    function : type[Function]
        The Function that made the output.
    needs_input_grad : tuple of bool
        For each positional argument of ``forward``: does it need a gradient?
    saved_tensors : tuple of arrays
        What ``forward`` passed to :meth:`save_for_backward` (``None`` once freed).
    next : tuple
        For each positional argument: its ``grad_fn`` (a Node), the argument itself when it is
        a leaf that requires grad, or ``None``.

    Any other attribute may be set by ``forward`` (``ctx.dim = dim``).
    """

    __slots__ = (
        "function",
        "needs_input_grad",
        "saved_tensors",
        "next",
        "_saved_versions",
        "_retained",
        "_hooks",
        "__dict__",
    )

    def __init__(self, function: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        self.function = function
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.next = ()
        self._saved_versions = None
        self._retained = None
        self._hooks = None

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` for ``backward`` (read them back as ``ctx.saved_tensors``)."""
        self.saved_tensors = arrays

    def name(self) -> str:
        """The node's name as torch shows it, e.g. ``"MulBackward0"``."""
        return getattr(self.function, "torch_name", self.function.__name__) + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class Function:
    """Base class of differentiable operations.

    Subclasses define two static methods that work on arrays, not Tensors::

        class Exp(Function):
            @staticmethod
            def forward(ctx, a):
                out = np.exp(a)
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx, grad_output):
                (out,) = ctx.saved_tensors
                return grad_output * out

    ``backward`` returns one gradient per positional argument of ``forward`` (a tuple when
    there are several), each in that argument's own shape, or ``None`` for arguments that are
    not tensors or need no gradient (see ``ctx.needs_input_grad``). It must not modify
    ``grad_output`` in place. Call the Function with ``Exp.apply(tensor)``.
    """

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: Node, grad_output: Any) -> Any:
        raise NotImplementedError("Function subclasses must define backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and return the result as a Tensor.

        Records the call in the graph when grad mode is on and an input requires grad.
        """
        arrays = list(args)
        needs = [False] * len(args)
        next_ = None
        kind = None
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                if arg._base is not None and arg._view.version != arg._vc[0]:
                    _refresh_view(arg)
                arrays[i] = arg._array
                if kind is None:
                    kind = arg._array.__class__
                elif arg._array.__class__ is not kind and _on_different_devices(args):
                    return cls.apply(*_to_one_device(cls.__name__, args), **kwargs)
                if arg._requires_grad and _grad_enabled:
                    needs[i] = True
                    if next_ is None:
                        next_ = [None] * len(args)
                    grad_fn = arg.grad_fn
                    next_[i] = arg if grad_fn is None else grad_fn
        ctx = Node(cls, tuple(needs))
        out = cls.forward(ctx, *arrays, **kwargs)
        if isinstance(out, np.generic):  # NumPy reductions return scalars, not 0-d arrays
            out = np.asarray(out)
        if next_ is None:
            return _tensor_from_array(out)
        ctx.next = tuple(next_)
        result = _tensor_from_array(out, True, ctx)
        if ctx.saved_tensors:
            _record_saved_versions(ctx, args, out, result)
        return result


def _on_different_devices(args: tuple) -> bool:
    return len({device_of(a._array) for a in args if isinstance(a, Tensor)}) > 1


def _to_one_device(op: str, args: tuple) -> list:
    """torch's rule: every tensor on one device, except 0-d CPU tensors, which join the GPU."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    gpu = [device_of(t._array) for t in tensors if device_of(t._array) != "cpu"]
    for t in tensors:
        where = device_of(t._array)
        if where != gpu[0] and not (where == "cpu" and t._array.ndim == 0):
            raise device_mismatch(gpu[0], where, f"{op}: move them with .to(device) first")
    return [
        a.to(gpu[0]) if isinstance(a, Tensor) and device_of(a._array) == "cpu" else a for a in args
    ]


def _record_saved_versions(ctx: Node, args: tuple, out: Any, result: Tensor) -> None:
    """Remember the version of every input or output whose array ``forward`` saved."""
    versions = []
    for saved in ctx.saved_tensors:
        if saved is out:
            versions.append((result._vc, result._vc[0], result._array.shape))
            continue
        for arg in args:
            if isinstance(arg, Tensor) and arg._array is saved:
                # The counter is shared with every view of the same storage.
                versions.append((arg._vc, arg._vc[0], arg._array.shape))
                break
    if versions:
        ctx._saved_versions = versions


def _check_saved_versions(node: Node) -> None:
    for counter, version, shape in node._saved_versions:
        if counter[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: a tensor of shape {shape} saved by {node.name()} is "
                f"at version {counter[0]}; expected version {version} instead. Do not change "
                "a tensor in place (add_, mul_, zero_, t[i] = v, ...) between using it in an "
                "operation and calling backward(), or change a clone() of it."
            )


_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed): {name} freed its saved arrays during the first "
    "backward(). Specify retain_graph=True in the first backward() call if you need to "
    "backward through the graph a second time."
)


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Backpropagate from ``tensor``: add d(tensor)/d(leaf) into the ``.grad`` of every leaf.

    Parameters
    ----------
    tensor : Tensor
        The output to differentiate; a scalar unless ``gradient`` is given.
    gradient : Tensor or array, optional
        d(loss)/d(tensor), same shape as ``tensor``; defaults to 1 for a scalar.
    retain_graph : bool
        Keep the saved arrays so that ``backward`` can run through this graph again.
    """
    _run_backward(tensor, gradient, retain_graph, None)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, like ``torch.autograd.grad``.

    Returns a tuple with one gradient per input instead of adding into ``.grad`` (which is
    left untouched). First-order only: ``create_graph=True`` raises.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate (scalars unless ``grad_outputs`` is given).
    inputs : Tensor or sequence of Tensor
        The tensors (leaves or intermediate results) to differentiate with respect to.
    grad_outputs : Tensor or sequence, optional
        d(loss)/d(output) for each output; 1 for scalar outputs.
    retain_graph : bool, optional
        Keep the graph for another backward pass (default: ``create_graph``).
    allow_unused : bool, optional
        Return ``None`` for an input the outputs do not depend on instead of raising.
    materialize_grads : bool
        Return zeros instead of ``None`` for unused inputs.
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad: create_graph=True (gradients of gradients) is not supported by "
            "nnlib; its backward passes compute on arrays outside the graph"
        )
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    retain = bool(retain_graph)
    for t in inputs:
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError("autograd.grad: one of the inputs does not require grad")
    capture: dict[Any, Any] = {}
    targets = {(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}
    for out, seed in zip(outputs, grad_outputs, strict=True):
        capture = _run_backward(out, seed, retain, targets)
    results = []
    for t in inputs:
        key = t.grad_fn if t.grad_fn is not None else t
        value = capture.get(key)
        if value is None:
            if materialize_grads:
                results.append(_tensor_from_array(array_module(t._array).zeros_like(t._array)))
                continue
            if not allow_unused:
                raise RuntimeError(
                    "autograd.grad: one of the differentiated tensors appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        else:
            value = value.astype(t._array.dtype, copy=False)
            results.append(_tensor_from_array(array_module(value).array(value)))
    return tuple(results)


def _run_hooks(hooks: list, grad: Any) -> Any:
    for hook in list(hooks):
        replaced = hook(_tensor_from_array(grad))
        if replaced is not None:
            grad = replaced._array if isinstance(replaced, Tensor) else replaced
    return grad


def _run_backward(tensor: Tensor, gradient: Any, retain_graph: bool, capture: Any) -> Any:
    """The engine behind :func:`backward` and :func:`grad`.

    With ``capture`` (a dict whose keys are nodes or leaves), the gradients reaching those
    keys are stored there (summed over calls) instead of being added into ``.grad``.
    """
    if not tensor._requires_grad:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no grad_fn: no operation that "
            "produced it involved a tensor with requires_grad=True (or it was made under no_grad)"
        )
    seed = _seed_gradient(tensor, gradient)
    handed_to_leaves = {id(seed)}  # memory given to a .grad (or the caller's): copy if met again
    root = tensor.grad_fn
    leaf_totals: dict[Tensor, Any] = {}  # leaves with hooks: gradients summed before the hooks
    if root is None:  # backward() on a leaf itself
        _deliver_to_leaf(tensor, seed, capture, leaf_totals, handed_to_leaves)
        return _finish_leaves(capture, leaf_totals, handed_to_leaves)

    # Pass 1: count how many gradients each node will receive (iterative depth-first walk).
    pending = {root: 0}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.saved_tensors is None:
            raise RuntimeError(_FREED_MESSAGE.format(name=node.name()))
        for source in node.next:
            if source.__class__ is Node:
                if source in pending:
                    pending[source] += 1
                else:
                    pending[source] = 1
                    stack.append(source)

    # Pass 2: run each node once all of its gradients have arrived.
    grads = {root: seed}
    ready = [root]
    while ready:
        node = ready.pop()
        grad = grads.pop(node, None)
        if grad is None:  # every consumer sent None: nothing flows through this node
            input_grads = (None,) * len(node.next)
        else:
            if node._hooks is not None:
                grad = _run_hooks(node._hooks, grad)
            if node._retained is not None:
                _retain(node, grad)
            if capture is not None and node in capture:
                previous = capture[node]
                capture[node] = grad if previous is None else previous + grad
            if node._saved_versions is not None:
                _check_saved_versions(node)
            input_grads = node.function.backward(node, grad)
            if not retain_graph:
                if node.saved_tensors:
                    node.saved_tensors = None
                node._saved_versions = None
            if input_grads.__class__ is not tuple:
                input_grads = (input_grads,)
        for source, input_grad in zip(node.next, input_grads, strict=False):
            if source is None:
                continue
            if source.__class__ is Node:
                if input_grad is not None:
                    if source in grads:
                        grads[source] = grads[source] + input_grad
                    else:
                        grads[source] = input_grad
                pending[source] -= 1
                if pending[source] == 0:
                    ready.append(source)
            elif input_grad is not None:
                _deliver_to_leaf(source, input_grad, capture, leaf_totals, handed_to_leaves)
    return _finish_leaves(capture, leaf_totals, handed_to_leaves)


def _deliver_to_leaf(leaf: Tensor, grad: Any, capture: Any, totals: dict, handed: set) -> None:
    if capture is not None:
        if leaf in capture:
            previous = capture[leaf]
            capture[leaf] = grad if previous is None else previous + grad
    elif leaf._hooks is not None:
        totals[leaf] = grad if leaf not in totals else totals[leaf] + grad
    else:
        _accumulate_into_leaf(leaf, grad, handed)


def _finish_leaves(capture: Any, totals: dict, handed: set) -> Any:
    for leaf, grad in totals.items():
        _accumulate_into_leaf(leaf, _run_hooks(leaf._hooks, grad), handed)
    return capture


def _seed_gradient(tensor: Tensor, gradient: Any) -> Any:
    data = tensor._array
    if gradient is None:
        if data.size != 1:
            raise RuntimeError(
                "grad can be implicitly created only for scalar outputs: backward() was called "
                f"on a tensor of shape {data.shape}; pass gradient= (a tensor of that shape) or "
                "reduce the output to a scalar first (e.g. .sum())"
            )
        return array_module(data).ones(data.shape, data.dtype)
    seed = gradient._array if isinstance(gradient, Tensor) else array_module(data).asarray(gradient)
    if seed.shape != data.shape:
        raise RuntimeError(
            f"backward: gradient has shape {seed.shape} but the tensor has shape {data.shape}; "
            "they must match"
        )
    return seed.astype(data.dtype, copy=False)


def _accumulate_into_leaf(leaf: Tensor, grad: Any, handed: set[int]) -> None:
    """Add ``grad`` into ``leaf.grad``, copying arrays that something else may still share."""
    dtype = leaf._array.dtype
    xp = array_module(leaf._array)
    if grad.shape != leaf._array.shape:
        grad = xp.broadcast_to(grad, leaf._array.shape)  # e.g. a scalar gradient of a 0-d leaf
    if leaf.grad is None:
        if grad.dtype != dtype or not isinstance(grad, xp.ndarray):
            grad = xp.array(grad, dtype=dtype)
        elif (
            id(grad) in handed
            or not is_writeable(grad)
            or (grad.base is not None and id(grad.base) in handed)
        ):
            grad = grad.copy()  # another leaf or the caller holds this memory too
        # Remember this memory: a later leaf that gets the same array (or a view of it)
        # gets a copy, so that no two .grad tensors share memory.
        handed.add(id(grad))
        if grad.base is not None:
            handed.add(id(grad.base))
        leaf.grad = _tensor_from_array(grad)
    else:
        target = leaf.grad._array
        if (
            id(target) in handed
            or (target.base is not None and id(target.base) in handed)
            or not is_writeable(target)
        ):
            # Handed out during this pass: a node still waiting may read the same memory.
            leaf.grad._array = (target + grad).astype(dtype, copy=False)
        else:
            xp.add(target, grad, out=target, casting="unsafe")


def _retain(node: Node, grad: Any) -> None:
    tensor = node._retained()
    if tensor is None:
        return
    if tensor.grad is None:
        tensor.grad = _tensor_from_array(array_module(grad).array(grad, dtype=tensor._array.dtype))
    else:
        tensor.grad._array = tensor.grad._array + grad


# ---------------------------------------------------------------------- views
class ViewInfo:
    """How a view was taken from its base: the steps, and when its ``grad_fn`` was last synced.

    Each step is a pair ``(on_array, on_tensor)`` of functions that redo one view op (e.g.
    ``a.swapaxes(0, 1)``) on a raw array and, differentiably, on a Tensor.
    """

    __slots__ = ("steps", "version", "no_grad", "multi")

    def __init__(self, steps: tuple, version: int, no_grad: bool) -> None:
        self.steps = steps
        self.version = version
        self.no_grad = no_grad
        self.multi = None  # the name of a function that returned several views (unbind, ...)


def make_view(out: Tensor, source: Tensor, on_array: Callable, on_tensor: Callable) -> Tensor:
    """Mark ``out`` (whose array is a view of ``source``'s) as a view of ``source``.

    ``out`` then shares the version counter of ``source`` and remembers the root base and the
    steps from it, so that in-place ops on ``out`` can rewrite the base's graph history.
    """
    step = (on_array, on_tensor)
    if source._base is None:
        base, steps = source, (step,)
        no_grad = not _grad_enabled and source._requires_grad
    else:
        base, steps = source._base, source._view.steps + (step,)
        no_grad = source._view.no_grad or (not _grad_enabled and base._requires_grad)
    out._vc = source._vc
    out._base = base
    out._view = ViewInfo(steps, out._vc[0], no_grad)
    return out


def view_of_array(array: Any, steps: tuple) -> Any:
    """Redo the view ``steps`` on a raw array (e.g. on a gradient with the base's shape)."""
    for on_array, _ in steps:
        array = on_array(array)
    return array


def view_of_tensor(base: Tensor, steps: tuple) -> Tensor:
    """Redo the view ``steps`` differentiably on ``base``: the view with ``base``'s history."""
    out = base
    with enable_grad():
        for _, on_tensor in steps:
            out = on_tensor(out)
    return out


def _refresh_view(view: Tensor) -> None:
    """Give a view the graph history its base has now (the base was changed in place)."""
    info = view._view
    base = view._base
    if not _grad_enabled:
        return
    info.version = view._vc[0]
    if info.no_grad or not base._requires_grad:
        return
    replayed = view_of_tensor(base, info.steps)
    view.grad_fn = replayed.grad_fn
    view._requires_grad = True


# Tensor is defined in nnlib.tensor, which itself imports this module: import it last so that
# importing either module first works.
from nnlib.tensor import Tensor, _tensor_from_array  # noqa: E402
