"""The labels: their form (class indices or one-hot), whether their shape and values
fit the output, label rows with no class set, and padded sequences.

Each rule is a function of one resolution in progress (``resolver._Resolution``).
"""

from __future__ import annotations

from keras_truacc.decision.facts import format_shape

# Keras losses for which a one-hot label row of all zeros adds nothing, whatever
# the output (without label smoothing).
_LOSSES_BLIND_TO_EMPTY_ROWS = frozenset(
    {"categorical_crossentropy", "categorical_focal_crossentropy"}
)


def decide_label_form(r) -> None:
    f = r.facts
    size = f.class_axis_size
    if f.label_shape is None:
        return
    label_rank, out_rank = len(f.label_shape), f.output_rank
    if label_rank == out_rank - 1 or (
        label_rank == out_rank and f.label_shape[-1] == 1 and size != 1
    ):
        form = "sparse"
    elif label_rank == out_rank:
        form = "one_hot"
    else:
        return  # check_shapes reports it
    if r.labels is not None and r.labels != form:
        family = r.meaning.family if r.meaning else ""
        if family in ("sparse_categorical", "categorical"):
            want = "class indices" if r.labels == "sparse" else "one-hot rows"
            r.problem(
                "label_form_mismatch",
                "error",
                f"{r.label_desc()} look like "
                f"{'class indices' if form == 'sparse' else 'one-hot rows'}, but "
                f"{r.loss_name} expects {want} for {r.output_desc()}. Fix: "
                + (
                    "use `sparse_categorical_crossentropy`."
                    if form == "sparse"
                    else "use `categorical_crossentropy`, or pass `y.argmax(-1)`."
                ),
            )
    r.labels = form

def check_shapes(r) -> None:
    f = r.facts
    if f.label_shape is None or r.task in (None, "none"):
        return
    out, lab = tuple(f.output_shape), tuple(f.label_shape)
    if r.task == "multiclass":
        if r.labels == "sparse":
            expected = out[:-1]
            compare = lab[:-1] if len(lab) == len(out) else lab
        else:
            expected, compare = out, lab
    elif r.task == "binary":
        expected = out[:-1] if f.has_unit_class_axis else out
        compare = lab[:-1] if len(lab) == len(expected) + 1 and lab[-1] == 1 else lab
    else:
        expected, compare = out, lab
    if len(expected) != len(compare) or any(
        a is not None and b is not None and a != b for a, b in zip(expected, compare)
    ):
        r.problem(
            "shape_mismatch",
            "error",
            f"{r.label_desc()} can't match {r.output_desc()} for a {r.task} "
            f"task: expected labels of shape {format_shape(expected)}"
            + (
                f" or {format_shape(out)} one-hot"
                if r.task == "multiclass"
                else ""
            )
            + ". Fix: reshape the labels, or check that they belong to this output.",
        )

def check_label_values(r) -> None:
    f = r.facts
    v = f.label_values
    if v is None or r.task in (None, "none"):
        return
    if v.dtype_kind in ("U", "S", "O"):
        r.problem(
            "string_labels",
            "error",
            f"{r.label_desc()} hold strings; accuracy needs numbers. Fix: map them "
            "to class indices, e.g. with `keras.layers.StringLookup` or "
            "`sklearn.preprocessing.LabelEncoder`.",
        )
        return
    if not v.all_finite:
        r.problem(
            "nonfinite_labels",
            "error",
            f"{r.label_desc()} contain NaN or inf. Fix: drop or impute those rows.",
        )
        return
    size = f.class_axis_size
    if r.task == "multiclass" and r.labels == "sparse":
        if not v.all_integer:
            r.problem(
                "fractional_labels",
                "error",
                f"{r.label_desc()} hold fractional values, but class indices must be "
                "whole numbers. Fix: pass integer class indices (`y.astype('int32')` "
                "if they are whole numbers stored as floats).",
            )
        elif v.count and (v.minimum < 0 or (size is not None and v.maximum >= size)):
            r.problem(
                "labels_out_of_range",
                "error",
                f"{r.label_desc()} hold class indices from {v.minimum:g} to "
                f"{v.maximum:g}, but {r.output_desc()} has {size} classes, so "
                f"indices must lie in [0, {size}). Fix: make the last layer "
                f"`Dense({int(v.maximum) + 1})` or re-encode the labels from 0.",
            )
    elif r.task == "multiclass" and r.labels == "one_hot":
        if v.rows_one_hot is False:
            soft = r.meaning is not None and r.meaning.family == "categorical"
            r.problem(
                "labels_not_one_hot",
                "warning" if soft and v.values_binary is False else "error",
                f"{r.label_desc()} are not one-hot: some rows don't hold exactly "
                "one 1. Argmax of such a row is its first largest entry. Fix: "
                "one-hot encode with `keras.utils.to_categorical(y, num_classes)`; "
                "if rows hold several true labels, use sigmoid + "
                "`binary_crossentropy` (multi-label).",
            )
    elif r.task in ("binary", "multilabel"):
        hinge = r.meaning is not None and r.meaning.family == "hinge"
        allowed = "{-1, 1} or {0, 1}" if hinge else "{0, 1}"
        low_ok = -1 if hinge else 0
        if v.count and (v.minimum < low_ok or v.maximum > 1):
            r.problem(
                "labels_out_of_range",
                "error",
                f"{r.label_desc()} range from {v.minimum:g} to {v.maximum:g}, but a "
                f"{r.task} output needs labels in {allowed}. Fix: binarise them, "
                "or, for more than two classes, use `Dense(num_classes, "
                "activation='softmax')` with `sparse_categorical_crossentropy`.",
            )
        elif not v.all_integer:
            r.problem(
                "soft_labels",
                "note",
                f"{r.label_desc()} are soft (not 0/1); a label counts as positive "
                "when it is above 0.5.",
            )

def decide_empty_rows(r) -> None:
    """One-hot rows with no class set (all zero: ``tf.one_hot`` of a "void" label,
    padded one-hot targets) are left out where the loss provably gives them no
    weight; Keras's accuracies count each as class 0."""
    r.skip_empty_rows = False
    if r.task != "multiclass" or r.labels != "one_hot":
        return
    loss = r.facts.loss
    if r.probe is not None:
        ignored = r.probe.ignores_empty_rows is True
    else:
        # Cross-entropy sums y_true * log(p): an all-zero row adds 0, whatever the
        # output. Label smoothing gives such a row mass on every class.
        ignored = (
            loss is not None
            and r.loss_name in _LOSSES_BLIND_TO_EMPTY_ROWS
            and not loss.label_smoothing
        )
    if ignored:
        r.skip_empty_rows = True
        r.reason(
            "Label rows with no class set (all zero) are left out: the loss gives them "
            "no weight (Keras's accuracies count each as class 0)."
        )

def check_sequences(r) -> None:
    """A sequence output (N, T, C) with no mask counts every position. Image maps
    (N, H, W, C) have no padding, so they get no note."""
    f = r.facts
    if f.output_rank != 3 or r.task in (None, "none") or f.masked:
        return
    if f.model_masked:
        r.problem(
            "mask_dropped",
            "warning",
            f"{r.output_desc()} comes from a model whose output has a mask, but this "
            "step received it without the mask (Keras 3's JAX train step drops it), so "
            "every accuracy of this step, Keras's and truacc's, counts the masked "
            "positions too. The validation (val_) and evaluate figures respect the mask. "
            "Fix, to count training right as well, where the padding has a label value "
            "no real position holds (P below): "
            "`SparseCategoricalCrossentropy(ignore_class=P)` with "
            "`metrics=[truacc.auto(ignore_class=P)]`, which need no mask. A value real "
            "positions hold too (0 for a real class 0) would drop them as well.",
        )
        return
    if r.ignore_class is not None:
        r.reason(f"Positions labelled {r.ignore_class} are ignored, as the loss does.")
        return
    if r.skip_empty_rows:
        return  # padded one-hot rows are all zero: left out, as the loss does
    if f.zero_weighted_positions:
        r.reason(
            "Positions of sample weight 0 are left out (a weight of 0 says: not a "
            "sample), so padding weighted 0 is not counted."
        )
        return
    r.problem(
        "unmasked_sequence",
        "note",
        f"{r.output_desc()} is a sequence with no mask and no ignored label, so "
        "every position counts, padding included, unless zero sample weights leave it "
        "out (accuracies in `weighted_metrics`, with `sample_weight` 0 on padding: then "
        "nothing needs fixing). Fix, if sequences are padded and nothing leaves the "
        "padding out: `Embedding(..., mask_zero=True)`; or, only where the padding "
        "label (0 here) is never a real label, `truacc.auto(ignore_class=0)` with "
        "`SparseCategoricalCrossentropy(ignore_class=0)`, which drop every position "
        "labelled 0.",
    )
