"""Keras metrics beyond accuracy whose meaning depends on the output's scale or the
labels' form, judged against the verdict: AUC, Precision/Recall and the confusion
counts, the ...AtRecall family, F1/F-beta, the IoU family, top-k, the probabilistic
metrics and the hinge metrics.

A metric is called wrong only when the facts make it certain (the scale known from
the loss or the activation, the label form from the shapes); a configuration that is
a different figure by design (``Precision()`` per unit on a softmax) is said to be
that; an explicit choice Keras allows (``Precision(thresholds=0.3)``) is taken as
meant. A wrong metric's judgement carries the Keras line that is right, and, where
one Keras class with other arguments computes it, that class and its arguments
(``Judgement.corrected``), from which the monitor can build a true twin.

>>> from keras_truacc.decision.facts import LossFacts, OutputFacts
>>> from keras_truacc.decision.resolver import resolve
>>> verdict = resolve(OutputFacts((None, 1), activation="linear", has_model=True,
...     loss=LossFacts("binary_crossentropy", from_logits=True), label_shape=(None, 1)))
>>> j = judge_family(FamilyMetric("AUC", "auc", {"from_logits": False}), verdict)
>>> j.correct, j.fix
(False, 'keras.metrics.AUC(from_logits=True)')
>>> judge_family(FamilyMetric("AUC", "auc", {"from_logits": True}), verdict).correct
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keras_truacc.decision.keras_choice import Judgement

# Keras's class -> the family whose rules judge it.
FAMILIES = {
    "AUC": "auc",
    "Precision": "thresholded",
    "Recall": "thresholded",
    "TruePositives": "thresholded",
    "FalsePositives": "thresholded",
    "TrueNegatives": "thresholded",
    "FalseNegatives": "thresholded",
    "PrecisionAtRecall": "at_point",
    "RecallAtPrecision": "at_point",
    "SensitivityAtSpecificity": "at_point",
    "SpecificityAtSensitivity": "at_point",
    "F1Score": "f_score",
    "FBetaScore": "f_score",
    "IoU": "iou",
    "MeanIoU": "iou",
    "OneHotIoU": "one_hot_iou",
    "OneHotMeanIoU": "one_hot_iou",
    "BinaryIoU": "binary_iou",
    "TopKCategoricalAccuracy": "top_k",
    "SparseTopKCategoricalAccuracy": "top_k",
    "BinaryCrossentropy": "crossentropy",
    "CategoricalCrossentropy": "crossentropy",
    "SparseCategoricalCrossentropy": "crossentropy",
    "KLDivergence": "kl_divergence",
    "Hinge": "hinge",
    "SquaredHinge": "hinge",
    "CategoricalHinge": "hinge",
}

# The arguments a family's rules read, with Keras's defaults.
_ARGUMENTS = (
    "from_logits", "thresholds", "threshold", "top_k", "class_id", "num_classes",
    "sparse_y_true", "sparse_y_pred", "target_class_ids", "k", "multi_label",
)


@dataclass(frozen=True)
class FamilyMetric:
    """A compiled metric of one of ``FAMILIES``: its Keras class, its log name and the
    arguments the rules read (``config``, from ``get_config()``)."""

    class_name: str
    name: str
    config: dict = field(default_factory=dict, hash=False)
    kind: str = "family"  # beside ``keras_choice.MetricComputation``'s kinds
    picked_by_keras: bool = False
    # The arguments the user gave, as written: those that differ from the class's
    # defaults (a fix line keeps them, so that copying it changes only what is wrong).
    arguments: tuple = ()

    @property
    def family(self) -> str:
        return FAMILIES[self.class_name]

    def describe(self) -> str:
        """The metric as a line of code: the arguments the user gave, then those the
        rules read that are set by default (``k=5``).

        >>> FamilyMetric("AUC", "prc", {"curve": "PR"}, arguments=(("curve", "PR"),)).describe()
        "AUC(curve='PR')"
        >>> FamilyMetric("SparseTopKCategoricalAccuracy", "top", {"k": 5}).describe()
        'SparseTopKCategoricalAccuracy(k=5)'
        """
        shown = dict(self.arguments)
        for key in _ARGUMENTS:
            value = self.config.get(key)
            if key not in shown and value is not None and value is not False:
                shown[key] = value
        return f"{self.class_name}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def output_scale(verdict) -> str | None:
    """What the output holds: ``"logits"``, ``"probabilities"``, ``"log_probabilities"``,
    ``"scores"`` (hinge), or ``None`` when the facts don't say."""
    spec, facts = verdict.spec, verdict.facts
    if spec.scale in ("logits", "probabilities", "scores"):
        return spec.scale
    if facts is None:
        return None
    if facts.activation in ("softmax", "sigmoid", "hard_sigmoid"):
        return "probabilities"
    if facts.activation == "log_softmax":
        return "log_probabilities"
    loss = facts.loss
    if loss is not None and loss.from_logits and facts.activation in ("linear", None):
        return "logits"
    return None


def judge_family(metric: FamilyMetric, verdict) -> Judgement:
    """Is ``metric`` the figure its name promises on this output? As
    ``keras_choice.judge``: only a certain verdict calls it wrong; while the facts
    leave two accuracies open, it is wrong only if wrong for both; on a guess, "wrong"
    becomes "can't tell", with the fact that would settle it."""
    name = f"'{metric.name}'"
    alternatives = getattr(verdict, "alternatives", ())
    if alternatives:
        from dataclasses import replace

        judgements = [_judge(metric, replace(verdict, spec=spec, alternatives=()))
                      for spec in alternatives]
        if all(j.correct is False for j in judgements):
            return judgements[0]
        if all(j.correct is True for j in judgements):
            return Judgement(True)
        return Judgement(None, f"Can't tell yet whether {name} is right: that depends on "
                               f"{verdict.settled_by}.")
    judgement = _judge(metric, verdict)
    if getattr(verdict, "guessed", False) and judgement.correct is False:
        settled_by = verdict.settled_by or "the loss or the output activation"
        return Judgement(None, f"Can't tell whether {name} is right: what the output holds "
                               f"was guessed, not known. What would settle it: {settled_by}.")
    return judgement


def _judge(metric: FamilyMetric, verdict) -> Judgement:
    if verdict.spec.task == "none":
        return Judgement(None, f"'{metric.name}' is not judged: this output is not a "
                               "classification.")
    rules = {
        "auc": _auc, "thresholded": _thresholded, "at_point": _at_point, "f_score": _f_score,
        "iou": _iou, "one_hot_iou": _one_hot_iou, "binary_iou": _binary_iou, "top_k": _top_k,
        "crossentropy": _crossentropy, "kl_divergence": _kl_divergence, "hinge": _hinge,
    }
    return rules[metric.family](_Case(metric, verdict))


@dataclass(frozen=True)
class _Case:
    """One metric on one output, with the facts the rules read."""

    metric: FamilyMetric
    verdict: object

    @property
    def name(self) -> str:
        return f"'{self.metric.name}'"

    @property
    def config(self) -> dict:
        return self.metric.config

    @property
    def scale(self) -> str | None:
        return output_scale(self.verdict)

    @property
    def task(self) -> str:
        return self.verdict.spec.task

    @property
    def labels(self) -> str | None:
        """``"sparse"`` (class indices), ``"one_hot"``, ``"binary"`` or ``"multi_hot"``."""
        return self.verdict.spec.labels

    @property
    def units(self) -> int | None:
        facts = self.verdict.facts
        return facts.class_axis_size if facts is not None else None

    def wrong(self, cause: str, changes: dict | None = None, fix: str | None = None,
              class_name: str | None = None) -> Judgement:
        """A wrong metric; ``changes`` to its arguments (and ``class_name``, if another
        class) make it right, and the fix line shows them."""
        if changes is None:
            return Judgement(False, cause, fix or "")
        target = class_name or self.metric.class_name
        same = target == self.metric.class_name
        # The same class keeps the user's other arguments in the line; another class
        # shows only what it needs.
        kept = {k: v for k, v in self.metric.arguments if k not in changes} if same else {}
        shown = ", ".join(f"{k}={v!r}" for k, v in {**kept, **changes}.items())
        line = fix or f"keras.metrics.{target}({shown})"
        # Another class: its own defaults, with the changes; the same: the user's
        # arguments, with the changes.
        config = {k: v for k, v in self.config.items() if k != "name"} if same else {}
        config.update(changes)
        config["name"] = self.metric.name
        return Judgement(False, cause, line, corrected=(target, tuple(sorted(config.items()))))

    def by_design(self, what: str) -> Judgement:
        return Judgement(None, f"{self.name} is {what}, a different figure by design.",
                         by_design=True)

    def scale_unknown(self) -> Judgement:
        return Judgement(None, f"Can't tell whether {self.name} is right: nothing says "
                               "whether the outputs are logits or probabilities. What would "
                               "settle it: from_logits= in the loss, or the output activation.")

    def labels_unlike_outputs(self) -> Judgement:
        return Judgement(None, f"{self.name} takes labels shaped like the outputs; these are "
                               "class indices, which Keras rejects or misreads here.")


_SIGMOID_FIX = ("give it probabilities: put the sigmoid in the model "
                "(activation='sigmoid', and from_logits=False in the loss)")


def _auc(case: _Case) -> Judgement:
    from_logits = bool(case.config.get("from_logits", False))
    if case.scale is None:
        return case.scale_unknown()
    if case.task == "multiclass" and case.labels == "sparse":
        return case.labels_unlike_outputs()
    if case.scale in ("logits", "scores") and not from_logits:
        return case.wrong(
            f"{case.name} places its thresholds in [0, 1], but the model outputs "
            f"{case.scale}: every output outside [0, 1] falls into the first or the last "
            "threshold, so the curve is drawn from a handful of points.",
            {"from_logits": True})
    if case.scale == "probabilities" and from_logits:
        return case.wrong(
            f"{case.name} has from_logits=True, but the outputs are probabilities already: "
            "the sigmoid it applies squeezes them into [0.5, 0.73], between a quarter of "
            "its thresholds.",
            {"from_logits": False})
    if case.task == "multiclass" and not case.config.get("multi_label"):
        return case.by_design("one AUC over every class's column pooled together (micro)")
    return Judgement(True)


def _decision_point(case: _Case) -> float:
    return 0.0 if case.scale in ("logits", "scores") else 0.5


def _thresholded(case: _Case) -> Judgement:
    if case.task == "multiclass" and case.labels == "sparse":
        return case.labels_unlike_outputs()
    if case.config.get("top_k") is not None:
        return Judgement(True)  # the top-k outputs of each row: any scale ranks alike
    if case.scale is None:
        return case.scale_unknown()
    if case.config.get("thresholds") is None and case.scale in ("logits", "scores"):
        return case.wrong(
            f"{case.name} counts outputs above 0.5 as positive, but the model outputs "
            f"{case.scale}, whose decision point is 0: outputs in (0, 0.5] are positive "
            "yet counted as negative.",
            {"thresholds": 0.0})
    if case.task == "multiclass" and case.config.get("class_id") is None:
        return case.by_design("computed over every class's column pooled together, each "
                              "thresholded on its own (micro)")
    return Judgement(True)


def _at_point(case: _Case) -> Judgement:
    if case.scale is None:
        return case.scale_unknown()
    if case.scale in ("logits", "scores"):
        return case.wrong(
            f"{case.name} searches thresholds in [0, 1] only, and has no from_logits, but "
            f"the model outputs {case.scale}.",
            fix=_SIGMOID_FIX)
    return Judgement(True)


def _f_score(case: _Case) -> Judgement:
    threshold = case.config.get("threshold")
    if threshold is None:
        if case.units == 1 or case.task == "binary":
            return case.wrong(
                f"{case.name} has threshold=None, so it takes the argmax of each row; over a "
                "single unit that is always the positive class.",
                {"threshold": 0.5} if case.scale == "probabilities" else None,
                None if case.scale == "probabilities" else _SIGMOID_FIX)
        if case.task == "multilabel":
            return case.wrong(
                f"{case.name} has threshold=None, so it takes the argmax of each row: one "
                "label per sample, where each label is decided on its own.",
                {"threshold": 0.5} if case.scale == "probabilities" else None,
                None if case.scale == "probabilities" else _SIGMOID_FIX)
        return Judgement(True)
    if case.scale in ("logits", "scores") and case.task in ("binary", "multilabel"):
        return case.wrong(
            f"{case.name} thresholds at {threshold:g}, but the model outputs {case.scale}, "
            "whose decision point is 0, and F1Score takes thresholds in (0, 1] only.",
            fix=_SIGMOID_FIX)
    return Judgement(True)


def _iou(case: _Case) -> Judgement:
    sparse_y_pred = case.config.get("sparse_y_pred", True)
    if sparse_y_pred and case.units == 1 and case.task == "binary":
        if case.scale is None:
            return case.scale_unknown()
        threshold = _decision_point(case)
        return case.wrong(
            f"{case.name} reads the outputs as class ids, but the model outputs one "
            f"{'probability' if threshold else 'logit'} per position: cast to an integer, "
            "nearly every one is class 0.",
            {"target_class_ids": [0, 1], "threshold": threshold},
            f"keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold={threshold:g})",
            class_name="BinaryIoU")
    if case.task != "multiclass":
        return Judgement(None, f"{case.name} is not judged on an output whose units are "
                               "decided one by one.")
    changes, causes = {}, []
    if sparse_y_pred and case.units and case.units > 1:
        changes["sparse_y_pred"] = False
        causes.append(
            f"{case.name} has sparse_y_pred=True, so it reads the outputs as class ids, but "
            f"the model outputs {case.units} scores per position: each is cast to a class "
            "id (0 for any probability below 1).")
    if case.config.get("sparse_y_true", True) and case.labels == "one_hot":
        changes["sparse_y_true"] = False
        causes.append(f"{case.name} has sparse_y_true=True, but the labels are one-hot rows.")
    classes = case.config.get("num_classes")
    if classes is not None and case.units and case.units > 1 and classes != case.units:
        changes["num_classes"] = case.units
        causes.append(f"{case.name} has num_classes={classes}, but the output has "
                      f"{case.units} classes.")
    if changes:
        if "num_classes" not in changes and classes is not None:
            changes = {"num_classes": classes, **changes}
        return case.wrong(" ".join(causes), changes)
    return Judgement(True)


def _one_hot_iou(case: _Case) -> Judgement:
    if case.labels == "sparse":
        return case.wrong(
            f"{case.name} expects one-hot labels, but the labels are class indices.",
            {"num_classes": case.units, "sparse_y_pred": False},
            f"keras.metrics.MeanIoU(num_classes={case.units}, sparse_y_pred=False)",
            class_name="MeanIoU")
    return Judgement(True)


def _binary_iou(case: _Case) -> Judgement:
    if case.scale is None:
        return case.scale_unknown()
    threshold = float(case.config.get("threshold", 0.5))
    if case.scale in ("logits", "scores") and threshold == 0.5:
        return case.wrong(
            f"{case.name} thresholds at 0.5, but the model outputs {case.scale}, whose "
            "decision point is 0.",
            {"threshold": 0.0})
    return Judgement(True)


def _top_k(case: _Case) -> Judgement:
    k = int(case.config.get("k", 5))
    sparse_metric = case.metric.class_name.startswith("Sparse")
    if case.units is not None and case.units <= k:
        return case.wrong(
            f"{case.name} counts a hit when the label is among the top {k} of "
            f"{case.units} outputs: always, so it is always 1.0.",
            fix=f"a k below {case.units}, or metrics=['accuracy'] for k=1")
    if not sparse_metric and case.labels == "sparse":
        return case.wrong(
            f"{case.name} expects one-hot labels, but the labels are class indices.",
            {"k": k}, class_name="SparseTopKCategoricalAccuracy")
    if sparse_metric and case.labels == "one_hot":
        return case.wrong(
            f"{case.name} expects class indices, but the labels are one-hot rows.",
            {"k": k}, class_name="TopKCategoricalAccuracy")
    return case.by_design(f"top-{k} accuracy")


def _crossentropy(case: _Case) -> Judgement:
    cls = case.metric.class_name
    if case.scale is None:
        return case.scale_unknown()
    from_logits = bool(case.config.get("from_logits", False))
    if cls == "CategoricalCrossentropy" and case.labels == "sparse":
        return case.wrong(f"{case.name} expects one-hot labels, but the labels are class "
                          "indices.", {"from_logits": case.scale == "logits"},
                          class_name="SparseCategoricalCrossentropy")
    if cls == "SparseCategoricalCrossentropy" and case.labels == "one_hot":
        return case.wrong(f"{case.name} expects class indices, but the labels are one-hot "
                          "rows.", {"from_logits": case.scale == "logits"},
                          class_name="CategoricalCrossentropy")
    if case.scale == "logits" and not from_logits:
        return case.wrong(
            f"{case.name} has from_logits=False, but the model outputs logits: it clips "
            "them into (0, 1) and reads them as probabilities.",
            {"from_logits": True})
    if case.scale == "probabilities" and from_logits:
        return case.wrong(
            f"{case.name} has from_logits=True, but the outputs are probabilities already.",
            {"from_logits": False})
    return Judgement(True)


def _kl_divergence(case: _Case) -> Judgement:
    if case.labels == "sparse":
        return case.wrong(
            f"{case.name} compares two distributions per row, but the labels are class "
            "indices.", fix="one-hot labels (keras.utils.to_categorical)")
    if case.scale is None:
        return case.scale_unknown()
    if case.scale in ("logits", "log_probabilities"):
        return case.wrong(
            f"{case.name} reads the outputs as probabilities (it has no from_logits), but "
            f"the model outputs {case.scale.replace('_', '-')}.",
            fix="give it probabilities: put the softmax in the model")
    return Judgement(True)


def _hinge(case: _Case) -> Judgement:
    if case.metric.class_name == "CategoricalHinge" and case.labels == "sparse":
        return case.wrong(
            f"{case.name} expects one-hot labels, but the labels are class indices.",
            fix="one-hot labels (keras.utils.to_categorical), or another metric")
    if case.metric.class_name != "CategoricalHinge" and case.labels == "sparse":
        return case.wrong(
            f"{case.name} expects a label per output unit, but the labels are class "
            "indices.",
            fix="one-hot labels (keras.utils.to_categorical), or CategoricalHinge on them")
    return Judgement(True)
