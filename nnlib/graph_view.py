"""Draw the computational graph that autograd recorded behind a tensor.

Every differentiable operation leaves a node (``tensor.grad_fn``) that points back to the nodes
or leaf tensors it consumed (``node.next``). :func:`draw_graph` walks those links from an output
back to the leaves and draws the graph from left (inputs) to right (output), the direction in
which the forward pass runs; backpropagation walks the same arrows from right to left.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from nnlib.autograd import Node
from nnlib.tensor import Tensor

__all__ = ["draw_graph", "graph_edges"]


def graph_edges(output: Tensor) -> tuple[list[object], list[tuple[object, object]]]:
    """The graph behind ``output`` as (nodes, edges), found by an iterative walk.

    Nodes are autograd ``Node`` objects (operations) and leaf ``Tensor`` objects (inputs that
    require grad). An edge ``(a, b)`` means ``a`` was an input of ``b``.
    """
    if output.grad_fn is None:
        raise ValueError(
            "draw_graph: the tensor has no grad_fn, so no graph was recorded; make its inputs "
            "with requires_grad=True and do not compute it under no_grad()"
        )
    nodes: list[object] = [output.grad_fn]
    edges: list[tuple[object, object]] = []
    seen = {id(output.grad_fn)}
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        for source in node.next:
            if source is None:
                continue
            edges.append((source, node))
            if id(source) not in seen:
                seen.add(id(source))
                nodes.append(source)
                if isinstance(source, Node):
                    stack.append(source)
    return nodes, edges


def _depths(nodes: list[object], edges: list[tuple[object, object]]) -> dict[int, int]:
    """Longest distance of every node from the output (the output has depth 0)."""
    consumers: dict[int, list[object]] = {}
    for source, target in edges:
        consumers.setdefault(id(source), []).append(target)
    depth = {id(nodes[0]): 0}
    changed = True
    while changed:  # relax until stable; graphs drawn in a book are small
        changed = False
        for node in nodes[1:]:
            known = [depth[id(c)] + 1 for c in consumers.get(id(node), []) if id(c) in depth]
            if known and depth.get(id(node), -1) < max(known):
                depth[id(node)] = max(known)
                changed = True
    return depth


def draw_graph(
    output: Tensor,
    names: Mapping[str, Tensor] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Draw the graph of operations that produced ``output``.

    Parameters
    ----------
    output : Tensor
        A tensor computed from inputs that require grad (it has a ``grad_fn``).
    names : mapping of str to Tensor, optional
        Labels for leaf tensors, e.g. ``{"w": w, "x": x}``; other leaves show their shape.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib Axes
    """
    nodes, edges = graph_edges(output)
    depth = _depths(nodes, edges)
    max_depth = max(depth.values())
    columns: dict[int, list[object]] = {}
    for node in nodes:
        columns.setdefault(depth[id(node)], []).append(node)
    position = {}
    for d, column in columns.items():
        for row, node in enumerate(column):
            position[id(node)] = (max_depth - d, (len(column) - 1) / 2 - row)

    labels = {id(t): name for name, t in (names or {}).items()}
    rows = max(map(len, columns.values()))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * (max_depth + 1) + 1, 1.1 * rows + 0.8))
    for source, target in edges:
        ax.annotate(
            "",
            xy=position[id(target)],
            xytext=position[id(source)],
            arrowprops={"arrowstyle": "->", "color": "0.4", "shrinkA": 22, "shrinkB": 22},
        )
    for node in nodes:
        if isinstance(node, Node):
            text, face = node.name().removesuffix("Backward0"), "#dbe9f6"
        else:
            text, face = labels.get(id(node), f"leaf {tuple(node.shape)}"), "#fde8c8"
        ax.text(
            *position[id(node)],
            text,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": face, "edgecolor": "0.3"},
        )
    ax.set_xlim(-0.7, max_depth + 0.7)
    ax.set_ylim(-rows / 2 - 0.2, rows / 2 + 0.2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
