"""Run a user's script or notebook as ``python SCRIPT.py ARGS`` would, in this process.

Used by ``truacc check`` and ``truacc run``. A script runs with
``runpy.run_path(path, run_name="__main__")``, ``sys.argv`` set to
``[path, *args]`` and its folder first on ``sys.path``; all three are put back
afterwards. A notebook's code cells run in order in one ``__main__`` namespace;
what only IPython understands is left out and listed (see ``notebook_cells``).
"""

from __future__ import annotations

import linecache
import os
import re
import runpy
import sys
import traceback
import types
from dataclasses import dataclass, field


class UnusableScript(Exception):
    """The path can't be run at all; the message is one line."""


@dataclass(frozen=True)
class Skipped:
    """Something in a notebook cell that only IPython runs, left out."""

    cell: int  # 1-based, counting every cell as Jupyter numbers them
    line: int | None  # 1-based line in the cell; None: the whole cell
    text: str
    note: str = "left out"

    def describe(self) -> str:
        where = f"cell {self.cell}" + ("" if self.line is None else f", line {self.line}")
        return f"{where}: {self.text!r} {self.note}"


@dataclass(frozen=True)
class Cell:
    number: int
    source: str
    filename: str


@dataclass
class Outcome:
    """How the run ended: normally, by ``sys.exit(code)``, or by an exception."""

    exit_code: int = 0
    error: BaseException | None = None
    exit_message: str | None = None  # sys.exit("text") prints text and exits 1
    skipped: list = field(default_factory=list)


# Cell magics whose body is Python: the body runs, the magic line is left out.
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
# Line magics followed by a Python statement: the statement runs.
PYTHON_LINE_MAGICS = ("time", "timeit", "prun")
_ASSIGNED_MAGIC = re.compile(r"^[\w\s,()\[\].]+=\s*[!%]")


def check_path(path: str) -> None:
    if not os.path.lexists(path):
        raise UnusableScript("no such file")
    if not os.path.exists(path):
        raise UnusableScript("a broken symbolic link")
    if os.path.isdir(path):
        raise UnusableScript("a folder, not a script or notebook")
    if not os.path.isfile(path):
        raise UnusableScript("not a regular file")


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def run_user_code(path: str, args=(), before=None) -> Outcome:
    """Run ``path`` (a ``.py`` script or an ``.ipynb`` notebook) with ``args``.

    Raises ``UnusableScript`` if it can't be read; every exception the code
    raises is caught and returned in the ``Outcome``. ``before(skipped)`` is
    called once the notebook's cells are read, before any runs.
    """
    check_path(path)
    cells, skipped = (notebook_cells(path) if is_notebook(path) else (None, []))
    if before is not None:
        before(skipped)
    outcome = Outcome(skipped=skipped)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [path, *args]
    sys.path[:1] = [os.path.dirname(os.path.abspath(path))]  # as `python SCRIPT.py` sets it
    try:
        if cells is None:
            runpy.run_path(path, run_name="__main__")
        else:
            _run_cells(path, cells)
    except SystemExit as done:
        code = done.code
        if code is None or isinstance(code, int):
            outcome.exit_code = code or 0
        else:
            outcome.exit_code, outcome.exit_message = 1, str(code)
    except BaseException as error:  # the user's code: anything at all, Ctrl-C included
        outcome.error = error
        outcome.exit_code = 130 if isinstance(error, KeyboardInterrupt) else 1
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
    return outcome


def _run_cells(path, cells):
    module = types.ModuleType("__main__")
    module.__file__ = os.path.abspath(path)
    module.display = _display()
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        for cell in cells:
            linecache.cache[cell.filename] = (
                len(cell.source), None, cell.source.splitlines(True), cell.filename
            )
            exec(compile(cell.source, cell.filename, "exec"), module.__dict__)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def _display():
    try:
        from IPython.display import display
    except ImportError:

        def display(*objects, **_options):
            for obj in objects:
                print(repr(obj))

    return display


def notebook_cells(path: str):
    """``(cells, skipped)``: the notebook's code cells as Python, and what was left out.

    Left out: cells of a cell magic (``%%bash``, ``%%writefile``...; the body of
    ``%%time``, ``%%timeit``, ``%%capture`` and ``%%prun`` is Python and runs),
    line magics (``%matplotlib inline``, ``%pip install x``; ``%time f()`` runs
    ``f()``), shell lines (``!pip install x``, ``files = !ls``) and help lines
    (``obj?``). A left-out line becomes ``pass``, so blocks and line numbers hold.
    """
    try:
        import nbformat
    except ImportError:
        raise UnusableScript("reading a notebook needs nbformat: pip install nbformat") from None
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:
        raise UnusableScript(f"not a readable notebook: {one_line(error)}") from None
    cells, skipped = [], []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source, left_out = python_of_cell(cell.source, number)
        skipped.extend(left_out)
        if source.strip():
            cells.append(Cell(number, source, f"{_cell_prefix(path)}{number}"))
    return cells, skipped


def python_of_cell(source: str, number: int = 1):
    """``(python source, [Skipped])`` for one notebook cell.

    >>> python_of_cell("%matplotlib inline\\nx = 1\\n!pip install keras")[0]
    'pass\\nx = 1\\npass'
    >>> python_of_cell("%%time\\nfit()")[0]
    'pass\\nfit()'
    >>> [s.describe() for s in python_of_cell("%%bash\\nls")[1]]
    ["cell 1: '%%bash' left out (a cell magic: IPython only)"]
    """
    lines = source.splitlines()
    skipped = []
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()
        name = (magic[2:].split() or [""])[0]
        if name not in PYTHON_CELL_MAGICS:
            return "", [Skipped(number, None, magic, "left out (a cell magic: IPython only)")]
        lines[first] = "pass"
        skipped.append(Skipped(number, first + 1, magic, "left out; the cell's code ran"))
    else:
        try:
            compile(source, "<cell>", "exec")
            return source, []  # plain Python: nothing to leave out
        except SyntaxError:
            pass
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if skipped and i == first:
            continue
        if stripped.startswith("%"):
            name, _, statement = stripped[1:].partition(" ")
            if name in PYTHON_LINE_MAGICS and statement.strip():
                lines[i] = indent + statement.strip()
                skipped.append(Skipped(number, i + 1, "%" + name, "left out; its statement ran"))
                continue
            lines[i] = indent + "pass"
            skipped.append(Skipped(number, i + 1, stripped, "left out (a line magic)"))
        elif stripped.startswith("!") or _ASSIGNED_MAGIC.match(stripped):
            lines[i] = indent + "pass"
            skipped.append(Skipped(number, i + 1, stripped, "left out (a shell command)"))
        elif not stripped.startswith("#") and (stripped.endswith("?") or stripped.startswith("?")):
            lines[i] = indent + "pass"
            skipped.append(Skipped(number, i + 1, stripped, "left out (IPython help)"))
    return "\n".join(lines), skipped


def user_frames(error: BaseException, path: str):
    """The traceback entries of ``error`` from the user's script or notebook cells."""
    return [f for f in traceback.extract_tb(error.__traceback__) if is_user_file(f.filename, path)]


def where(error: BaseException, path: str) -> str:
    """``"train.py, line 12"``: the innermost place in the user's code it came from."""
    frames = user_frames(error, path)
    if frames:
        return describe_place(frames[-1].filename, frames[-1].lineno, path)
    if isinstance(error, SyntaxError) and error.lineno:
        return describe_place(error.filename or path, error.lineno, path)
    return os.path.basename(path)


def describe_place(filename: str, lineno, path: str) -> str:
    if is_notebook(path) and is_user_file(filename, path):
        return f"{filename}, line {lineno}"  # "nb.ipynb cell 4, line 2"
    return f"{os.path.basename(filename)}, line {lineno}"


def caller_place(path: str) -> str | None:
    """Where in the user's code the current call came from (``fit`` called here)."""
    frame = sys._getframe(1)
    while frame is not None:
        if is_user_file(frame.f_code.co_filename, path):
            return describe_place(frame.f_code.co_filename, frame.f_lineno, path)
        frame = frame.f_back
    return None


def print_user_traceback(error: BaseException, path: str, file=None) -> None:
    """The traceback as Python prints it for ``python SCRIPT.py``: from the
    script's first frame on, without this runner's frames."""
    file = sys.stderr if file is None else file
    tb = error.__traceback__
    while tb is not None and not is_user_file(tb.tb_frame.f_code.co_filename, path):
        tb = tb.tb_next
    if tb is None and not isinstance(error, SyntaxError):
        tb = error.__traceback__
    traceback.print_exception(type(error), error, tb, file=file)


def is_user_file(filename: str, path: str) -> bool:
    """Whether code compiled from ``filename`` is the script's (or a cell of the notebook) at ``path``."""
    if is_notebook(path):
        return filename.startswith(_cell_prefix(path))
    return filename in (path, os.path.abspath(path))


def _cell_prefix(path: str) -> str:
    return f"{os.path.basename(path)} cell "


def one_line(error: BaseException) -> str:
    """``"ValueError: the first line of its message"``; a ``SyntaxError``'s message without
    the place it appends (``where`` gives the place).

    >>> one_line(SyntaxError("invalid syntax", ("train.py", 1, 7, "def f(:")))
    'SyntaxError: invalid syntax'
    """
    message = error.msg if isinstance(error, SyntaxError) and error.msg else str(error)
    lines = message.strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
