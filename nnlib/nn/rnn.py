"""Recurrent layers with torch's shapes and weights: ``RNN``, ``LSTM``, ``GRU`` and their cells.

Two implementations of the same equations live here, on purpose:

* The **cells** (:class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell`) compute one time step
  with ordinary autograd ops (``linear``, ``sigmoid``, ``tanh``, slicing). They are the
  readable definition, and autograd differentiates them for us.
* The **layers** (:class:`RNN`, :class:`LSTM`, :class:`GRU`) run a whole sequence. Each
  layer and direction is one fused :class:`~nnlib.autograd.Function` with a hand-written
  backpropagation through time: the input-to-hidden product of all time steps is one
  matrix product before the loop, only ``h @ W_hh`` loops over time, and the weight
  gradients are one matrix product each after the backward loop. The graph holds one node
  per layer and direction, whatever the sequence length, so long sequences need no
  recursion and their memory grows linearly with the length.

The tests check the fused layers against the cells and against torch.

Gate layout (torch's): the rows of ``weight_ih`` / ``weight_hh`` stack the gates
``i, f, g, o`` for the LSTM and ``r, z, n`` for the GRU, whose candidate is
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and whose update is
``h' = (1 - z) * n + z * h``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from nnlib.autograd import Function
from nnlib.backend import array_module, check_device
from nnlib.buffers import recycled
from nnlib.buffers import scratch as _scratch
from nnlib.nn import init
from nnlib.nn.dropout import dropout as _dropout
from nnlib.nn.linear import linear
from nnlib.nn.module import Module
from nnlib.nn.parameter import Parameter
from nnlib.ops import cat, relu, sigmoid, squeeze, tanh, transpose, unsqueeze
from nnlib.tensor import Tensor, empty, zeros

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _check_positive_int(who: str, name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{who}: {name} should be of type int, got: {type(value).__name__}")
    if value < minimum:
        word = "greater than zero" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{who}: {name} must be {word}, got {value}")
    return int(value)


def _new_parameter(shape: tuple[int, ...], dtype: np.dtype, device: Any) -> Parameter:
    """An uninitialised parameter on ``device`` (the default device if ``None``)."""
    return Parameter(empty(shape, dtype=dtype, device=device))


# ==================================================================== the cells (autograd ops)
class RNNCellBase(Module):
    """What the three cells share: sizes, the four parameters, checks and torch's init.

    Parameters ``weight_ih`` ``(gates * hidden_size, input_size)``, ``weight_hh``
    ``(gates * hidden_size, hidden_size)``, ``bias_ih`` and ``bias_hh``
    ``(gates * hidden_size,)``, all drawn from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    _num_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        device = check_device(device)
        self.input_size = _check_positive_int(who, "input_size", input_size, minimum=0)
        self.hidden_size = _check_positive_int(who, "hidden_size", hidden_size)
        self.bias = bool(bias)
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        rows = self._num_gates * self.hidden_size
        self.weight_ih = _new_parameter((rows, self.input_size), dtype, device)
        self.weight_hh = _new_parameter((rows, self.hidden_size), dtype, device)
        if self.bias:
            self.bias_ih = _new_parameter((rows,), dtype, device)
            self.bias_hh = _new_parameter((rows,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _check_input(self, input: Tensor) -> bool:
        """Check ``input``; return whether it is batched (2-D) rather than one sample (1-D)."""
        who = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{who}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{who}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{who}: input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size} (input shape {_shape_text(input.shape)})"
            )
        if input.dtype != self.weight_ih.dtype:
            raise TypeError(
                f"{who}: input ({input.dtype}) and parameters ({self.weight_ih.dtype}) must "
                "have the same dtype; convert the input (x.float(), x.double()) or the model"
            )
        return input.ndim == 2

    def _check_hidden(self, input: Tensor, hx: Tensor, name: str) -> None:
        who = type(self).__name__
        if not isinstance(hx, Tensor):
            raise TypeError(f"{who}: expected {name} to be a Tensor, got {type(hx).__name__}")
        expected = (*input.shape[:-1], self.hidden_size)
        if tuple(hx.shape) != expected:
            raise RuntimeError(
                f"{who}: {name} has shape {_shape_text(hx.shape)}; expected "
                f"{_shape_text(expected)} = (N, hidden_size) for input of shape "
                f"{_shape_text(input.shape)}"
            )
        if hx.dtype != input.dtype:
            raise TypeError(f"{who}: {name} has dtype {hx.dtype}, the input {input.dtype}")

    def _zeros(self, input: Tensor) -> Tensor:
        shape = (*input.shape[:-1], self.hidden_size)
        return zeros(shape, dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    """One step of the Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
        Whether to learn ``bias_ih`` and ``bias_hh``.
    nonlinearity : {"tanh", "relu"}, default "tanh"
    device, dtype : optional
        Where the parameters live (``"cpu"``, ``"cuda"``; the default device if omitted) and
        their dtype (``float32`` by default).

    Shape
    -----
    input ``(N, input_size)`` or ``(input_size,)``; hx the same with ``hidden_size`` (zeros
    if omitted) -> h' ``(N, hidden_size)`` or ``(hidden_size,)``.
    """

    _num_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or 'relu'.")
        chosen = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = chosen

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._check_input(input)
        if hx is None:
            hx = self._zeros(input)
        else:
            self._check_hidden(input, hx, "hx")
        if not batched:
            input, hx = unsqueeze(input, 0), unsqueeze(hx, 0)
        pre = linear(input, self.weight_ih, self.bias_ih) + linear(hx, self.weight_hh, self.bias_hh)
        h = tanh(pre) if self.nonlinearity == "tanh" else relu(pre)
        return h if batched else squeeze(h, 0)


class LSTMCell(RNNCellBase):
    """One step of the LSTM (Hochreiter and Schmidhuber, 1997), gates stacked ``i, f, g, o``::

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
        f = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)         candidate cell
        o = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    device, dtype : optional

    Shape
    -----
    input ``(N, input_size)`` or ``(input_size,)``; ``hx = (h, c)``, each ``(N, hidden_size)``
    or ``(hidden_size,)`` (zeros if omitted) -> ``(h', c')`` of the same shapes.
    """

    _num_gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        batched = self._check_input(input)
        if hx is None:
            h = c = self._zeros(input)
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTMCell: hx must be a tuple (h, c) of two Tensors")
            h, c = hx
            self._check_hidden(input, h, "hx[0]")
            self._check_hidden(input, c, "hx[1]")
        if not batched:
            input, h, c = unsqueeze(input, 0), unsqueeze(h, 0), unsqueeze(c, 0)
        H = self.hidden_size
        gates = linear(input, self.weight_ih, self.bias_ih) + linear(
            h, self.weight_hh, self.bias_hh
        )
        i = sigmoid(gates[:, 0:H])
        f = sigmoid(gates[:, H : 2 * H])
        g = tanh(gates[:, 2 * H : 3 * H])
        o = sigmoid(gates[:, 3 * H : 4 * H])
        c_next = f * c + i * g
        h_next = o * tanh(c_next)
        if not batched:
            return squeeze(h_next, 0), squeeze(c_next, 0)
        return h_next, c_next


class GRUCell(RNNCellBase):
    """One step of the GRU (Cho et al., 2014) in torch's form, gates stacked ``r, z, n``::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      reset gate
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)      update gate
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   candidate
        h' = (1 - z) * n + z * h

    Note that ``r`` multiplies ``W_hn h + b_hn``, after the matrix product.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    device, dtype : optional

    Shape
    -----
    input ``(N, input_size)`` or ``(input_size,)``; hx ``(N, hidden_size)`` or
    ``(hidden_size,)`` (zeros if omitted) -> h' of the shape of hx.
    """

    _num_gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched = self._check_input(input)
        if hx is None:
            hx = self._zeros(input)
        else:
            self._check_hidden(input, hx, "hx")
        if not batched:
            input, hx = unsqueeze(input, 0), unsqueeze(hx, 0)
        H = self.hidden_size
        gi = linear(input, self.weight_ih, self.bias_ih)
        gh = linear(hx, self.weight_hh, self.bias_hh)
        r = sigmoid(gi[:, 0:H] + gh[:, 0:H])
        z = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = tanh(gi[:, 2 * H : 3 * H] + r * gh[:, 2 * H : 3 * H])
        h_next = (1 - z) * n + z * hx
        return h_next if batched else squeeze(h_next, 0)


# ============================================================ fused layers (hand-written BPTT)
# Every fused Function takes the input ``x`` time-major ``(T, N, I)`` and runs one direction of
# one layer. It returns ONE array (autograd Functions have one output), the "packed" result:
#
#   RNN, GRU   forward:  (T, N, H)      the outputs h_0 .. h_{T-1}
#              reverse:  (T, N, H)      the outputs h_0 .. h_{T-1} (computed from T-1 down to 0)
#   LSTM       forward:  (T + 1, N, H)  the outputs, then the final cell state c_n
#              reverse:  (T + 1, N, H)  c_n first, then the outputs
#
# The hidden states live in one buffer that also holds the initial state next to them, so
# that the "previous hidden state" of every step is a contiguous view of that buffer: the
# weight gradient of W_hh is then one matrix product over all steps.


def _hidden_buffer(name: str, T: int, N: int, H: int, dtype, h0, reverse: bool, extra: int = 0):
    """A ``(T + 1 + extra, N, H)`` buffer with ``h0`` in place; see the layout above.

    Returns ``(buf, first)`` where ``h_t`` lives at ``buf[first + t]`` and the previous
    hidden state of time ``t`` at ``buf[first + t - 1]`` (forward) or ``buf[first + t + 1]``.
    Its memory is :func:`~nnlib.buffers.recycled` under ``name``.
    """
    shape = (T + 1 + extra, N, H)
    buf = recycled(name, shape, dtype, h0)
    if reverse:
        first = extra
        buf[first + T] = h0
    else:
        first = 1
        buf[0] = h0
    return buf, first


def _prev_view(buf, first: int, T: int, reverse: bool):
    """The previous hidden state of every time step, ``(T, N, H)``, as a view of ``buf``."""
    return buf[first + 1 : first + 1 + T] if reverse else buf[first - 1 : first - 1 + T]


#: OpenBLAS runs a matrix product on several threads when M * N * K exceeds this.
_SINGLE_THREAD_MNK = 1 << 18


def _step_matmul(xp, a, b, out):
    """``out = a @ b`` for the small product of one time step, in column blocks.

    OpenBLAS splits a product over its threads once ``M * N * K`` exceeds ``2**18``. The
    products of one recurrent step are just above that (32 x 128 x 512 in the benchmark):
    waking the threads at every step gains little on an idle machine and makes the loop
    several times slower when other programs share the cores. Column blocks below the
    threshold stay on the calling thread; on one thread they cost the same as one product.
    """
    rows, inner = a.shape
    cols = b.shape[1]
    width = max(32, _SINGLE_THREAD_MNK // max(1, rows * inner))
    if width >= cols or xp is not np:
        return xp.matmul(a, b, out=out)
    for start in range(0, cols, width):
        stop = start + width
        xp.matmul(a, b[:, start:stop], out=out[:, start:stop])
    return out


def _gate_scale(xp, gates: int, H: int, sigmoid_gates: int, dtype):
    """``(gates * H,)`` factors: 1/2 on the first ``sigmoid_gates`` gates, 1 elsewhere.

    ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: halving a sigmoid gate's pre-activation (folded
    into its weights) lets one ``tanh`` activate every gate at once.
    """
    scale = xp.ones(gates * H, dtype=dtype)
    scale[: sigmoid_gates * H] = 0.5
    return scale


def _scaled_transpose(xp, w, scale):
    """``(w * scale[:, None]).T`` as a C-contiguous array (what the products read fastest)."""
    if scale is not None:
        w = w * scale[:, None]
    return xp.ascontiguousarray(w.T)


def _input_projection(xp, x2, w_ih, bias, scale=None, out=None):
    """``(x W_ih^T + bias) * scale`` for all time steps in one matrix product, ``(T * N, G)``.

    ``x2`` is the input as ``(T * N, I)``; ``scale`` is folded into the (small) weights.
    """
    out = xp.matmul(x2, _scaled_transpose(xp, w_ih, scale), out=out)
    if bias is not None:
        out += bias if scale is None else bias * scale
    return out


def _as_rows(xp, x):
    """The time-major input ``(T, N, I)`` as ``(T * N, I)`` (a view when it is contiguous)."""
    T, N, I = x.shape
    return xp.reshape(x, (T * N, I))


def _weight_grads(xp, needs, x2, hprev, w_ih, dgh, dgi_n=None):
    """Gradients of input, ``W_ih``, ``W_hh`` and the biases, each one product over all steps.

    ``dgh`` ``(T, N, G)`` is the gradient of the hidden projection ``h W_hh^T + b_hh`` at every
    step. The input projection ``x W_ih^T + b_ih`` has the same gradient, except for the
    GRU's candidate gate, whose input part gets ``dgi_n`` ``(T, N, H)`` instead (``r`` sits
    between ``W_hn h + b_hn`` and the candidate). ``needs`` says which of
    ``(x, w_ih, w_hh, b_ih, b_hh)`` need a gradient.
    """
    T, N, G = dgh.shape
    need_x, need_w_ih, need_w_hh, need_b_ih, need_b_hh = needs
    d2 = dgh.reshape(T * N, G)
    ones = xp.ones(T * N, dtype=dgh.dtype) if need_b_ih or need_b_hh else None
    dx = dw_ih = dw_hh = db_ih = db_hh = None
    if need_w_hh:
        dw_hh = xp.matmul(d2.T, hprev.reshape(T * N, -1))
    if need_b_hh:
        db_hh = xp.matmul(ones, d2)  # the sum over all steps and samples, as a GEMV
    if dgi_n is None:
        parts = [(slice(0, G), d2)]
    else:
        H = dgi_n.shape[2]
        parts = [(slice(0, G - H), d2[:, : G - H]), (slice(G - H, G), dgi_n.reshape(T * N, H))]
    if need_x:
        for rows, part in parts:
            term = xp.matmul(part, w_ih[rows])
            dx = term if dx is None else dx.__iadd__(term)
        dx = dx.reshape(T, N, -1)
    if need_w_ih:
        dw_ih = xp.empty_like(w_ih)
        for rows, part in parts:
            xp.matmul(part.T, x2, out=dw_ih[rows])
    if need_b_ih:
        if dgi_n is None and db_hh is not None:
            db_ih = db_hh.copy()
        else:
            db_ih = xp.concatenate([xp.matmul(ones, part) for _, part in parts])
    return dx, dw_ih, dw_hh, db_ih, db_hh


class _RNNLayer(Function):
    """One direction of one Elman RNN layer over a whole sequence (tanh or relu)."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False, relu=False):
        xp = array_module(x)
        T, N, _ = x.shape
        H = w_hh.shape[1]
        x2 = _as_rows(xp, x)
        buf, first = _hidden_buffer("rnn h", T, N, H, x.dtype, h0, reverse)
        out = buf[first : first + T]
        bias = None if b_ih is None else b_ih + b_hh
        # a_t = x_t W_ih^T + b_ih + b_hh for every t at once, written where h_t will live
        _input_projection(xp, x2, w_ih, bias, out=out.reshape(T * N, H))
        w_hh_t = _scaled_transpose(xp, w_hh, None)
        tmp = xp.empty((N, H), dtype=x.dtype)
        steps = range(T - 1, -1, -1) if reverse else range(T)
        step = 1 if reverse else -1  # where the previous hidden state sits in buf
        for t in steps:
            _step_matmul(xp, buf[first + t + step], w_hh_t, tmp)  # h_{t-1} W_hh^T
            h = out[t]
            h += tmp  # a_t
            if relu:
                xp.maximum(h, 0, out=h)  # h_t = relu(a_t)
            else:
                xp.tanh(h, out=h)  # h_t = tanh(a_t)
        ctx.reverse, ctx.relu, ctx.first = reverse, relu, first
        ctx.save_for_backward(x, x2, w_ih, w_hh, buf, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, x2, w_ih, w_hh, buf, out = ctx.saved_tensors
        xp = array_module(grad)
        T, N, H = out.shape
        reverse = ctx.reverse
        deriv = _scratch("rnn dh/da", out.shape, out.dtype, out)  # dh_t / da_t, all steps at once
        if ctx.relu:
            xp.greater(out, 0, out=deriv)  # relu'(a) = 1 where h > 0
        else:
            xp.multiply(out, out, out=deriv)
            xp.subtract(1, deriv, out=deriv)  # tanh'(a) = 1 - h^2
        dpre = deriv  # becomes dL/da_t, step by step
        dh = xp.zeros((N, H), dtype=grad.dtype)  # dL/dh_t arriving from step t + 1
        steps = range(T) if reverse else range(T - 1, -1, -1)  # backwards in time
        for t in steps:
            dh += grad[t]  # plus the gradient of the output h_t itself
            d = dpre[t]
            d *= dh  # dL/da_t = dL/dh_t * dh_t/da_t
            _step_matmul(xp, d, w_hh, dh)  # dL/dh_{t-1} = dL/da_t W_hh
        # The weights are shared by all steps: their gradients sum over t, e.g.
        # dL/dW_hh = sum_t (dL/da_t)^T h_{t-1}, one matrix product over all steps.
        hprev = _prev_view(buf, ctx.first, T, reverse)
        need = ctx.needs_input_grad
        grads = _weight_grads(xp, (need[0], *need[2:]), x2, hprev, w_ih, dpre)
        return grads[0], dh if need[1] else None, *grads[1:]


class _LSTMLayer(Function):
    """One direction of one LSTM layer over a whole sequence.

    All four gates are activated with one ``tanh``: the sigmoid gates' pre-activations are
    halved first (``sigmoid(a) = (1 + tanh(a / 2)) / 2``), by scaling the weights once.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        xp = array_module(x)
        T, N, _ = x.shape
        H = w_hh.shape[1]
        dtype = x.dtype
        # gates i, f, g, o: halve the sigmoid gates i, f, o; then a -> a * half + shift
        half = _gate_scale(xp, 4, H, 2, dtype)
        half[3 * H :] = 0.5
        shift = (1 - half) * (half != 1)  # 1/2 for i, f, o, 0 for g
        x2 = _as_rows(xp, x)
        bias = None if b_ih is None else b_ih + b_hh
        # Memory reused from earlier calls once they are done with it (no page faults)
        gates = recycled("lstm gates", (T * N, 4 * H), dtype, x)
        gates = _input_projection(xp, x2, w_ih, bias, half, out=gates).reshape(T, N, 4 * H)
        w_hh_t = _scaled_transpose(xp, w_hh, half)  # (H, 4H)
        hbuf, first = _hidden_buffer("lstm h", T, N, H, dtype, h0, reverse, extra=1)
        cbuf, cfirst = _hidden_buffer("lstm c", T, N, H, dtype, c0, reverse)
        tanh_c = recycled("lstm tanh c", (T, N, H), dtype, x)
        tmp = xp.empty((N, 4 * H), dtype=dtype)
        ig = xp.empty((N, H), dtype=dtype)
        step = 1 if reverse else -1
        steps = range(T - 1, -1, -1) if reverse else range(T)
        for t in steps:
            _step_matmul(xp, hbuf[first + t + step], w_hh_t, tmp)
            a = gates[t]
            a += tmp
            xp.tanh(a, out=a)
            a *= half
            a += shift  # a = [i, f, g, o]
            c = cbuf[cfirst + t]
            xp.multiply(a[:, H : 2 * H], cbuf[cfirst + t + step], out=c)
            xp.multiply(a[:, 0:H], a[:, 2 * H : 3 * H], out=ig)
            c += ig  # c' = f * c + i * g
            tc = tanh_c[t]
            xp.tanh(c, out=tc)
            xp.multiply(a[:, 3 * H :], tc, out=hbuf[first + t])  # h' = o * tanh(c')
        if reverse:
            hbuf[0] = cbuf[cfirst]
            packed = hbuf[0 : T + 1]
        else:
            hbuf[T + 1] = cbuf[cfirst + T - 1]
            packed = hbuf[1 : T + 2]
        ctx.reverse, ctx.first, ctx.cfirst = reverse, first, cfirst
        ctx.save_for_backward(x, x2, w_ih, w_hh, gates, hbuf, cbuf, tanh_c, packed)
        return packed

    @staticmethod
    def backward(ctx, grad):
        _, x2, w_ih, w_hh, gates, hbuf, cbuf, tanh_c, _ = ctx.saved_tensors
        xp = array_module(grad)
        reverse, first, cfirst = ctx.reverse, ctx.first, ctx.cfirst
        T, N, G = gates.shape
        H = G // 4
        if reverse:
            dout, dc = grad[1:], grad[0].copy()
        else:
            dout, dc = grad[:T], grad[T].copy()
        # What does not depend on the incoming gradient, for all steps at once (no temporaries):
        #   d gates = [dc * g * i(1-i), dc * c_prev * f(1-f), dc * i * (1-g^2),
        #              dh * tanh_c * o(1-o)]
        #   d c    += dh * o * (1 - tanh_c^2)
        cprev = _prev_view(cbuf, cfirst, T, reverse)
        i, f, g, o = (gates[..., k * H : (k + 1) * H] for k in range(4))
        dgates = _scratch("lstm d gates", gates.shape, gates.dtype, gates)
        d_i, d_f, d_g, d_o = (dgates[..., k * H : (k + 1) * H] for k in range(4))
        xp.multiply(gates, gates, out=dgates)
        xp.subtract(gates, dgates, out=dgates)  # s(1 - s) for all gates; g is redone below
        xp.multiply(g, g, out=d_g)
        xp.subtract(1, d_g, out=d_g)  # 1 - g^2
        for out, other in ((d_i, g), (d_f, cprev), (d_g, i), (d_o, tanh_c)):
            out *= other
        dc_from_h = _scratch("lstm dc from h", tanh_c.shape, tanh_c.dtype, tanh_c)
        xp.multiply(tanh_c, tanh_c, out=dc_from_h)
        xp.subtract(1, dc_from_h, out=dc_from_h)
        dc_from_h *= o
        dgates4 = dgates.reshape(T, N, 4, H)
        dh = xp.zeros((N, H), dtype=grad.dtype)
        tmp = xp.empty((N, H), dtype=grad.dtype)
        steps = range(T) if reverse else range(T - 1, -1, -1)
        for t in steps:
            dh += dout[t]
            xp.multiply(dh, dc_from_h[t], out=tmp)
            dc += tmp
            dgates4[t, :, :3] *= dc[:, None, :]
            dgates[t, :, 3 * H :] *= dh
            dc *= f[t]
            _step_matmul(xp, dgates[t], w_hh, dh)
        hprev = _prev_view(hbuf, first, T, reverse)
        need = ctx.needs_input_grad
        grads = _weight_grads(xp, (need[0], *need[3:]), x2, hprev, w_ih, dgates)
        return grads[0], dh if need[1] else None, dc if need[2] else None, *grads[1:]


class _GRULayer(Function):
    """One direction of one GRU layer over a whole sequence (torch's equations)."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        xp = array_module(x)
        T, N, _ = x.shape
        H = w_hh.shape[1]
        dtype = x.dtype
        half = _gate_scale(xp, 3, H, 2, dtype)  # r and z are sigmoid gates
        x2 = _as_rows(xp, x)
        bias = None
        if b_ih is not None:  # b_hr and b_hz join the input projection; b_hn stays with h
            bias = b_ih.copy()
            bias[: 2 * H] += b_hh[: 2 * H]
        # Memory reused from earlier calls once they are done with it (no page faults)
        gi = recycled("gru gi", (T * N, 3 * H), dtype, x)
        gi = _input_projection(xp, x2, w_ih, bias, half, out=gi).reshape(T, N, 3 * H)
        w_hh_t = _scaled_transpose(xp, w_hh, half)  # (H, 3H)
        b_hn = None if b_hh is None else b_hh[2 * H :]
        hbuf, first = _hidden_buffer("gru h", T, N, H, dtype, h0, reverse)
        gh_all = recycled("gru gh", (T, N, 3 * H), dtype, x)  # [r, z, W_hn h + b_hn] each step
        tmp = xp.empty((N, H), dtype=dtype)
        step = 1 if reverse else -1
        steps = range(T - 1, -1, -1) if reverse else range(T)
        for t in steps:
            h_prev = hbuf[first + t + step]
            gh = gh_all[t]
            _step_matmul(xp, h_prev, w_hh_t, gh)
            ghn = gh[:, 2 * H :]
            if b_hn is not None:
                ghn += b_hn
            rz = gh[:, : 2 * H]
            rz += gi[t, :, : 2 * H]
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5  # r, z = sigmoid(...)
            n = gi[t, :, 2 * H :]  # the candidate, computed in place of its input part
            xp.multiply(rz[:, :H], ghn, out=tmp)
            n += tmp
            xp.tanh(n, out=n)
            h = hbuf[first + t]
            xp.subtract(h_prev, n, out=h)
            h *= rz[:, H:]
            h += n  # h' = n + z * (h - n) = (1 - z) * n + z * h
        out = hbuf[first : first + T]
        ctx.reverse, ctx.first = reverse, first
        ctx.save_for_backward(x, x2, w_ih, w_hh, gi, gh_all, hbuf, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, x2, w_ih, w_hh, gi, gh_all, hbuf, out = ctx.saved_tensors
        xp = array_module(grad)
        reverse, first = ctx.reverse, ctx.first
        T, N, H = out.shape
        n = gi[..., 2 * H :]
        r, z, ghn = gh_all[..., :H], gh_all[..., H : 2 * H], gh_all[..., 2 * H :]
        hprev = _prev_view(hbuf, first, T, reverse)
        # What does not depend on the incoming gradient, for all steps at once:
        dn_factor = _scratch("gru dn", n.shape, n.dtype, n)  # d n_pre / d h' = (1 - z)(1 - n^2)
        xp.multiply(n, n, out=dn_factor)
        xp.subtract(1, dn_factor, out=dn_factor)
        scratch = xp.subtract(1, z, out=_scratch("gru scratch", z.shape, z.dtype, z))
        dn_factor *= scratch
        dz_factor = _scratch("gru dz", z.shape, z.dtype, z)  # d z_pre / d h' = (h - n) z(1 - z)
        xp.multiply(z, z, out=dz_factor)
        xp.subtract(z, dz_factor, out=dz_factor)
        xp.subtract(hprev, n, out=scratch)
        dz_factor *= scratch
        dr_factor = scratch  # d r_pre / d n_pre = (W_hn h + b_hn) * r(1 - r)
        xp.multiply(r, r, out=dr_factor)
        xp.subtract(r, dr_factor, out=dr_factor)
        dr_factor *= ghn
        dgh = _scratch("gru dgh", (T, N, 3 * H), grad.dtype, grad)  # gradient of W_hh h + b_hh
        dgi_n = _scratch("gru dgi_n", (T, N, H), grad.dtype, grad)  # gradient of W_in x + b_in
        dh = xp.zeros((N, H), dtype=grad.dtype)
        tmp = xp.empty((N, H), dtype=grad.dtype)
        steps = range(T) if reverse else range(T - 1, -1, -1)
        for t in steps:
            dh += grad[t]
            d = dgh[t]
            dnp = dgi_n[t]
            xp.multiply(dh, dn_factor[t], out=dnp)
            xp.multiply(dnp, dr_factor[t], out=d[:, :H])
            xp.multiply(dh, dz_factor[t], out=d[:, H : 2 * H])
            xp.multiply(dnp, r[t], out=d[:, 2 * H :])
            dh *= z[t]
            _step_matmul(xp, d, w_hh, tmp)
            dh += tmp
        need = ctx.needs_input_grad
        grads = _weight_grads(xp, (need[0], *need[2:]), x2, hprev, w_ih, dgh, dgi_n)
        return grads[0], dh if need[1] else None, *grads[1:]


# ================================================================================= the layers
class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters, checks, layers and directions.

    Parameters are registered as torch names them: for layer ``k`` and each direction
    (``""`` and, when bidirectional, ``"_reverse"``) ``weight_ih_l{k}{suffix}``
    ``(gates * hidden_size, layer input size)``, ``weight_hh_l{k}{suffix}``
    ``(gates * hidden_size, hidden_size)``, ``bias_ih_l{k}{suffix}`` and
    ``bias_hh_l{k}{suffix}`` ``(gates * hidden_size,)``. The input of layer ``k > 0`` is
    the output of layer ``k - 1`` (both directions concatenated).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        who = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        device = check_device(device)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, numbers.Real)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        if proj_size != 0:
            raise NotImplementedError(
                f"{who}: proj_size={proj_size} (LSTM with projections) is not implemented in "
                "nnlib; use proj_size=0"
            )
        self.mode = mode
        self.input_size = _check_positive_int(who, "input_size", input_size, minimum=0)
        self.hidden_size = _check_positive_int(who, "hidden_size", hidden_size)
        self.num_layers = _check_positive_int(who, "num_layers", num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = 0
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        num_directions = 2 if self.bidirectional else 1
        gate_size = _GATES[mode] * self.hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            for direction in range(num_directions):
                layer_input = self.input_size if layer == 0 else self.hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [
                    ("weight_ih", (gate_size, layer_input)),
                    ("weight_hh", (gate_size, self.hidden_size)),
                ]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, _new_parameter(shape, dtype, device))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Do nothing: nnlib keeps no flat weight buffer (torch's call is kept for porting)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ checks
    @property
    def _who(self) -> str:
        return type(self).__name__

    def _check_input(self, input: Tensor) -> bool:
        """Check ``input``; return whether it is batched (3-D)."""
        who = self._who
        if not isinstance(input, Tensor):
            raise TypeError(f"{who}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{who}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{who}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input shape "
                f"{_shape_text(input.shape)})"
            )
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise TypeError(
                f"{who}: input ({input.dtype}) and parameters ({weight.dtype}) must have the "
                "same dtype; convert the input (x.float(), x.double()) or the model "
                "(model.float(), model.double())"
            )
        return input.ndim == 3

    def _check_state(self, state: Any, name: str, batched: bool, batch: int) -> None:
        who = self._who
        if not isinstance(state, Tensor):
            raise TypeError(f"{who}: expected {name} to be a Tensor, got {type(state).__name__}")
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if not batched and state.ndim != 2:
            raise RuntimeError(
                f"{who}: for unbatched 2-D input, {name} should also be 2-D "
                f"(num_layers * num_directions, hidden_size) but got a {state.ndim}-D tensor"
            )
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        if tuple(state.shape) != expected:
            what = (
                "(num_layers * num_directions, N, hidden_size)"
                if batched
                else ("(num_layers * num_directions, hidden_size)")
            )
            raise RuntimeError(
                f"{who}: Expected {name} of shape {_shape_text(expected)} = {what}, got "
                f"{_shape_text(tuple(state.shape))}"
            )
        if state.dtype != self.weight_ih_l0.dtype:
            raise TypeError(
                f"{who}: {name} has dtype {state.dtype}, the parameters {self.weight_ih_l0.dtype}"
            )

    # ------------------------------------------------------------------ running
    def _layer(self, x: Tensor, state: tuple, layer: int, reverse: bool) -> tuple:
        """Run one layer in one direction on time-major ``x``; return (output, *final states)."""
        suffix = "_reverse" if reverse else ""
        params = [
            getattr(self, f"weight_ih_l{layer}{suffix}"),
            getattr(self, f"weight_hh_l{layer}{suffix}"),
        ]
        if self.bias:
            params += [
                getattr(self, f"bias_ih_l{layer}{suffix}"),
                getattr(self, f"bias_hh_l{layer}{suffix}"),
            ]
        else:
            params += [None, None]
        T = x.shape[0]
        mode = self.mode
        if mode == "LSTM":
            packed = _LSTMLayer.apply(x, *state, *params, reverse=reverse)
            if reverse:
                return packed[1:], packed[1:2], packed[0:1]
            return packed[:T], packed[T - 1 : T], packed[T : T + 1]
        if mode == "GRU":
            out = _GRULayer.apply(x, *state, *params, reverse=reverse)
        else:
            out = _RNNLayer.apply(x, *state, *params, reverse=reverse, relu=mode == "RNN_RELU")
        h_n = out[0:1] if reverse else out[T - 1 : T]
        return out, h_n

    def _run(self, input: Tensor, hx: Any) -> tuple[Tensor, Any]:
        is_lstm = self.mode == "LSTM"
        who = self._who
        batched = self._check_input(input)
        if batched:
            x = transpose(input, 0, 1) if self.batch_first else input
        else:
            x = unsqueeze(input, 1)
        T, N = x.shape[0], x.shape[1]
        num_directions = 2 if self.bidirectional else 1
        layers = self.num_layers * num_directions
        xp = array_module(input._array)
        if hx is None:
            zero = xp.zeros((layers, N, self.hidden_size), dtype=input.dtype)
            states = [zero, zero] if is_lstm else [zero]
        else:
            if is_lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{who}: hx must be a tuple (h_0, c_0) of two Tensors")
                states = list(hx)
                names = ("h_0 (hx[0])", "c_0 (hx[1])")
            else:
                if isinstance(hx, (tuple, list)):
                    raise TypeError(f"{who}: hx must be a Tensor h_0, got a {type(hx).__name__}")
                states = [hx]
                names = ("h_0 (hx)",)
            for state, name in zip(states, names, strict=True):
                self._check_state(state, name, batched, N)
            if not batched:
                states = [unsqueeze(s, 1) for s in states]
        if T == 0:
            raise RuntimeError(f"{who}: the input has no time steps (sequence length 0)")
        finals: list[list[Tensor]] = [[] for _ in states]
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                state = tuple(s[k] for s in states)
                result = self._layer(layer_input, state, layer, reverse=direction == 1)
                outputs.append(result[0])
                for store, final in zip(finals, result[1:], strict=True):
                    store.append(final)
            layer_input = outputs[0] if num_directions == 1 else cat(outputs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = _dropout(layer_input, self.dropout, training=True)
        output = layer_input
        finals_t = [f[0] if len(f) == 1 else cat(f, dim=0) for f in finals]
        if batched:
            if self.batch_first:
                output = transpose(output, 0, 1)
        else:
            output = squeeze(output, 1)
            finals_t = [squeeze(f, 1) for f in finals_t]
        if is_lstm:
            return output, (finals_t[0], finals_t[1])
        return output, finals_t[0]


class RNN(RNNBase):
    r"""Multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Parameters
    ----------
    input_size : int
        Features of each time step of the input.
    hidden_size : int
        Features of the hidden state.
    num_layers : int, default 1
        Stacked recurrent layers; layer ``k > 0`` reads the outputs of layer ``k - 1``.
    nonlinearity : {"tanh", "relu"}, default "tanh"
    bias : bool, default True
        Whether the layers learn ``bias_ih`` and ``bias_hh``.
    batch_first : bool, default False
        Input and output as ``(N, L, features)`` instead of ``(L, N, features)``; the states
        keep the ``(layers, N, hidden_size)`` layout either way.
    dropout : float, default 0
        Dropout probability on the outputs of every layer but the last, in training mode.
    bidirectional : bool, default False
        Add a second direction that reads the sequence backwards; outputs concatenate both.
    device, dtype : optional
        Where the parameters live (``"cpu"``, ``"cuda"``; the default device if omitted) and
        their dtype (``float32`` by default).

    Shape
    -----
    input ``(L, N, input_size)`` (``(N, L, input_size)`` if ``batch_first``) or unbatched
    ``(L, input_size)``; ``h_0`` ``(D * num_layers, N, hidden_size)`` or
    ``(D * num_layers, hidden_size)``, zeros if omitted (``D = 2`` if bidirectional else 1).
    Returns ``(output, h_n)``: output ``(L, N, D * hidden_size)`` and
    ``h_n`` ``(D * num_layers, N, hidden_size)``, ordered layer 0 forward, layer 0 reverse,
    layer 1 forward, ...

    Notes
    -----
    Each layer and direction runs as one fused differentiable function with a hand-written
    backpropagation through time (see the module docstring); :class:`RNNCell` computes
    the same step with autograd ops.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the sequence; return ``(output, h_n)``."""
        return self._run(input, hx)


class LSTM(RNNBase):
    r"""Multi-layer long short-term memory (Hochreiter and Schmidhuber, 1997).

    Each layer runs :class:`LSTMCell`'s step over the sequence (gates ``i, f, g, o``)::

        c_t = f_t * c_{t-1} + i_t * g_t,    h_t = o_t * tanh(c_t)

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int, default 1
    bias : bool, default True
    batch_first : bool, default False
    dropout : float, default 0
        Dropout on the outputs of every layer but the last, in training mode.
    bidirectional : bool, default False
    proj_size : int, default 0
        Only 0: projected LSTMs are not implemented (anything else raises).
    device, dtype : optional

    Shape
    -----
    input ``(L, N, input_size)`` (``(N, L, input_size)`` if ``batch_first``) or
    ``(L, input_size)``; ``hx = (h_0, c_0)``, each ``(D * num_layers, N, hidden_size)`` (or
    without ``N`` for unbatched input), zeros if omitted. Returns
    ``(output, (h_n, c_n))``: output ``(L, N, D * hidden_size)``, ``h_n`` and ``c_n``
    ``(D * num_layers, N, hidden_size)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device=device,
            dtype=dtype,
        )

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the sequence; return ``(output, (h_n, c_n))``."""
        return self._run(input, hx)


class GRU(RNNBase):
    r"""Multi-layer gated recurrent unit (Cho et al., 2014) with torch's equations.

    Each layer runs :class:`GRUCell`'s step over the sequence (gates ``r, z, n``)::

        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int, default 1
    bias : bool, default True
    batch_first : bool, default False
    dropout : float, default 0
    bidirectional : bool, default False
    device, dtype : optional

    Shape
    -----
    As :class:`RNN`: returns ``(output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: str | None = None,
        dtype: np.dtype | str | None = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the sequence; return ``(output, h_n)``."""
        return self._run(input, hx)
