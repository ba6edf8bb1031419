"""Which task an output serves: binary, exclusive classes (argmax), multi-label, or
none; from the loss first, then the activation and the shapes, then the labels.

Each rule is a function of one resolution in progress (``resolver._Resolution``):
it reads its facts and writes the task, its reason and any problem or guess.
"""

from __future__ import annotations

from keras_truacc.decision.facts import format_shape
from keras_truacc.decision.verdict import ONE_POSITIVE_PER_ROW


def decide_task(r) -> None:
    f, o = r.facts, r.overrides
    size = f.class_axis_size
    act = f.activation
    if o.task is not None:
        r.task = o.task
        r.reason(f"task={o.task!r} was set explicitly.")
        return
    if act == "softmax" and size == 1:
        r.problem(
            "softmax_unit_axis",
            "error",
            f"{r.output_desc()} applies softmax over a size-1 axis, so it is "
            "always 1.0 and the model cannot learn; accuracy equals the share of "
            "positive labels. Fix: use `Dense(1, activation='sigmoid')` for a "
            "binary problem, or `Dense(num_classes, activation='softmax')`.",
        )
    meaning = r.meaning
    if meaning is not None:
        family = meaning.family
        desc = meaning.description
        if family == "regression":
            r.task = "none"
            r.reason(f"The loss is {desc}, a regression loss: no classes to count.")
            r.problem(
                "regression_accuracy",
                "warning",
                f"{r.output_desc()} is trained with {r.loss_name}, a regression "
                "loss; accuracy has no meaning here (Keras's BinaryAccuracy would "
                "count outputs that round to the label). Fix: use "
                "`metrics=['mae']` or another regression metric.",
            )
            return
        if family == "not_accuracy":
            r.task = "none"
            r.reason(f"The loss is {desc}: outputs are not per-sample class scores.")
            return
        if family == "sparse_categorical":
            r.task = "multiclass"
            r.labels = "sparse"
            r.reason(f"The loss is {desc}: one class per row, class-index labels.")
            if r.single_unit:
                r.problem(
                    "sparse_on_unit_axis",
                    "error",
                    f"{r.output_desc()} has a single unit, but {r.loss_name} "
                    "expects one score per class; argmax over one unit is always "
                    "class 0. Fix: `Dense(num_classes)` before the loss, or "
                    "`binary_crossentropy` with `Dense(1, activation='sigmoid')`.",
                )
            return
        if family == "categorical":
            r.task = "multiclass"
            r.labels = "one_hot"
            r.reason(f"The loss is {desc}: one class per row, one-hot labels.")
            if r.single_unit:
                r.problem(
                    "categorical_on_unit_axis",
                    "error",
                    f"{r.output_desc()} has a single unit, but {r.loss_name} "
                    "over one class is always 0, so nothing is learned. Fix: use "
                    "`binary_crossentropy` with `Dense(1, activation='sigmoid')`.",
                )
            return
        if family == "shape_picked":
            decide_task_like_keras_crossentropy(r)
            return
        if family in ("binary", "hinge"):
            if r.single_unit:
                r.task = "binary"
                r.reason(f"The loss is {desc} on a single unit: a binary task.")
            elif r.units_unknown:
                r.task = "binary"
                r.guess("the output's shape (its class axis)")
                r.reason(
                    f"The loss is {desc}, but the output's shape "
                    f"{format_shape(f.output_shape)} doesn't say how many units it has; "
                    "read as binary until the first batch shows it."
                )
            elif act == "softmax":
                r.task = "multiclass"
                r.reason(
                    f"The loss is {desc}, but the output is a softmax over {size} "
                    "classes, which makes them exclusive: the meant accuracy is the "
                    "argmax (the classic 'binary vs categorical crossentropy' case)."
                )
            else:
                decide_units_scored_one_by_one(r, desc)
            return
    decide_task_without_loss(r)

def decide_units_scored_one_by_one(r, desc: str) -> None:
    """K > 1 units, each scored on its own by the loss. The loss doesn't make the
    classes independent; the labels decide: one positive in every row means
    exclusive classes (argmax), several or none means multi-label."""
    f = r.facts
    size = f.class_axis_size
    rows = f.label_values.rows_one_hot if f.label_values is not None else None
    if rows is True:
        r.task = "multiclass"
        r.labels = "one_hot"
        r.reason(
            f"The loss ({desc}) scores the {size} units one by one, but every label row "
            "holds exactly one positive: the classes are exclusive, so the meant "
            "accuracy is the argmax."
        )
        return
    r.task = "multilabel"
    if rows is False:
        r.reason(
            f"The loss is {desc} over {size} units and some label rows hold several "
            "positives (or none): a multi-label task, each unit its own yes/no decision."
        )
        return
    r.open_on_label_rows = True
    r.settled_by = ONE_POSITIVE_PER_ROW
    r.reason(
        f"The loss is {desc} over {size} units, each its own yes/no decision: multi-label, "
        "unless every label row holds exactly one positive (then the classes are "
        "exclusive and the argmax is meant). The labels settle it."
    )

def decide_task_like_keras_crossentropy(r) -> None:
    f = r.facts
    if r.units_unknown:
        r.guess("the output's shape (its class axis)")
    r.task = "binary" if r.single_unit or r.units_unknown else "multiclass"
    r.reason(
        "The loss is Keras's 'crossentropy' alias, which Keras resolves from shapes; "
        f"the output shape {format_shape(f.output_shape)} makes it {r.task}."
    )

def decide_task_without_loss(r) -> None:
    f = r.facts
    size = f.class_axis_size
    act = f.activation
    if f.has_model and f.loss is None:
        r.problem(
            "no_loss",
            "note",
            f"{r.output_desc()} has no compiled loss; the task is read from its "
            "activation, its shapes and the labels.",
        )
    elif f.loss is not None:
        r.reason(f"The loss {f.loss.name!r} is not one Keras ships.")
        probe = f.loss.probe
        if probe is not None and (probe.failed or probe.exclusive is None):
            r.reasons.extend(probe.notes)
            r.reason("So the task is read from the activation, the shapes and the labels.")
    if r.probe is not None and r.probe.exclusive is not None:
        r.reasons.extend(r.probe.notes)
        if r.single_unit:
            r.task = "binary"
            r.reason("The output has a single unit: binary.")
        elif r.probe.exclusive:
            r.task = "multiclass"
            r.reason("The loss couples the units (one class per row): argmax.")
        else:
            decide_units_scored_one_by_one(r, "a custom loss")
        return
    if r.single_unit:
        r.task = "binary"
        r.reason(f"The output has a single unit {format_shape(f.output_shape)}: binary.")
        return
    if r.units_unknown:
        r.task = "multiclass" if r.labels_are_class_indices() else "binary"
        r.guess("the output's shape (its class axis)")
        r.reason(
            f"The output's shape {format_shape(f.output_shape)} doesn't say how many "
            f"units it has; read as {r.task} until the first batch shows it."
        )
        return
    if r.labels_are_class_indices():
        r.task = "multiclass"
        r.labels = "sparse"
        r.reason(
            f"The labels {format_shape(f.label_shape)} are class indices and the output "
            f"has {size} units: one class per row, so the argmax, whatever the activation."
        )
        return
    if act == "softmax":
        r.task = "multiclass"
        r.reason(f"The output is a softmax over {size} classes: multiclass, argmax.")
        return
    values = f.label_values
    same_shape = f.label_shape is not None and len(f.label_shape) == f.output_rank
    if same_shape and f.label_shape[-1] == size and values is not None and values.values_binary:
        if values.rows_one_hot:
            r.task = "multiclass"
            r.labels = "one_hot"
            r.reason(
                "Every label row holds exactly one 1: the classes are exclusive, argmax."
            )
            return
        r.task = "multilabel"
        r.reason(
            "Some label rows hold several 1s (or none): multi-label, each unit its own "
            "yes/no decision."
        )
        return
    if act == "sigmoid":
        decide_units_scored_one_by_one(r, f"{size} independent sigmoids")
        return
    r.task = "multiclass"
    r.reason(f"The output has {size} units and no loss says otherwise: read as argmax.")
    r.guess("the loss (compile one, or pass task= to truacc.auto()) or the labels")
