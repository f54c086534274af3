"""draw_graph finds every operation and leaf behind a tensor and draws them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from nnlib.autograd import Node  # noqa: E402
from nnlib.graph_view import draw_graph, graph_edges  # noqa: E402
from nnlib.tensor import tensor  # noqa: E402


def test_graph_edges_of_a_small_expression() -> None:
    w = tensor([1.0, 2.0], requires_grad=True)
    b = tensor(0.5, requires_grad=True)
    x = tensor([3.0, 4.0])  # needs no gradient: not part of the graph
    y = ((w * x).sum() + b).sigmoid()
    nodes, edges = graph_edges(y)
    ops = sorted(n.name() for n in nodes if isinstance(n, Node))
    assert ops == ["AddBackward0", "MulBackward0", "SigmoidBackward0", "SumBackward0"]
    leaves = [n for n in nodes if not isinstance(n, Node)]
    assert {id(t) for t in leaves} == {id(w), id(b)}
    assert len(edges) == 5


def test_a_node_used_twice_appears_once() -> None:
    a = tensor(2.0, requires_grad=True)
    h = a * a
    nodes, edges = graph_edges(h + h)
    assert len(nodes) == 3  # Add, Mul, a
    assert len(edges) == 4  # a twice into Mul, Mul twice into Add


def test_draw_graph_labels_leaves() -> None:
    w = tensor([1.0, 2.0], requires_grad=True)
    ax = draw_graph((w * w).sum(), names={"w": w}, title="graph")
    texts = {t.get_text() for t in ax.texts}
    assert {"w", "Mul", "Sum"} <= texts
    assert ax.get_title() == "graph"


def test_draw_graph_needs_a_graph() -> None:
    with pytest.raises(ValueError, match="no grad_fn"):
        draw_graph(tensor([1.0, 2.0]))
