"""The monitor's checks: each a small function from logs, counts and facts to findings.

A ``Finding`` is what to say (a warning class, or ``None`` for a note in the
end-of-fit summary) and the key that says it once. The callback decides when
each check runs and says each finding once per fit; nothing here warns.

>>> finding = step_update_finding(updated=False, logs={"loss": 0.5})
>>> finding.category.__name__, finding.once
('UnmonitoredStepWarning', 'step does not update')
>>> step_update_finding(updated=True, logs={"loss": 0.5}) is None
True
"""

from __future__ import annotations

import dataclasses

from keras_truacc.decision.facts import format_shape
from keras_truacc.messages import (
    AccuracyMismatchWarning,
    BaselineWarning,
    DataWarning,
    MetricMismatchWarning,
    UnmonitoredStepWarning,
)

TRUE_KEY = "true_accuracy"
EXACT_KEY = "true_exact_match"
BASELINE_KEY = "majority_baseline"

# The padding warning: a sequence output with no mask and no ignored label, where
# at least this share of the positions lie in runs of label 0 that reach the start
# or the end of their sequence, as pre- or post-padding does.
PADDING_SHARE = 0.2


@dataclasses.dataclass(frozen=True)
class Finding:
    once: object  # said once per fit under this key
    category: type | None  # a warning class; None: a note in the summary
    message: str


@dataclasses.dataclass
class Mismatch:
    epoch: int
    split: str
    key: str
    reported: float
    true: float
    cause: str
    fix: str
    # The figures agree within the tolerance, but the metric computes the wrong thing.
    coincidence: bool = False


def mismatches(judged, logs, epoch, tolerance) -> list[Mismatch]:
    """Each compiled accuracy judged wrong, with what it reported and the true figure,
    on the train (or evaluate) split and the validation split."""
    found = []
    for key, true_key, judgement in judged:
        for prefix, split in (("", "train" if epoch is not None else "evaluate"),
                              ("val_", "validation")):
            reported, true = logs.get(prefix + key), logs.get(prefix + true_key)
            if reported is None or true is None or judgement.correct is not False:
                continue
            reported, true = float(reported), float(true)
            found.append(Mismatch(epoch, split, prefix + key, reported, true, judgement.cause,
                                  judgement.fix, abs(reported - true) <= tolerance))
    return found


def mismatch_finding(mismatch: Mismatch, tolerance) -> Finding:
    label = "" if mismatch.epoch is None else f"epoch {mismatch.epoch + 1}, "
    key, reported, true = mismatch.key, mismatch.reported, mismatch.true
    if mismatch.coincidence:
        message = (
            f"{label}{mismatch.split}: '{key}' reports {reported:.4f} and the true accuracy "
            f"is {true:.4f}: they are within {tolerance:g} of each other only by coincidence, "
            f"because '{key}' computes the wrong thing and can part from the true figure on "
            f"other data. Cause: {mismatch.cause} Fix: {mismatch.fix}"
        )
    else:
        message = (
            f"{label}{mismatch.split}: '{key}' reports {reported:.4f} but the true accuracy "
            f"is {true:.4f}. Cause: {mismatch.cause} Fix: {mismatch.fix}"
        )
    return Finding(("cause", mismatch.cause), AccuracyMismatchWarning, message)


def unweighted_note(unweighted_keys) -> Finding:
    return Finding(
        "weights", None,
        "fit was given sample_weight or class_weight: the loss weights samples, "
        f"but {', '.join(repr(k) for k in unweighted_keys)} (in metrics=) and "
        "true_accuracy count every sample once (samples of weight 0 are left "
        "out). For a weighted figure: `weighted_metrics=[truacc.auto()]` or "
        "`TruAccMonitor(weighted=True)`.",
    )


def step_update_finding(updated, logs) -> Finding | None:
    """A model whose own ``train_step``/``test_step`` never updates the compiled
    metrics gives the monitor nothing to count."""
    if updated or not logs:
        return None
    return Finding(
        "step does not update", UnmonitoredStepWarning,
        "TruAccMonitor saw batches run, but this model's train_step/test_step does "
        "not update the compiled metrics, so it has nothing to count and logs "
        "nothing. Fix: in the step, call `self.compute_metrics(x, y, y_pred, "
        "sample_weight)` (Keras's own steps do), or add `truacc.auto().bind(self)` to "
        "the metrics the step updates (its `metrics` property) and call its "
        "`update_state(y, y_pred)` there.",
    )


def empty_pass_finding(slot_keys, logs, updated, what, own_logs) -> Finding | None:
    """Keras returns empty logs from a pass over no data; say so plainly.

    A pass that logged anything at all (a loss, the model's own metrics) ran on
    data: if our keys are missing there, the step didn't update them, which
    ``step_update_finding`` says instead.
    """
    if not slot_keys or any(key in logs for key in slot_keys):
        return None
    ran = [k for k in logs if own_logs or not k.startswith("val_")]
    if ran or not updated:
        return None
    return Finding(
        "empty pass", DataWarning,
        f"{what} held no samples, so there is no true accuracy (and Keras logs no "
        "metrics) for it. Fix: check validation_data / validation_split and the "
        "dataset's length.",
    )


def data_findings(slot, counts, verdict, counting_keys) -> list[Finding]:
    """What one pass's counts show of the data of one output: nothing counted,
    NaN outputs, labels out of range, label rows with no class set (which the
    compiled accuracies ``counting_keys`` count as class 0), padding-like runs."""
    where = f"output '{slot.output_name}'" if slot.output_name else "the model's output"
    found = []
    if counts["total"] == 0:
        found.append(Finding(
            ("empty", slot.log_key), DataWarning,
            f"TruAccMonitor counted no samples for {where} in the last pass: the "
            "data was empty, every sample had weight 0, or every position was "
            "masked. true_accuracy is then logged as 0 (or not at all), as Keras "
            "does with its own metrics. Fix: check the data, validation_data / "
            "validation_split, the sample weights and the mask.",
        ))
    if verdict is None:
        return found
    facts = verdict.facts
    if counts["nonfinite_outputs"]:
        found.append(Finding(
            ("nan", slot.log_key), DataWarning,
            f"{int(counts['nonfinite_outputs'])} rows of {where} (y_pred, shape "
            f"{format_shape(facts.output_shape)}, dtype {facts.output_dtype}) held NaN or "
            "inf; they count as wrong. Fix: lower the learning rate, check the inputs for "
            "NaN, or add `keras.callbacks.TerminateOnNaN()`.",
        ))
    if counts["invalid_labels"]:
        spec = verdict.spec
        wanted = (
            f"class indices in [0, {spec.num_classes})"
            if spec.task == "multiclass"
            else "values in {0, 1}"
        )
        found.append(Finding(
            ("labels", slot.log_key), DataWarning,
            f"{int(counts['invalid_labels'])} labels for {where} (y_true, shape "
            f"{facts.label_shape}, dtype {facts.label_dtype}) were outside the "
            f"expected range: {wanted}. They count as wrong. Fix: re-encode the labels "
            "or widen the last layer.",
        ))
    if counts.get("empty_rows", 0.0):
        found.append(_empty_rows_finding(slot, where, facts, int(counts["empty_rows"]),
                                         counting_keys))
    share = counts["padding_like"] / counts["total"] if counts["total"] else 0.0
    if share >= PADDING_SHARE:
        found.append(Finding(
            ("padding", slot.log_key), DataWarning,
            f"{share:.0%} of the positions of {where} (y_true, shape "
            f"{format_shape(facts.label_shape)}) hold label 0 in runs that reach the "
            "start or the end of their sequence, as padding does, and no mask or "
            "ignored label leaves them out: if 0 is padding, every figure here counts "
            "it as data. Fix: `Embedding(..., mask_zero=True)`, or, only where 0 is never "
            "a real label (they drop every position labelled 0), "
            "`SparseCategoricalCrossentropy(ignore_class=0)` with "
            "`metrics=[truacc.auto(ignore_class=0)]` (for one-hot labels too).",
        ))
    return found


def _empty_rows_finding(slot, where, facts, empty, counting_keys) -> Finding:
    """Label rows with no class set, left out as the loss leaves them out: a warning
    where a compiled accuracy counts them, else a note in the summary."""
    said = (
        f"{empty} label rows of {where} (y_true, shape {format_shape(facts.label_shape)}, "
        f"dtype {facts.label_dtype}) have no class set (all zero: a void label through "
        "one_hot, or padded one-hot targets), and the loss gives them no weight: "
        "true_accuracy, the majority baseline and the data checks leave them out."
    )
    if not counting_keys:
        return Finding(("empty rows", slot.log_key), None, said)
    return Finding(
        ("empty rows", slot.log_key), DataWarning,
        f"{said} Keras's {', '.join(repr(k) for k in counting_keys)} count each of them as "
        "class 0. Fix, for Keras's figures to leave them out too: give those rows sample "
        "weight 0 and compile the accuracy in `weighted_metrics`, or use "
        "`metrics=[truacc.auto()]`.",
    )


def baseline_finding(slot, logs, tolerance, weighted_fit) -> Finding | None:
    """The true accuracy is no better than always answering the majority class.

    Said as what it is, a comparison of accuracies: the counts can't tell whether
    the predictions carry information about the labels (balanced accuracy at
    chance would). Under sample or class weights (``weighted_fit``), which trade
    accuracy for the rarer classes on purpose, it is a note in the summary."""
    prefix = slot.log_key[: -len(TRUE_KEY)]
    for split in ("val_", ""):
        true, base = logs.get(split + slot.log_key), logs.get(split + prefix + BASELINE_KEY)
        if true is None or base is None:
            continue
        true, base = float(true), float(base)
        # A baseline of 1.0 (one class only) or 0.0 (nothing counted) can't be beaten.
        useful = tolerance < base < 1.0 - tolerance
        if not useful or true > base + tolerance:
            return None
        of = f" of output {slot.output_name!r}" if slot.output_name else ""
        said = (
            f"The true accuracy{of} ({true:.4f}, {'validation' if split else 'train'}) is no "
            f"better than always answering the majority class ({base:.4f})"
        )
        if weighted_fit:
            return Finding(
                ("baseline", slot.log_key), None,
                f"{said}. fit was given sample or class weights, which trade accuracy for "
                "the rarer classes on purpose, so this alone doesn't say the model learned "
                "nothing: balanced accuracy or per-class recall does.",
            )
        return Finding(
            ("baseline", slot.log_key), BaselineWarning,
            f"{said}: by accuracy, a constant answer does as well. Whether the model learned "
            "anything else shows in balanced accuracy or per-class recall "
            "(`sklearn.metrics.balanced_accuracy_score` on `model.predict`). Fix, if it "
            "answers the majority class everywhere: re-weight classes (`class_weight=`), "
            "resample, or train longer.",
        )
    return None


def untwinned_finding(compiled_key: str, judgement) -> Finding:
    """A compiled metric that is wrong and has no twin: said, with the fix."""
    return Finding(
        ("twin", compiled_key), MetricMismatchWarning,
        f"'{compiled_key}' is set up wrong for this model. Cause: {judgement.cause} "
        f"Fix: {judgement.fix}. No true twin is logged beside it: {no_twin_reason(judgement)}.",
    )


def no_twin_reason(judgement) -> str:
    """Why a wrong compiled metric has no twin."""
    if judgement.corrected is None:
        return "no Keras metric class computes the right figure with other arguments"
    return ("what settled it, the label rows, was seen only once fit had begun "
            "(`truacc check` or `truacc.inspect(model, x=..., y=...)` says it before a fit)")


def twin_finding(twin_key: str, compiled_key: str, judgement) -> Finding:
    """A compiled metric that is certainly wrong, and the true twin logged beside it."""
    return Finding(
        ("twin", compiled_key), MetricMismatchWarning,
        f"'{compiled_key}' is set up wrong for this model. Cause: {judgement.cause} "
        f"Fix: {judgement.fix}. Meanwhile the right figure is logged as '{twin_key}' "
        f"(and 'val_{twin_key}').",
    )
