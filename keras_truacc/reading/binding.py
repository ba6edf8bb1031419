"""How a metric finds the model it serves, without any help from the user.

Keras hands a compiled metric only ``y_true`` and ``y_pred``; the loss and the
activation that decide the right accuracy live on the model. When a metric is
first updated, Keras is inside the model's own ``train_step`` / ``test_step`` /
``compute_metrics``. ``find_binding`` reads the calling frames (read-only; no
Keras code is patched) for the model whose compiled metrics hold this metric,
and which output they serve it for.

This runs once per trace (graph and XLA backends) or once per metric (eager),
never once per step: the metric caches what it found.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import keras

from keras_truacc.which_keras import is_keras2_object

_MAX_FRAMES = 64


@dataclass(frozen=True)
class Binding:
    model: object
    output_index: int
    output_name: str | None
    weighted: bool


def compiled_metrics_of(model):
    """The model's ``CompileMetrics`` (unwrapped if the monitor wrapped it);
    a tf_keras model's ``MetricsContainer``."""
    if is_keras2_object(model):
        from keras_truacc.reading.keras2_compiled_metrics import compiled_metrics_of as of_keras2

        return of_keras2(model)
    cm = getattr(model, "_compile_metrics", None)
    return getattr(cm, "inner", cm)


def metric_slots(model):
    """Yield ``(output_index, output_name, weighted, metric)`` for every compiled metric.

    Empty until Keras has built its compiled metrics (first batch or symbolic build).
    """
    if is_keras2_object(model):
        from keras_truacc.reading.keras2_compiled_metrics import metric_slots as keras2_slots

        yield from keras2_slots(model)
        return
    cm = compiled_metrics_of(model)
    if cm is None or not getattr(cm, "built", False):
        return
    for weighted, flat in ((False, cm._flat_metrics), (True, cm._flat_weighted_metrics)):
        for index, metrics_list in enumerate(flat or []):
            if not metrics_list:
                continue
            for metric in metrics_list.metrics:
                yield index, metrics_list.output_name, weighted, metric


def binding_in_model(model, metric) -> Binding | None:
    for index, name, weighted, candidate in metric_slots(model):
        if candidate is metric:
            return Binding(model, index, name, weighted)
    return None


def find_binding(metric) -> Binding | None:
    """Look up the call stack for the model that is updating ``metric``."""
    try:
        frame = sys._getframe(1)
    except ValueError:  # pragma: no cover
        return None
    seen = 0
    while frame is not None and seen < _MAX_FRAMES:
        owner = frame.f_locals.get("self")
        if isinstance(owner, keras.Model) or (
            owner is not None and hasattr(owner, "compiled_metrics") and is_keras2_object(owner)
        ):
            found = binding_in_model(owner, metric)
            if found is not None:
                return found
        frame = frame.f_back
        seen += 1
    return None
