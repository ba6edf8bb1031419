"""``truacc.autolog()``: a ``TruAccMonitor`` on every ``fit`` and ``evaluate``, with no code change.

This is the one place keras-truacc patches ``keras.Model``, and only when asked
(``truacc.autolog()``, ``truacc run``, ``truacc check``). ``ModelPatch`` puts the
class back exactly: after ``undo()``, ``vars(keras.Model)`` is what it was and
``keras.Model.fit`` is Keras's own function again.
"""

from __future__ import annotations

import functools
import inspect
import threading

import keras

from keras_truacc.monitor.callback import TruAccMonitor

_MISSING = object()


class ModelPatch:
    """Methods of ``keras.Model`` replaced until ``undo()``.

    ``makers`` maps a method name to ``make(original) -> replacement``. A method
    Keras defines on a base class (``fit`` comes from the backend's trainer) is
    deleted from ``keras.Model`` again on ``undo()``, not left as a copy.

    >>> import keras
    >>> fit, before = keras.Model.fit, dict(vars(keras.Model))
    >>> patch = ModelPatch({"fit": lambda original: lambda self, *a, **k: "patched"})
    >>> patch.apply()
    >>> keras.Sequential().fit()
    'patched'
    >>> patch.undo()
    >>> keras.Model.fit is fit, dict(vars(keras.Model)) == before
    (True, True)
    """

    def __init__(self, makers: dict, cls=None):
        self.cls = keras.Model if cls is None else cls
        self.makers = dict(makers)
        self.originals: dict = {}
        self._saved: dict | None = None

    @property
    def active(self) -> bool:
        return self._saved is not None

    def apply(self) -> None:
        if self.active:
            return
        self._saved = {name: self.cls.__dict__.get(name, _MISSING) for name in self.makers}
        for name, make in self.makers.items():
            original = getattr(self.cls, name)
            replacement = functools.update_wrapper(make(original), original)
            self.originals[name] = original
            setattr(self.cls, name, replacement)

    def undo(self) -> None:
        if not self.active:
            return
        for name, value in self._saved.items():
            if value is _MISSING:
                if name in self.cls.__dict__:
                    delattr(self.cls, name)
            else:
                setattr(self.cls, name, value)
        self._saved, self.originals = None, {}


_patch: ModelPatch | None = None
_options: dict = {}
_calls = threading.local()  # how deep this thread is inside a patched fit/evaluate


def autolog(disable: bool = False, **monitor_options) -> None:
    """Attach a ``truacc.TruAccMonitor`` to every ``fit`` and ``evaluate`` from now on.

    Like ``mlflow.autolog()``: one line at the top of a script, and every
    ``model.fit``/``model.evaluate`` logs ``true_accuracy`` beside Keras's figures,
    warns when a compiled accuracy is wrong and prints the end-of-fit summary. A
    call that already passes a ``TruAccMonitor`` in ``callbacks=`` keeps its own.
    Nothing else changes: no metric is added to ``compile``, and a saved model
    holds no trace of it.

    ``monitor_options`` go to each ``TruAccMonitor`` (``tolerance``, ``baseline``,
    ``weighted``, ``summary``, ``log_dir``). Calling ``autolog()`` again only
    changes them. ``autolog(disable=True)`` undoes it: ``keras.Model`` is then
    exactly what it was (``keras.Model.fit is`` Keras's own function again).

    >>> import keras, numpy as np, keras_truacc as truacc
    >>> keras_fit = keras.Model.fit
    >>> truacc.autolog(summary=False)
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    >>> history = model.fit(np.zeros((8, 3)), np.ones((8, 1)), verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss', 'majority_baseline', 'true_accuracy']
    >>> truacc.autolog(disable=True)
    >>> keras.Model.fit is keras_fit
    True
    """
    global _patch, _options
    if disable:
        if _patch is not None:
            _patch.undo()
        _patch, _options = None, {}
        return
    TruAccMonitor(**monitor_options)  # a wrong option fails here, not at the next fit
    _options = dict(monitor_options)
    if _patch is None:
        _patch = ModelPatch({"fit": _with_monitor, "evaluate": _with_monitor})
        _patch.apply()


def autolog_enabled() -> bool:
    return _patch is not None and _patch.active


def _with_monitor(original):
    signature = inspect.signature(original)

    def with_monitor(self, *args, **kwargs):
        # fit's own validation pass calls evaluate with fit's callbacks: leave it be.
        if getattr(_calls, "depth", 0) or kwargs.get("_use_cached_eval_dataset"):
            return original(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        callbacks = bound.arguments.get("callbacks")
        added = None
        if not isinstance(callbacks, keras.callbacks.CallbackList):
            given = [] if callbacks is None else (
                list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
            )
            if not any(isinstance(c, TruAccMonitor) for c in given):
                added = TruAccMonitor(**_options)
                bound.arguments["callbacks"] = given + [added]
        # evaluate() without return_dict returns a list with one entry per log key:
        # the script's `loss, acc = model.evaluate(...)` must still unpack.
        as_list = "return_dict" in signature.parameters and not bound.arguments.get(
            "return_dict", False)
        if added is not None and as_list:
            bound.arguments["return_dict"] = True
        _calls.depth = getattr(_calls, "depth", 0) + 1
        try:
            result = original(*bound.args, **bound.kwargs)
        finally:
            _calls.depth -= 1
        if added is not None and as_list:
            return _as_keras_list(self, result, {slot.log_key for slot in added._slots})
        return result

    return with_monitor


def _as_keras_list(model, logs: dict, ours: set):
    """What ``evaluate`` returns without ``return_dict``, as if the monitor had not
    been there: Keras's own ordering of the logs without the monitor's keys."""
    logs = {key: value for key, value in logs.items() if key not in ours}
    flatten = getattr(model, "_flatten_metrics_in_order", None)
    if flatten is not None:
        return flatten(logs)
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
