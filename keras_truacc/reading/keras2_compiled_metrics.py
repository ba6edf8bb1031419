"""What a tf_keras model's compiled metrics hold, per output (Keras 3: ``binding``).

tf_keras keeps them in ``model.compiled_metrics``, a ``MetricsContainer`` that
builds on the first batch: ``_metrics`` and ``_weighted_metrics`` then hold one
list per output, and each metric's ``name`` is already its log key (the output
name first, for several outputs).
"""

from __future__ import annotations


def compiled_metrics_of(model):
    """The model's ``MetricsContainer`` (unwrapped if the monitor wrapped it)."""
    container = getattr(model, "compiled_metrics", None)
    return getattr(container, "inner", container)


def metric_slots(model):
    """Yield ``(output_index, output_name, weighted, metric)`` for every built metric."""
    container = compiled_metrics_of(model)
    if container is None or not getattr(container, "_built", False):
        return
    names = list(getattr(container, "_output_names", None) or [])
    for weighted, per_output in (
        (False, container._metrics),
        (True, container._weighted_metrics),
    ):
        for index, metrics in enumerate(per_output or []):
            name = names[index] if len(names) > 1 and index < len(names) else None
            for metric in metrics if isinstance(metrics, (list, tuple)) else [metrics]:
                if metric is not None:
                    yield index, name, weighted, metric
