"""The ``truacc`` command: ``demo``, ``inspect``, ``check`` and ``run``.

Fast and quiet: this module imports only the standard library, and the package
imports Keras lazily when it is the ``truacc`` command (see
``keras_truacc/__init__.py``), so ``truacc --help`` and argument errors never
load a backend. A subcommand that needs Keras imports it through
``prepare_backend``, which hides TensorFlow's start-up log lines unless
``--debug`` is given.

Exit codes: 0 every compiled accuracy (and AUC, Precision, IoU, ... metric) is right; 1 one is wrong; 2 an input could
not be used (one line on stderr says why; ``--debug`` adds the traceback).
``truacc run`` exits with the script's own code.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

# keras_truacc.cli.demo.CASES, written out: importing demo.py imports Keras.
DEMO_CASES = ("seed", "logits", "multilabel", "padded", "imbalance", "tuner")
EXIT_RIGHT, EXIT_WRONG, EXIT_UNUSABLE = 0, 1, 2

# What TensorFlow writes to stderr while it loads, at any TF_CPP_MIN_LOG_LEVEL:
# absl's preamble and C++ log lines ("I0000 00:00:... port.cc:153] oneDNN custom
# operations are on..."; "cpu_feature_guard.cc"), with their continuation line.
_BACKEND_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-/]+:\d+\] .*"
    r"|To enable the following instructions: .*"
)


def build_parser():
    """``(parser, {command: subparser})``. Imports nothing beyond argparse."""
    parser = argparse.ArgumentParser(
        prog="truacc",
        description="The accuracy you see is the accuracy you mean.",
        epilog="Exit codes: 0 every compiled accuracy (and AUC, Precision, IoU, ... metric) is right, 1 one is wrong, 2 an input "
        "could not be used (truacc run: the script's own code).",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show TensorFlow's log lines and full tracebacks")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show TensorFlow's log lines and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = {}

    demo = commands["demo"] = sub.add_parser(
        "demo", parents=[common],
        help="train small models on scikit-learn's digits and show Keras's accuracy beside the true one",
        description="Train the seed question's set-up (and others with --case) on scikit-learn's "
        "load_digits, with Keras's progress bar, the monitor's warnings, a final table, "
        "TensorBoard logs and PNG plots. Nothing is downloaded.",
    )
    demo.add_argument("--epochs", type=int, default=None,
                      help="epochs per model (default: 20; for tuner, 4 per trial)")
    demo.add_argument(
        "--out", default="truacc-demo",
        help="folder for the TensorBoard logs and the PNG plots (default: ./truacc-demo)",
    )
    demo.add_argument(
        "--case", choices=DEMO_CASES, default="seed",
        help="seed: binary vs categorical crossentropy on 10 classes (the classic question); "
        "logits: Dense(1) logits thresholded at 0.5; multilabel: argmax on multi-hot labels; "
        "padded: padding counted by 'accuracy'; imbalance: a model no better than the majority "
        "class; tuner: Keras Tuner ranks its trials by val_binary_accuracy and by val_true_accuracy, "
        "and keeps different models (needs keras-tuner)",
    )
    demo.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")

    inspect = commands["inspect"] = sub.add_parser(
        "inspect", parents=[common], help="report on every output of saved .keras models",
        description="Load each saved model (with its compile config) and print, for each output, "
        "the correct accuracy, what each compiled accuracy metric computes, and the fix. "
        "Several paths: each is reported, and the exit code is the worst.",
    )
    inspect.add_argument("paths", nargs="+", metavar="PATH",
                         help=".keras files saved with model.save() (or legacy .h5 models)")
    inspect.add_argument("--json", action="store_true",
                         help="print a JSON list, one object per path, instead of the text report")
    inspect.add_argument("--import", dest="imports", action="append", default=[],
                         metavar="MODULE",
                         help="import MODULE (a module name or a .py file) first, so the custom "
                         "classes it registers can be loaded; may be repeated")
    inspect.add_argument("--unsafe", action="store_true",
                         help="load Lambda layers and other Python code in the file "
                         "(safe_mode=False); only for files you trust")

    check = commands["check"] = sub.add_parser(
        "check", parents=[common],
        help="run a training script up to each fit, check its accuracy metrics, skip training",
        description="Run SCRIPT (a .py file or an .ipynb notebook) unchanged, with ARGS as its "
        "command line. At each fit, read the compiled model and the first batch of its data, "
        "print truacc's report for them, and return an empty History without training; the "
        "script goes on. Exit code 0: every compiled accuracy (and AUC, Precision, IoU, ... metric) is right; 1: one is wrong; "
        "2: the script could not be checked.",
    )
    check.add_argument("--files", action="store_true",
                       help="every argument is a script or notebook to check (no script "
                       "arguments), each in its own process; for pre-commit")
    check.add_argument("script", metavar="SCRIPT", help="a Python script or a Jupyter notebook")
    check.add_argument("script_args", nargs=argparse.REMAINDER, metavar="ARGS",
                       help="the script's own arguments")

    run = commands["run"] = sub.add_parser(
        "run", parents=[common],
        help="run a training script for real, with TruAccMonitor on every fit and evaluate",
        description="Run SCRIPT (a .py file or an .ipynb notebook) unchanged, with ARGS as its "
        "command line, with truacc.TruAccMonitor() added to the callbacks of every fit and "
        "evaluate it makes (as truacc.autolog() does). Exits with the script's own code.",
    )
    run.add_argument("script", metavar="SCRIPT", help="a Python script or a Jupyter notebook")
    run.add_argument("script_args", nargs=argparse.REMAINDER, metavar="ARGS",
                     help="the script's own arguments")
    return parser, commands


def main(argv=None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    if args.command == "demo" and args.epochs is not None and args.epochs < 1:
        commands["demo"].error(f"--epochs must be a positive integer, but got {args.epochs}")
    handler = {"demo": _demo, "inspect": _inspect, "check": _check, "run": _run}[args.command]
    try:
        return handler(args, commands[args.command], debug)
    except KeyboardInterrupt:
        print("truacc: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours: one line, the traceback with --debug
        if debug:
            raise
        print(f"truacc {args.command}: internal error: {_one_line(error)} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_UNUSABLE


def _demo(args, parser, debug) -> int:
    prepare_backend(debug)
    from keras_truacc.cli import demo

    if args.case not in demo.CASES:
        parser.error(f"--case {args.case!r} is not in this version's demo "
                     f"(it has: {', '.join(demo.CASES)})")
    return demo.run_demo(args.case, args.epochs, args.out, verbose=2 if args.quiet else 1)


def _inspect(args, parser, debug) -> int:
    import json

    if args.imports:
        prepare_backend(debug)
    for module in args.imports:
        problem = _import_user_module(module, debug)
        if problem:
            print(f"truacc inspect: --import {module}: {problem}", file=sys.stderr)
            return EXIT_UNUSABLE
    entries, worst = [], EXIT_RIGHT
    for path in args.paths:
        code, entry, text = _inspect_one(path, args, debug)
        worst = max(worst, code)
        entries.append(entry)
        if text is not None and not args.json:
            if len(args.paths) > 1:
                print(f"== {path}")
            print(text)
            if len(args.paths) > 1:
                print()
    if args.json:
        print(json.dumps(entries, indent=2, default=_json_default))
    return worst


def _inspect_one(path, args, debug):
    """``(exit code, JSON entry, text report or None)`` for one path."""
    from keras_truacc.cli.model_files import UnusableModel, load, unusable_reason
    from keras_truacc.cli.report_json import report_as_dict

    entry = {"path": path, "exit_code": EXIT_UNUSABLE, "ok": False, "error": None, "note": None,
             "outputs": [], "metrics": []}
    failure = None
    reason = unusable_reason(path)  # before Keras loads: a wrong path fails fast
    if reason is not None:
        failure, entry["error"] = UnusableModel(reason), reason
    try:
        if failure is None:
            prepare_backend(debug)
            import keras

            import keras_truacc
            from keras_truacc.reading.inspection import inspect

            keras_truacc._load()  # registers truacc's classes: saved models that use them load
            keras.utils.clear_session()
            model = load(path, safe_mode=not args.unsafe, quiet=not debug)
            report = inspect(model)
    except UnusableModel as problem:
        failure, entry["error"] = problem, str(problem)
    except Exception as error:
        failure, entry["error"] = error, f"could not be inspected: {_one_line(error)}"
    if failure is not None:
        print(f"truacc inspect: {path}: {entry['error']}", file=sys.stderr)
        if debug and (failure.__cause__ or not isinstance(failure, UnusableModel)):
            _print_traceback(failure.__cause__ or failure)
        return EXIT_UNUSABLE, entry, None
    if not getattr(model, "compiled", False) and getattr(model, "loss", None) is None:
        entry["note"] = ("the model was saved without a compile config; the report reads "
                         "activations and shapes only")
        print(f"truacc inspect: {path}: {entry['note']}", file=sys.stderr)
    code = EXIT_RIGHT if report.ok else EXIT_WRONG
    entry.update(report_as_dict(report), exit_code=code)
    return code, entry, str(report)


def _check(args, parser, debug) -> int:
    from keras_truacc.cli.script_runner import UnusableScript, check_path

    scripts = [args.script, *args.script_args] if args.files else [args.script]
    for script in scripts:
        try:
            check_path(script)
        except UnusableScript as problem:
            print(f"truacc check: {script}: {problem}", file=sys.stderr)
            if not args.files:
                return EXIT_UNUSABLE
    if args.files:
        return _check_each(scripts, debug)
    prepare_backend(debug)
    import keras_truacc

    keras_truacc._load()
    from keras_truacc.cli.script_check import check_script

    return check_script(args.script, args.script_args, debug=debug)


def _check_each(scripts, debug) -> int:
    """``truacc check --files A.py B.ipynb``: each in a fresh process (a script may
    change Keras's global state); the exit code is the worst."""
    import subprocess

    from keras_truacc.cli.script_runner import UnusableScript, check_path

    worst = EXIT_RIGHT
    for script in scripts:
        try:
            check_path(script)
        except UnusableScript:
            worst = max(worst, EXIT_UNUSABLE)  # already said
            continue
        command = [sys.executable, "-m", "keras_truacc.cli", *(["--debug"] if debug else []),
                   "check", script]
        code = subprocess.run(command, check=False).returncode
        worst = max(worst, code if code in (EXIT_RIGHT, EXIT_WRONG) else EXIT_UNUSABLE)
    return worst


def _run(args, parser, debug) -> int:
    from keras_truacc.cli.script_runner import UnusableScript, check_path, print_user_traceback

    try:
        check_path(args.script)
    except UnusableScript as problem:
        print(f"truacc run: {args.script}: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    prepare_backend(debug)
    import keras_truacc

    keras_truacc._load()
    from keras_truacc.autologging import autolog
    from keras_truacc.cli.script_runner import run_user_code

    name = os.path.basename(args.script)

    def say_skipped(skipped):
        if skipped:
            print(f"truacc run: {name}: left out {len(skipped)} thing(s) only IPython runs:")
            for item in skipped:
                print(f"  {item.describe()}")

    autolog(summary=True)  # asked for by running under truacc, whatever fit's verbose
    try:
        outcome = run_user_code(args.script, args.script_args, before=say_skipped)
    except UnusableScript as problem:
        print(f"truacc run: {args.script}: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        autolog(disable=True)
    sys.stdout.flush()
    if outcome.error is not None:
        print_user_traceback(outcome.error, args.script)
    elif outcome.exit_message:
        print(outcome.exit_message, file=sys.stderr)
    return outcome.exit_code


def prepare_backend(debug: bool) -> None:
    """Import Keras (and its backend) with TensorFlow's log lines off, or all on
    with ``--debug``. Called before anything that imports Keras."""
    if "keras" in sys.modules:
        return
    if debug:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        import keras  # loaded here, its log lines shown

        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import logging

    for name in ("tensorflow", "absl", "jax._src.xla_bridge"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    with _stderr_filtered(_BACKEND_NOISE):
        import importlib.util

        import keras

        if keras.backend.backend() != "tensorflow" and importlib.util.find_spec("tensorflow"):
            # Keras loads TensorFlow on the other backends too, later and loudly (to serialize
            # objects, to read a tf.data.Dataset): load it now, quietly.
            import tensorflow  # noqa: F401


class _stderr_filtered:
    """Capture file descriptor 2 (C++ writes there directly) and pass on every
    line but those ``pattern`` matches in full."""

    def __init__(self, pattern):
        self.pattern = pattern

    def __enter__(self):
        import tempfile

        self._saved = None
        try:
            fd = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            return self  # no real stderr (tests capturing it): nothing to filter
        sys.stderr.flush()
        self._fd, self._saved = fd, os.dup(fd)
        self._file = tempfile.TemporaryFile()
        os.dup2(self._file.fileno(), fd)
        return self

    def __exit__(self, *exc):
        if self._saved is None:
            return False
        sys.stderr.flush()
        os.dup2(self._saved, self._fd)
        os.close(self._saved)
        self._file.seek(0)
        text = self._file.read().decode("utf-8", "replace")
        self._file.close()
        kept = [line for line in text.splitlines(True)
                if not self.pattern.fullmatch(line.rstrip("\r\n"))]
        if kept:
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
        return False


def _import_user_module(module: str, debug: bool = False) -> str | None:
    """Import ``module`` (a name, or a path to a .py file); the reason it failed, or None."""
    import importlib
    import importlib.util

    try:
        if module.endswith(".py"):
            if not os.path.isfile(module):
                return "no such file"
            name = os.path.splitext(os.path.basename(module))[0]
            spec = importlib.util.spec_from_file_location(name, module)
            loaded = importlib.util.module_from_spec(spec)
            sys.modules[name] = loaded
            spec.loader.exec_module(loaded)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())  # as `python -c "import MODULE"` finds it
            importlib.import_module(module)
    except Exception as error:
        if debug:
            _print_traceback(error)
        return f"could not be imported: {_one_line(error)}"
    return None


def _print_traceback(error: BaseException) -> None:
    import traceback

    traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)


def _json_default(value):
    try:
        return value.item()  # numpy scalars
    except AttributeError:
        return str(value)


def _one_line(error: BaseException) -> str:
    from keras_truacc.cli.script_runner import one_line

    return one_line(error)


def _version() -> str:
    from keras_truacc import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
