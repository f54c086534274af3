"""Which ``nnlib`` objects a chapter's code touches: shared by the curriculum and teaching tests.

A notebook's code cells are parsed (IPython magics and shell escapes dropped); every name
imported from ``nnlib`` and every attribute chain on such a name (``nnlib.nn.Linear``,
``F.conv2d``) is resolved to the object it reaches.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import nnlib


def notebook_code(nb) -> str:
    """The Python source of a notebook's code cells (lines starting with % or ! dropped)."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            lines += [
                ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))
            ]
    return "\n".join(lines)


class NnlibNames(ast.NodeVisitor):
    """Collects ``uses``: (dotted name, object) for every nnlib import and resolvable chain."""

    def __init__(self) -> None:
        self.aliases: dict[str, object] = {}
        self.uses: list[tuple[str, object]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "nnlib":
                module = importlib.import_module(alias.name)
                self.uses.append((alias.name, module))
                self.aliases[alias.asname or "nnlib"] = module if alias.asname else nnlib

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if (node.module or "").split(".")[0] != "nnlib" or node.level:
            return
        module = importlib.import_module(node.module)
        for alias in node.names:
            try:
                obj = getattr(module, alias.name)
            except AttributeError:
                obj = importlib.import_module(f"{node.module}.{alias.name}")
            self.aliases[alias.asname or alias.name] = obj
            self.uses.append((f"{node.module}.{alias.name}", obj))

    def resolve_chain(self, node: ast.AST) -> list[tuple[str, object]]:
        """(dotted name, object) for the alias and each resolvable step of a chain from it."""
        chain = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if not (isinstance(node, ast.Name) and node.id in self.aliases):
            return []
        name, obj = node.id, self.aliases[node.id]
        steps = [(name, obj)]
        for attr in reversed(chain):
            if not (inspect.ismodule(obj) or inspect.isclass(obj)) or not hasattr(obj, attr):
                break
            obj = getattr(obj, attr)
            name += f".{attr}"
            steps.append((name, obj))
        return steps

    def visit_Attribute(self, node: ast.Attribute) -> None:
        steps = self.resolve_chain(node)
        if steps:
            self.uses += steps[1:]
            return  # the chain is handled; do not revisit its inner attributes
        self.generic_visit(node)
