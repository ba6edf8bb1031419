"""``truacc check SCRIPT.py``: run an unchanged training script up to each ``fit``, check, don't train.

Each ``fit`` reads one real batch of the data it was given (the batch Keras
would train on first: arrays after ``validation_split``, or the first element of
a ``tf.data.Dataset``, generator, ``PyDataset`` or ``DataLoader``) and prints
``truacc.inspect(model, y=..., x=...)`` for it, with the labels and the outputs
known. Then it returns an empty ``keras.callbacks.History`` without any
optimizer step, and the script goes on. ``evaluate`` checks a model no ``fit``
checked, and returns Keras's own structure of results with every value NaN
(nothing was measured). ``model.save``/``save_weights`` are skipped with a line:
the model is untrained, and a trained model on disk must not be overwritten.

Exit codes: 0 every compiled accuracy (and AUC, Precision, IoU, ... metric) is right; 1 one is wrong (or a set-up
error makes every accuracy wrong); 2 the script could not be checked.
"""

from __future__ import annotations

import inspect as pyinspect
import os
import sys
import weakref
from dataclasses import dataclass

import keras
import numpy as np

from keras_truacc.autologging import ModelPatch, autolog, autolog_enabled
from keras_truacc.cli.script_runner import (
    UnusableScript,
    caller_place,
    one_line,
    print_user_traceback,
    run_user_code,
    where,
)
from keras_truacc.reading.inspection import Report, inspect

EXIT_RIGHT, EXIT_WRONG, EXIT_UNCHECKED = 0, 1, 2


class CheckFailed(Exception):
    """The check itself could not be made (unreadable data, a model that can't be
    called on it); it stops the script. The message is one line."""


@dataclass(frozen=True)
class Batch:
    x: object
    y: object = None
    sample_weight: object = None

    def describe(self) -> str:
        parts = [f"{name} {_describe_arrays(value)}" for name, value in
                 (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight))
                 if value is not None]
        return ", ".join(parts) if parts else "no data"


@dataclass(frozen=True)
class Check:
    number: int
    call: str  # "fit" or "evaluate"
    place: str | None
    report: Report

    @property
    def label(self) -> str:
        return f"{self.call} #{self.number}" + (f" ({self.place})" if self.place else "")

    def problems(self) -> list[str]:
        said = [f"'{m.key}' is wrong" for m in self.report.wrong]
        said += [f"error: {p.message}" for o in self.report.outputs for p in o.verdict.errors]
        return said


class ScriptCheck:
    """The patched ``fit``/``evaluate``/``save`` for one script, and what they saw."""

    def __init__(self, path: str, out=None):
        self.path = path
        self.name = os.path.basename(path)
        self.out = sys.stdout if out is None else out
        self.checks: list[Check] = []
        self._checked_models = weakref.WeakSet()

    def patch(self) -> ModelPatch:
        return ModelPatch({
            "fit": self._fit, "evaluate": self._evaluate,
            "save": self._skip_save, "save_weights": self._skip_save,
        })

    def _fit(self, original):
        signature = pyinspect.signature(original)

        def fit(model, *args, **kwargs):
            bound = signature.bind(model, *args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            _assert_compiled(model, "fit")
            split = a.get("validation_split") if a.get("validation_data") is None else 0.0
            batch = self._read("fit", first_batch, a.get("x"), a.get("y"), a.get("sample_weight"),
                               a.get("batch_size"), a.get("steps_per_epoch"), split,
                               a.get("shuffle"))
            self._check(model, "fit", batch, caller_place(self.path))
            history = keras.callbacks.History()
            history.set_model(model)
            history.epoch = []
            history.params = {"verbose": a.get("verbose"), "epochs": a.get("epochs"), "steps": None}
            return history

        return fit

    def _evaluate(self, original):
        signature = pyinspect.signature(original)

        def evaluate(model, *args, **kwargs):
            bound = signature.bind(model, *args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            _assert_compiled(model, "evaluate")
            batch = self._read("evaluate", first_batch, a.get("x"), a.get("y"),
                               a.get("sample_weight"), a.get("batch_size"), a.get("steps"))
            if model not in self._checked_models:
                self._check(model, "evaluate", batch, caller_place(self.path))
            # Keras's own structure of results (a scalar, a list or a dict), from
            # one batch, every value NaN: nothing was measured.
            results = original(model, batch.x, batch.y, sample_weight=batch.sample_weight,
                               verbose=0, return_dict=bool(a.get("return_dict")))
            return keras.tree.map_structure(lambda _value: float("nan"), results)

        return evaluate

    def _skip_save(self, original):
        def skipped(model, filepath=None, *args, **kwargs):
            place = caller_place(self.path)
            print(f"truacc check: model.{original.__name__}({str(filepath)!r}) skipped"
                  + (f" ({place})" if place else "")
                  + ": training was skipped, so the weights are untrained.", file=self.out)

        return skipped

    def _read(self, call, reader, *args):
        try:
            return reader(*args)
        except Exception as error:
            raise CheckFailed(
                f"could not read a first batch from the data given to {call} "
                f"({caller_place(self.path) or self.name}): {one_line(error)}"
            ) from error

    def _check(self, model, call, batch: Batch, place):
        number = 1 + sum(1 for c in self.checks if c.call == call)
        label = f"{call} #{number}" + (f" ({place})" if place else "")
        try:
            report = inspect(model, y=batch.y, x=batch.x, sample_weight=batch.sample_weight)
        except Exception as error:
            raise CheckFailed(
                f"{label}: could not inspect model '{model.name}' on the first batch "
                f"({batch.describe()}): {one_line(error)}"
            ) from error
        self.checks.append(Check(number, call, place, report))
        self._checked_models.add(model)
        skipped = "training skipped" if call == "fit" else "results are NaN"
        print(f"truacc check: {label}: model '{model.name}', first batch {batch.describe()}; "
              f"{skipped}.", file=self.out)
        print(report, file=self.out)
        print(file=self.out, flush=True)


def check_script(path: str, args=(), debug: bool = False, out=None, err=None) -> int:
    """Run ``path`` (a script or a notebook) with ``args`` under ``truacc check``;
    returns the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    name = os.path.basename(path)
    checker = ScriptCheck(path, out)

    def say_skipped(skipped):
        if skipped:
            print(f"truacc check: {name}: left out {len(skipped)} thing(s) only IPython runs:",
                  file=out)
            for item in skipped:
                print(f"  {item.describe()}", file=out)

    patch = checker.patch()
    patch.apply()
    try:
        outcome = run_user_code(path, args, before=say_skipped)
    except UnusableScript as problem:
        print(f"truacc check: {path}: {problem}", file=err)
        return EXIT_UNCHECKED
    finally:
        if autolog_enabled():  # the script turned it on: it sits on top of this patch
            autolog(disable=True)
        patch.undo()
    error = outcome.error
    if isinstance(error, KeyboardInterrupt):
        print(f"truacc check: {name}: interrupted", file=err)
        return 130
    if isinstance(error, CheckFailed):
        print(f"truacc check: {name}: {error}", file=err)
        if debug:
            print_user_traceback(error.__cause__ or error, path, file=err)
        return EXIT_UNCHECKED
    if not checker.checks:
        if error is not None:
            print(f"truacc check: {name} raised before any fit: {one_line(error)} "
                  f"({where(error, path)})", file=err)
            if debug:
                print_user_traceback(error, path, file=err)
        elif outcome.exit_code:
            print(f"truacc check: {name} exited with code {outcome.exit_code} before any fit"
                  + (f": {outcome.exit_message}" if outcome.exit_message else ""), file=err)
        else:
            print(f"truacc check: {name} ran to its end without calling fit or evaluate: "
                  "nothing to check.", file=err)
        return EXIT_UNCHECKED
    if error is not None:
        print(f"truacc check: note: {name} raised after {checker.checks[-1].label}: "
              f"{one_line(error)} ({where(error, path)}). Training was skipped, so code "
              "that reads its results can fail; the calls before it were checked.", file=err)
        if debug:
            print_user_traceback(error, path, file=err)
    return summarize(name, checker.checks, out)


def summarize(name, checks, out) -> int:
    bad = [(c, c.problems()) for c in checks if not c.report.ok]
    count = f"{len(checks)} call(s) checked"
    if not bad:
        families = any(m.computation.kind == "family" for c in checks for m in c.report.metrics)
        what = "metric" if families else "accuracy"
        print(f"truacc check: {name}: every compiled {what} is right ({count}).", file=out)
        return EXIT_RIGHT
    said = "; ".join(f"{c.label}: {', '.join(problems)}" for c, problems in bad)
    print(f"truacc check: {name}: {said} ({count}).", file=out)
    return EXIT_WRONG


def first_batch(x, y=None, sample_weight=None, batch_size=None, steps=None,
                validation_split=0.0, shuffle=False) -> Batch:
    """The first batch ``fit`` would train on, as numpy arrays.

    >>> b = first_batch(np.arange(100.0).reshape(50, 2), np.arange(50), batch_size=8,
    ...                 validation_split=0.2)
    >>> b.x.shape, b.y.tolist()
    ((8, 2), [0, 1, 2, 3, 4, 5, 6, 7])
    """
    from keras.src.trainers.data_adapters import array_data_adapter, get_data_adapter

    if isinstance(x, keras.utils.PyDataset):
        data = x[0]
    elif _is_iterator(x):  # a generator: its first element, taken from it
        data = next(x)
    else:
        arrays = array_data_adapter.can_convert_arrays((x, y, sample_weight))
        if arrays and validation_split:
            (x, y, sample_weight), _ = _train_validation_split(
                (x, y, sample_weight), float(validation_split)
            )
        adapter = get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                   steps_per_epoch=steps, shuffle=bool(shuffle) and arrays)
        state = np.random.get_state()  # shuffling must not move the script's own RNG
        try:
            data = next(iter(adapter.get_numpy_iterator()))
        finally:
            np.random.set_state(state)
    bx, by, bw = keras.utils.unpack_x_y_sample_weight(data)
    return Batch(_to_numpy(bx), _to_numpy(by), _to_numpy(bw))


def _train_validation_split(arrays, validation_split):
    try:
        from keras.src.trainers.data_adapters.array_slicing import train_validation_split
    except ImportError:  # older Keras 3
        from keras.src.trainers.data_adapters.data_adapter_utils import train_validation_split
    return train_validation_split(arrays, validation_split=validation_split)


def _is_iterator(x) -> bool:
    return pyinspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _to_numpy(value):
    if value is None:
        return None
    return keras.tree.map_structure(np.asarray, value)


def _describe_arrays(value) -> str:
    """Shapes and dtypes; a dict's by name, so that labels per output read as such.

    >>> _describe_arrays({"seg": np.zeros((2, 4, 1), "float32"), "cls": np.zeros(2, "int64")})
    "{'seg': (2, 4, 1) float32, 'cls': (2,) int64}"
    """
    if isinstance(value, dict):
        shown = [f"{key!r}: {_describe_arrays(item)}" for key, item in list(value.items())[:3]]
        more = f" +{len(value) - 3} more" if len(value) > 3 else ""
        return "{" + ", ".join(shown) + more + "}"
    leaves = keras.tree.flatten(value)
    shown = [f"{tuple(np.shape(v))} {getattr(v, 'dtype', type(v).__name__)}" for v in leaves[:3]]
    more = f" +{len(leaves) - 3} more" if len(leaves) > 3 else ""
    return shown[0] if len(leaves) == 1 else "[" + ", ".join(shown) + more + "]"


def _assert_compiled(model, call):
    """Keras's own error when ``compile()`` was never called, as a real ``fit`` raises it."""
    assert_compiled = getattr(model, "_assert_compile_called", None)
    if assert_compiled is not None:
        assert_compiled(call)
