"""What Keras's accuracy metrics compute, and whether that is the accuracy meant.

Keras 3 picks behind ``metrics=['accuracy']`` from two static shapes only
(``keras/src/trainers/compile_utils.py::get_metric``):

>>> keras_accuracy_choice((None, 1), (None, 1)).kind        # y_pred.shape[-1] == 1
'binary'
>>> keras_accuracy_choice((None, 10), (None,)).kind         # labels of lower rank
'sparse_categorical'
>>> keras_accuracy_choice((None, 10), (None, 10)).kind      # otherwise
'categorical'
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_truacc.decision.facts import format_shape

FIX_LINE = "metrics=[truacc.auto()]"


@dataclass(frozen=True)
class MetricComputation:
    """What one compiled metric computes.

    ``kind`` is ``"binary"`` (threshold each unit), ``"categorical"`` (argmax of
    output vs argmax of one-hot labels), ``"sparse_categorical"`` (argmax vs class
    index), ``"exact"`` (``keras.metrics.Accuracy``: equality), ``"top_k"``,
    ``"truacc"`` (ours) or ``"unknown"``.
    """

    kind: str
    name: str = "accuracy"
    threshold: float | None = None
    k: int | None = None
    picked_by_keras: bool = False

    def describe(self) -> str:
        what = {
            "binary": f"BinaryAccuracy(threshold={self.threshold:g})"
            if self.threshold is not None
            else "BinaryAccuracy",
            "categorical": "CategoricalAccuracy",
            "sparse_categorical": "SparseCategoricalAccuracy",
            "exact": "Accuracy (exact equality)",
            "top_k": f"top-{self.k} accuracy",
            "truacc": "truacc's resolved accuracy",
            "unknown": "an accuracy truacc does not know",
        }[self.kind]
        how = " (picked by Keras from shapes)" if self.picked_by_keras else ""
        return f"{what}{how}"


@dataclass(frozen=True)
class Judgement:
    """``correct`` is ``True``, ``False``, or ``None`` when the metric measures
    something else by design (top-k) or can't be judged."""

    correct: bool | None
    cause: str = ""
    fix: str = ""
    # ``correct is None`` because the metric is another figure on purpose (top-k, a
    # pooled AUC), not because a fact is missing: nothing is open.
    by_design: bool = False
    # For a wrong metric that one Keras class computes right with other arguments:
    # ``(class name, ((argument, value), ...))`` (see ``metric_families``).
    corrected: tuple | None = None


def keras_accuracy_choice(output_shape, label_shape, name: str = "accuracy"):
    """The metric Keras 3 puts behind ``'accuracy'`` / ``'acc'`` for these shapes."""
    if label_shape is None:
        label_shape = output_shape
    out_last = output_shape[-1]
    is_binary = out_last == 1
    is_sparse = len(label_shape) < len(output_shape) or (
        label_shape[-1] == 1 and out_last is not None and out_last > 1
    )
    if is_binary:
        return MetricComputation("binary", name, threshold=0.5, picked_by_keras=True)
    if is_sparse:
        return MetricComputation("sparse_categorical", name, picked_by_keras=True)
    return MetricComputation("categorical", name, picked_by_keras=True)


def judge(computation: MetricComputation, verdict) -> Judgement:
    """Is ``computation`` the accuracy that ``verdict`` says is right?

    Only a certain verdict can call a metric wrong. Where the facts leave two
    accuracies open, a metric is wrong only if it is wrong for both; where the
    verdict rests on a guess, "wrong" becomes "can't tell", with the fact that
    would settle it. Each cause below is the sentence a user reads in a warning,
    a report or the monitor's summary; it is written once, here.
    """
    name = f"'{computation.name}'"
    alternatives = getattr(verdict, "alternatives", ())
    if alternatives:
        judgements = [_judge_against(computation, spec, verdict.facts) for spec in alternatives]
        if all(j.correct is False for j in judgements):
            return judgements[0]
        if all(j.correct is True for j in judgements):
            return Judgement(True)
        return Judgement(None, f"Can't tell yet whether {name} is right: that depends on "
                               f"{verdict.settled_by}.")
    judgement = _judge_against(computation, verdict.spec, verdict.facts)
    guessed = getattr(verdict, "guessed", False)
    if guessed and judgement.correct is not None and computation.kind != "truacc":
        settled_by = getattr(verdict, "settled_by", None) or "the loss or the output activation"
        return Judgement(
            None,
            f"Can't tell whether {name} is right: the accuracy meant here was guessed, "
            f"not known. What would settle it: {settled_by}.",
        )
    return judgement


def _judge_against(computation: MetricComputation, spec, facts) -> Judgement:
    name = f"'{computation.name}'"
    kind = computation.kind
    out_shape = format_shape(facts.output_shape) if facts is not None else "?"
    keras_line = spec.keras_metric_line()
    seen = getattr(facts, "label_values", None)  # labels given to inspect(y=...)
    signed = seen is not None and seen.minimum is not None and seen.minimum < 0
    if keras_line and spec.scale == "scores" and seen is None:
        keras_line += " if the labels are 0/1"  # a hinge loss also takes -1/+1 labels
    fix = FIX_LINE + (f"  # or {keras_line}" if keras_line and not signed else "")

    if kind == "truacc":
        return Judgement(True)
    if kind == "top_k":
        return Judgement(None, f"{name} is top-{computation.k} accuracy, a different figure by design.",
                         by_design=True)
    if kind == "unknown":
        return Judgement(None, f"{name} is not a metric truacc can read.")
    if spec.task == "none":
        return Judgement(
            False,
            f"{name} computes {computation.describe()}, but this output is not a "
            "classification, so accuracy has no meaning (a regression output is "
            "'accurate' only where it equals the label after rounding).",
            "metrics=['mae']  # or another regression metric",
        )
    if spec.ignore_class is not None and kind in ("categorical", "sparse_categorical", "binary"):
        return Judgement(
            False,
            f"{name} counts every position, but the loss ignores positions labelled "
            f"{spec.ignore_class} (ignore_class={spec.ignore_class}), so padding is counted "
            "as if it were data.",
            fix,
        )
    if kind == "binary" and signed and spec.task in ("binary", "multilabel"):
        return Judgement(
            False,
            f"{name} compares each label with a 0/1 decision, but the labels hold "
            f"{facts.label_values.minimum:g} for the negative class (as a hinge loss allows), "
            "so no negative is ever counted right, at any threshold.",
            fix,
        )
    if kind == "exact":
        return Judgement(
            False,
            f"{name} is keras.metrics.Accuracy, which counts outputs exactly equal to "
            "the labels; float scores almost never are.",
            fix,
        )
    if spec.task == "multiclass":
        return _judge_on_multiclass(computation, spec, facts, name, fix)
    if spec.task == "binary":
        return _judge_on_binary(computation, spec, name, out_shape, fix)
    return _judge_on_multilabel(computation, spec, name, fix)


def _judge_on_multiclass(c, spec, facts, name, fix) -> Judgement:
    classes = spec.num_classes
    if c.kind == "binary":
        softmax = facts is not None and facts.activation == "softmax"
        if classes == 2 and spec.labels == "one_hot" and c.threshold == 0.5 and softmax:
            # A 2-way softmax with one-hot labels: thresholding each column at 0.5
            # gives the argmax decision on both columns.
            return Judgement(True)
        baseline = f"; a model that predicts nothing scores {(classes - 1) / classes:.2f}" if classes else ""
        return Judgement(
            False,
            f"{name} computes binary accuracy: it thresholds each of the {classes} class "
            f"scores at {c.threshold:g} and averages {classes} per-class 0/1 decisions per "
            f"row{baseline}. The meant accuracy is the argmax.",
            fix,
        )
    if c.kind == "categorical" and spec.labels == "sparse":
        return Judgement(
            False,
            f"{name} computes CategoricalAccuracy, which expects one-hot labels, but the "
            "labels are class indices: it compares argmaxes of the wrong axis.",
            fix,
        )
    if c.kind == "sparse_categorical" and spec.labels == "one_hot":
        return Judgement(
            False,
            f"{name} computes SparseCategoricalAccuracy, which expects class indices, but "
            "the labels are one-hot rows.",
            fix,
        )
    return Judgement(True)


def _judge_on_binary(c, spec, name, out_shape, fix) -> Judgement:
    if c.kind in ("categorical", "sparse_categorical"):
        if spec.num_classes is None and (spec.labels == "binary"):
            cause = (
                f"{name} computes {c.describe()}: an argmax over the output's last axis. "
            )
            if out_shape.count(",") == 1 and out_shape.endswith(",)"):
                cause += (
                    f"The output {out_shape} has no class axis, so that argmax runs across "
                    "the batch and the figure means nothing."
                )
            else:
                cause += (
                    f"Over a single unit {out_shape} it is always class 0, so the figure is "
                    "the share of negative labels."
                )
            return Judgement(False, cause, fix)
        return Judgement(True)
    if c.kind == "binary":
        return _judge_threshold(c, spec, name, fix)
    return Judgement(True)


def _judge_on_multilabel(c, spec, name, fix) -> Judgement:
    if c.kind in ("categorical", "sparse_categorical"):
        return Judgement(
            False,
            f"{name} computes {c.describe()}: the argmax of a multi-hot row counts one "
            "label per sample, and rows with no positive label count as class 0. "
            "The meant figures are per-label accuracy and exact-match accuracy.",
            fix,
        )
    if c.kind == "binary":
        return _judge_threshold(c, spec, name, fix)
    return Judgement(True)


def _judge_threshold(c, spec, name, fix) -> Judgement:
    t = c.threshold if c.threshold is not None else 0.5
    if spec.positive_below:
        return Judgement(
            False,
            f"{name} counts outputs above {t:g} as label 1, but the loss makes outputs "
            f"below {spec.decision_threshold:g} mean label 1 (a distance: small means 1), so "
            "it counts each decision the wrong way round.",
            fix,
        )
    if spec.scale in ("logits", "scores") and t == 0.5 and spec.decision_threshold != 0.5:
        what = (
            "logits (the loss has from_logits=True)"
            if spec.scale == "logits"
            else "scores (a hinge loss, or a loss that decides at 0)"
        )
        return Judgement(
            False,
            f"{name} thresholds at 0.5, but the model outputs {what}, whose decision point "
            f"is {spec.decision_threshold:g}: outputs in ({spec.decision_threshold:g}, 0.5] "
            "are positive yet counted as negative.",
            fix,
        )
    if spec.scale == "probabilities" and not 0.0 < t < 1.0:
        return Judgement(
            False,
            f"{name} thresholds at {t:g}, outside (0, 1), but the outputs are probabilities.",
            fix,
        )
    return Judgement(True)
