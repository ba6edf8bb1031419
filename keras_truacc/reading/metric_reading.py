"""Keras glue: read what a compiled metric computes, as a ``MetricComputation``.

>>> import keras
>>> read_metric(keras.metrics.BinaryAccuracy(threshold=0.3), (None, 1), (None, 1)).threshold
0.3
>>> read_metric("accuracy", (None, 10), (None,)).kind
'sparse_categorical'
>>> read_metric("auc", (None, 1), (None, 1)) is None      # not an accuracy
True
"""

from __future__ import annotations

import inspect

import keras

from keras_truacc.decision.keras_choice import MetricComputation, keras_accuracy_choice
from keras_truacc.decision.metric_families import FAMILIES, FamilyMetric
from keras_truacc.which_keras import is_keras2_object

_BY_NAME = {
    "binary_accuracy": "binary",
    "categorical_accuracy": "categorical",
    "sparse_categorical_accuracy": "sparse_categorical",
    "top_k_categorical_accuracy": "top_k",
    "sparse_top_k_categorical_accuracy": "top_k",
}

_BY_CLASS = {
    "BinaryAccuracy": "binary",
    "CategoricalAccuracy": "categorical",
    "SparseCategoricalAccuracy": "sparse_categorical",
    "TopKCategoricalAccuracy": "top_k",
    "SparseTopKCategoricalAccuracy": "top_k",
    "Accuracy": "exact",
    "TrueAccuracy": "truacc",
}


def read_metric(metric, output_shape, label_shape) -> MetricComputation | None:
    """What ``metric`` (a string, function or ``Metric``) computes, or ``None``
    when it is not an accuracy."""
    if isinstance(metric, str):
        name = metric
        if name.lower() in ("accuracy", "acc"):
            return keras_accuracy_choice(output_shape, label_shape, name)
        kind = _BY_NAME.get(name.lower())
        if kind is None:
            return None
        return MetricComputation(kind, name, threshold=0.5 if kind == "binary" else None, k=5 if kind == "top_k" else None)
    if isinstance(metric, keras.metrics.Metric) or is_keras2_object(metric):
        cls = type(metric).__name__
        kind = _BY_CLASS.get(cls)
        kwargs = getattr(metric, "_fn_kwargs", {}) or {}
        if kind is None and cls == "MeanMetricWrapper":
            fn = getattr(metric, "_fn", None)
            kind = _BY_NAME.get(getattr(fn, "__name__", ""))
        if kind is None:
            return None
        return MetricComputation(
            kind,
            metric.name,
            threshold=float(kwargs.get("threshold", 0.5)) if kind == "binary" else None,
            k=kwargs.get("k", 5) if kind == "top_k" else None,
        )
    if callable(metric):
        name = getattr(metric, "__name__", "")
        kind = _BY_NAME.get(name)
        if kind is None:
            return None
        return MetricComputation(kind, name, threshold=0.5 if kind == "binary" else None, k=5 if kind == "top_k" else None)
    return None


def read_family_metric(metric) -> FamilyMetric | None:
    """A compiled metric of one of ``metric_families.FAMILIES`` (a string Keras knows,
    like ``"auc"``, or a metric object, Keras 3's or tf_keras's), as a ``FamilyMetric``;
    ``None`` for any other.

    >>> import keras
    >>> read_family_metric(keras.metrics.MeanIoU(num_classes=3)).describe()
    'MeanIoU(num_classes=3, sparse_y_true=True, sparse_y_pred=True)'
    >>> read_family_metric("auc").config["from_logits"]
    False
    """
    name = None
    if isinstance(metric, str):
        if metric.lower() in ("accuracy", "acc", "crossentropy", "ce"):
            return None
        try:
            name, metric = metric, keras.metrics.get(metric)  # logged under the string
        except (ValueError, TypeError):
            return None
    cls = type(metric).__name__
    if cls not in FAMILIES:
        return None
    try:
        config = dict(metric.get_config())
    except Exception:  # a metric that can't say its config: not judged
        return None
    return FamilyMetric(cls, name or getattr(metric, "name", cls), config,
                        arguments=_arguments_given(type(metric), config))


def _arguments_given(metric_class, config: dict) -> tuple:
    """The ``config`` entries that differ from ``metric_class``'s defaults (required
    arguments always), in the order of its signature; ``name`` and ``dtype`` left out.

    >>> import keras
    >>> _arguments_given(keras.metrics.F1Score, keras.metrics.F1Score(average="micro").get_config())
    (('average', 'micro'),)
    """
    try:
        parameters = inspect.signature(metric_class.__init__).parameters
    except (TypeError, ValueError):
        return ()
    given = []
    for key, parameter in parameters.items():
        if key in ("self", "name", "dtype") or key not in config:
            continue
        value = config[key]
        if parameter.default is inspect.Parameter.empty or not _same(value, parameter.default):
            given.append((key, value))
    return tuple(given)


def _same(value, default) -> bool:
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)
    try:
        return bool(value == default)
    except Exception:
        return False
