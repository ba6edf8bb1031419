"""The monitor's metrics inside one tf_keras model's metric pass (Keras 3: ``injection``).

tf_keras keeps the compiled metrics in ``model.compiled_metrics``, a
``MetricsContainer``. Its ``train_step``/``test_step`` call the container's
``update_state``, then ``get_metrics_result()``, which logs the ``result()`` of
every object in ``model.metrics`` (the container's ``metrics`` among them).
So the wrapper updates the container, then ours, and lists, beside the
container's metrics, one object whose result is ours, by log key.

tf_keras makes its step functions before ``on_train_begin``/``on_test_begin``
(``evaluate`` even hands its test function to a runner there), so the monitor
attaches when the callback list is given the model (``set_model``), and
``detach`` puts the original container back after. No tf_keras class is patched:
attributes of one model instance (its compiled metrics and its step functions)
are set, and set back.
"""

from __future__ import annotations

from keras_truacc.metrics.slots import Slot, SlotUpdates

__all__ = ["Slot", "attach", "compiled_metrics", "detach", "metric_classes", "set_step_functions",
           "step_functions"]


class _SlotResults:
    """What ``get_metrics_result`` reads for the monitor: one dict of our results."""

    name = "truacc"

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def result(self):
        # Each metric's own result(): tf_keras wraps it to read synced-on-read
        # variables across replicas under a tf.distribute strategy.
        return self._wrapper.slot_results({}, share_reads=False)

    def reset_state(self):
        self._wrapper.reset_slots()

    reset_states = reset_state  # tf_keras's older name

    @property
    def variables(self):
        return [v for slot in self._wrapper.slots or () for v in slot.metric.variables]

    weights = variables


class MonitoredContainer(SlotUpdates):
    """tf_keras's ``MetricsContainer`` plus the monitor's metrics; anything not
    named here is the container's own."""

    def __init__(self, inner, slots, on_failure, make_slots=None):
        object.__setattr__(self, "inner", inner)
        self._set_up_slots(slots, on_failure, make_slots)
        self._results = _SlotResults(self)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @property
    def metrics(self):
        inner = list(self.inner.metrics) if self.inner is not None else []
        return inner + [self._results]



def compiled_metrics(model):
    return getattr(model, "compiled_metrics", None)


def compile_record(model):
    """An object tf_keras's ``compile`` makes anew on every call (see ``step_cache``):
    its metrics container, ours unwrapped."""
    container = compiled_metrics(model)
    return container.inner if isinstance(container, MonitoredContainer) else container


def metric_classes():
    """The monitor's metric classes for tf_keras models: true accuracy, baseline."""
    from keras_truacc.keras2.metrics import MajorityBaseline, TrueAccuracy

    return TrueAccuracy, MajorityBaseline


def attach(model, slots, on_failure, make_slots=None, reuse=None) -> MonitoredContainer:
    wrapper = reuse or MonitoredContainer(compiled_metrics(model), slots, on_failure, make_slots)
    object.__setattr__(model, "compiled_metrics", wrapper)
    return wrapper


def detach(model, wrapper) -> None:
    if getattr(model, "compiled_metrics", None) is wrapper:
        object.__setattr__(model, "compiled_metrics", wrapper.inner)


def step_functions(model):
    return model.train_function, model.test_function


def set_step_functions(model, functions) -> None:
    model.train_function, model.test_function = functions
