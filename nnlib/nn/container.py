"""Containers that hold sub-modules: ``Sequential`` (a pipeline) and ``ModuleList`` (a list)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from nnlib.nn.module import Module, _indent

__all__ = ["ModuleList", "Sequential"]


def _checked_index(container: Module, idx: int) -> int:
    """``idx`` as a non-negative position in ``container``, or a clear IndexError."""
    idx = operator.index(idx)
    size = len(container)
    if not -size <= idx < size:
        raise IndexError(
            f"index {idx} is out of range for {type(container).__name__} of length {size}"
        )
    return idx % size


class Sequential(Module):
    """Apply modules one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Parameters
    ----------
    *args : Module, or a single OrderedDict of name -> Module
        The stages in order. Positional modules are named ``"0"``, ``"1"``, ...;
        an ``OrderedDict`` gives them names (``model.fc``, ``state_dict`` key ``fc.weight``).

    Examples
    --------
    >>> model = Sequential(Linear(2, 8), ReLU(), Linear(8, 1))
    >>> model[0]
    Linear(in_features=2, out_features=8, bias=True)
    """

    def __init__(self, *args: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_checked_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        name = list(self._modules)[_checked_index(self, idx)]
        setattr(self, name, module)

    def __delitem__(self, idx: int | slice) -> None:
        names = list(self._modules)
        doomed = names[idx] if isinstance(idx, slice) else [names[_checked_index(self, idx)]]
        for name in doomed:
            delattr(self, name)
        # Renumber so that positional names stay 0, 1, 2, ... (as torch does).
        items = list(self._modules.items())
        for name, _ in items:
            delattr(self, name)
        for index, (name, module) in enumerate(items):
            self.add_module(str(index) if name.isdigit() else name, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each of ``modules``; returns ``self``."""
        for module in modules:
            self.append(module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list hides them).

    Parameters
    ----------
    modules : iterable of Module, optional
        Initial contents, named ``"0"``, ``"1"``, ...

    Examples
    --------
    >>> layers = ModuleList([Linear(4, 4) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_checked_index(self, idx))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_checked_index(self, idx)), module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[idx if isinstance(idx, slice) else _checked_index(self, idx)]
        for name in list(self._modules):
            delattr(self, name)
        self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules``; returns ``self``."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(
                f"ModuleList.extend expects an iterable of modules, got a single "
                f"{type(modules).__name__}; use append"
            )
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        for name in list(self._modules):
            delattr(self, name)
        self.extend(modules)

    def _child_lines(self) -> list[str]:
        # Runs of identical layers print once, as torch does: "(0-2): 3 x Linear(...)".
        reprs = [_indent(repr(module), 2) for module in self._modules.values()]
        lines = []
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            if end == start:
                lines.append(f"({start}): {reprs[start]}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {reprs[start]}")
            start = end + 1
        return lines
