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

from dataclasses import dataclass

import keras


@dataclass
class Slot:
    """One of the monitor's metrics, the output it watches and its log key."""

    metric: keras.metrics.Metric
    output_index: int
    output_name: str | None
    log_key: str
    weighted: bool = False

    def weight_from(self, sample_weight):
        """The weight this slot counts with: the sample weight itself when weighted;
        otherwise 1 for every sample whose weight is not 0. A weight of 0 says
        "not a sample" (padding left out by ``sample_weight = labels != 0``),
        even for a figure that counts every real sample once."""
        if sample_weight is None:
            return None
        if self.weighted:
            return sample_weight
        return keras.ops.cast(keras.ops.not_equal(sample_weight, 0), "float32")

    def select(self, structure):
        """This slot's output from ``y_true``/``y_pred``/``sample_weight``."""
        if isinstance(structure, dict):
            if self.output_name in structure:
                return structure[self.output_name]
            return keras.tree.flatten(structure)[self.output_index]
        if isinstance(structure, (list, tuple)):
            return structure[self.output_index] if len(structure) > self.output_index else structure[0]
        return structure


class SlotUpdates:
    """The monitor's part of a wrapped metric pass, whichever Keras runs it:
    update each slot's metric after Keras's own, and never break the step."""

    def _set_up_slots(self, slots, on_failure, make_slots):
        self.slots = None if slots is None else tuple(slots)
        self._make_slots = [make_slots]  # lists: not tracked by Keras
        self._on_failure = [on_failure]
        self.failed = False
        self.saw_sample_weight = False
        self.updated = False  # whether any step updated the compiled metrics

    def adopt(self, on_failure, make_slots):
        """Serve another monitor from now on (it reuses the steps traced with this)."""
        self._on_failure[0] = on_failure
        self._make_slots[0] = make_slots

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Keras's own compiled metrics (``inner``), then the slots."""
        if self.inner is not None:
            self.inner.update_state(y_true, y_pred, sample_weight)
        self.update_slots(y_true, y_pred, sample_weight)

    def reset_state(self):
        if self.inner is not None:
            self.inner.reset_state()
        self.reset_slots()

    def update_slots(self, y_true, y_pred, sample_weight):
        self.updated = True
        if sample_weight is not None:
            self.saw_sample_weight = True
        if self.failed:
            return
        try:
            if self.slots is None:
                self.slots = tuple(self._make_slots[0](y_true, y_pred))
            for slot in self.slots:
                weight = None
                if sample_weight is not None:
                    weight = slot.weight_from(slot.select(sample_weight))
                slot.metric.update_state(slot.select(y_true), slot.select(y_pred), weight)
        except Exception as error:  # never break training
            self._fail(error)

    def slot_results(self, results: dict, share_reads: bool = True) -> dict:
        """Each slot's result by log key. With ``share_reads``, metrics that read the
        same counts (the true accuracy and its baseline) share one read of them."""
        if self.failed:
            return results
        try:
            totals = {}
            for slot in self.slots or ():
                counts = getattr(slot.metric, "counts_read", None) if share_reads else None
                if counts is None:
                    results[slot.log_key] = slot.metric.result()
                    continue
                if id(counts) not in totals:
                    totals[id(counts)] = counts.values()
                results[slot.log_key] = slot.metric.result_from(totals[id(counts)])
        except Exception as error:
            self._fail(error)
        return results

    def reset_slots(self):
        for slot in self.slots or ():
            slot.metric.reset_state()

    def _fail(self, error):
        self.failed = True
        self._on_failure[0](error)


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
