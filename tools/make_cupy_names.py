"""Write ``nnlib/_cupy_names.py``: the names CuPy offers, for the pretend GPU to allow.

Run with an interpreter that has CuPy installed (no GPU needed to import it)::

    python tools/make_cupy_names.py
"""

from __future__ import annotations

import pathlib
import textwrap

import cupy


def public(obj: object) -> list[str]:
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def main() -> None:
    groups = {
        "MODULE": public(cupy),
        "LINALG": public(cupy.linalg),
        "STRIDE_TRICKS": public(cupy.lib.stride_tricks),
        "NDARRAY": public(cupy.ndarray),
        "GENERATOR": public(cupy.random.Generator),
    }
    lines = [
        f'"""The public names of CuPy {cupy.__version__}, written by tools/make_cupy_names.py.',
        "",
        "The pretend GPU (:mod:`nnlib.pretend_gpu`) offers exactly these, so code that runs on it",
        "uses nothing CuPy lacks.",
        '"""',
        "",
        f"CUPY_VERSION = {cupy.__version__!r}",
    ]
    for name, names in groups.items():
        lines.append("")
        lines.append(f"{name} = frozenset(")
        lines.append('    """')
        lines.extend(
            textwrap.wrap(" ".join(names), 96, initial_indent="    ", subsequent_indent="    ")
        )
        lines.append('    """.split()')
        lines.append(")")
    path = pathlib.Path(__file__).resolve().parent.parent / "nnlib" / "_cupy_names.py"
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
