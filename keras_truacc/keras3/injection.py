"""Put the monitor's metrics inside one model's own metric pass, and take them out again.

The monitor's figures must come from the batches Keras already runs, in-graph,
and reach every callback in any order. So for the length of one ``fit`` or
``evaluate`` the model's compiled metrics are wrapped, on that one instance:
the wrapper updates Keras's metrics and then ours, and returns both results.
Keras writes the keys into the logs itself, before any callback runs.
``detach`` puts the original object back; the monitor puts back the step
functions Keras had traced without our metrics, and keeps its own for the next
``fit``/``evaluate`` with the same monitor on the same compiled model, so a
repeated ``evaluate`` retraces nothing.
No Keras class is patched.
"""

from __future__ import annotations

import keras

from keras_truacc.metrics.slots import SlotUpdates


def _compile_metrics_class():
    """Keras's ``CompileMetrics``: the one type its trainer and callbacks look for in
    ``model.metrics`` (``MonitorCallback._set_monitor_op`` finds a key's direction
    through it, for ``mode="auto"``). Private in Keras 3, so a plain ``Metric`` where
    a Keras release moved it."""
    try:
        from keras.src.trainers.compile_utils import CompileMetrics
    except ImportError:  # pragma: no cover - every Keras 3 release so far has it
        return keras.metrics.Metric
    return CompileMetrics


class MonitoredMetrics(SlotUpdates, _compile_metrics_class()):
    """Keras's ``CompileMetrics`` plus the monitor's metrics, as one Metric.

    It is a ``CompileMetrics`` to everything that asks, and lists Keras's metrics
    and ours in ``metrics``, so Keras's callbacks find the direction of every key,
    Keras's and ours, as they do without the monitor. It shares none of
    ``CompileMetrics``'s state: each method here hands off to the object it wraps.

    ``slots`` is a list, or ``None`` when the outputs' shapes are not known before
    the first step (a ``Sequential`` with no ``Input`` on TensorFlow, which Keras
    itself builds inside the traced step): then ``make_slots(y_true, y_pred)``
    makes them there, from the step's own tensors, as Keras builds its own
    compiled metrics there.
    """

    def __init__(self, inner, slots, on_failure, make_slots=None):
        # Metric's own set-up only: CompileMetrics's would build a second metric set.
        keras.metrics.Metric.__init__(self, name="compile_metrics")
        self.inner = inner  # may be None: a model compiled with no metrics
        self._set_up_slots(slots, on_failure, make_slots)

    @property
    def built(self):
        return self.inner is None or getattr(self.inner, "built", False)

    @built.setter
    def built(self, value):  # Keras's Metric base sets it; the inner object decides
        pass

    def build(self, y_true, y_pred):
        if self.inner is not None and not self.inner.built:
            self.inner.build(y_true, y_pred)

    @property
    def metrics(self):
        inner = list(self.inner.metrics) if self.inner is not None else []
        return inner + [slot.metric for slot in self.slots or ()]

    @property
    def variables(self):
        variables = list(self.inner.variables) if self.inner is not None else []
        for slot in self.slots or ():
            variables.extend(slot.metric.variables)
        return variables

    def result(self):
        results = dict(self.inner.result()) if self.inner is not None and self.inner.built else {}
        return self.slot_results(results)

    def get_config(self):  # never saved: detached before any save the user makes
        raise NotImplementedError


def attach(model, slots, on_failure, make_slots=None, reuse=None) -> MonitoredMetrics:
    """Wrap ``model``'s compiled metrics; ``reuse`` puts back a wrapper made for this
    model's same compiled metrics before, so the steps traced with it still fit."""
    wrapper = reuse or MonitoredMetrics(model._compile_metrics, slots, on_failure, make_slots)
    object.__setattr__(model, "_compile_metrics", wrapper)
    return wrapper


def detach(model, wrapper) -> None:
    current = getattr(model, "_compile_metrics", None)
    if current is wrapper:
        object.__setattr__(model, "_compile_metrics", wrapper.inner)


def compiled_metrics(model):
    """What the model holds as its compiled metrics now (our wrapper while attached)."""
    return model._compile_metrics


def compile_record(model):
    """An object the model's ``compile`` makes anew on every call, and only the model
    holds: Keras's record of the compile arguments (see ``step_cache``)."""
    return getattr(model, "_compile_config", None)


def metric_classes():
    """The monitor's metric classes for Keras 3 models: true accuracy, baseline."""
    from keras_truacc.metrics.baseline import MajorityBaseline
    from keras_truacc.metrics.true_accuracy import TrueAccuracy

    return TrueAccuracy, MajorityBaseline


def step_functions(model):
    """The model's traced train and test step functions (``None`` where not made yet)."""
    return model.train_function, model.test_function


def set_step_functions(model, functions) -> None:
    model.train_function, model.test_function = functions
