"""Facts about one output in, a verdict out: which accuracy is the right one.

The resolver reasons from the loss, the activation and the shapes, in that
order of trust. Values (labels seen in a batch, the range of the outputs) only
add checks, and decide only when nothing else can; the verdict then says it
guessed.

>>> from keras_truacc.decision.facts import LossFacts, OutputFacts
>>> v = resolve(OutputFacts(
...     output_shape=(None, 1), activation="linear", has_model=True,
...     loss=LossFacts("binary_crossentropy", from_logits=True),
...     label_shape=(None, 1)))
>>> v.spec.task, v.spec.scale, v.spec.decision_threshold
('binary', 'logits', 0.0)
>>> v.keras_is_wrong
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from keras_truacc.decision.facts import OutputFacts, format_shape
from keras_truacc.decision.losses import canonical_loss_name, meaning_of

TASKS = ("binary", "multiclass", "multilabel", "none")

PROBABILITY_ACTIVATIONS = {"sigmoid", "softmax", "hard_sigmoid", "log_softmax"}
RAW_ACTIVATIONS = {"linear", None}

# The fact that settles whether thresholded outputs are logits or probabilities (an
# argmax needs neither).
SCALE = "from_logits= (whether the outputs are logits or probabilities)"

# The fact that settles "multi-label or exclusive classes" for units scored one by one.
ONE_POSITIVE_PER_ROW = (
    "whether every label row holds exactly one positive (exclusive classes: argmax) or "
    "some rows hold several or none (multi-label: per-label accuracy)"
)


# Keras losses for which a one-hot label row of all zeros adds nothing, whatever
# the output (without label smoothing).
_LOSSES_BLIND_TO_EMPTY_ROWS = frozenset(
    {"categorical_crossentropy", "categorical_focal_crossentropy"}
)


@dataclass(frozen=True)
class AccuracySpec:
    """How to compute the accuracy the user means.

    - ``task``: ``"binary"``, ``"multiclass"``, ``"multilabel"`` or ``"none"``.
    - ``scale``: what the output holds for thresholded tasks: ``"probabilities"``,
      ``"logits"`` or ``"scores"`` (hinge); ``None`` for argmax, where it doesn't matter.
    - ``decision_threshold``: a unit is positive when ``output > decision_threshold``,
      compared on the output's own scale (0.5 for probabilities, 0 for logits).
    - ``labels``: ``"binary"``, ``"sparse"`` (class indices), ``"one_hot"``,
      ``"multi_hot"``, or ``None`` when the label shape is not known yet.
    """

    task: str
    scale: str | None = None
    decision_threshold: float | None = None
    labels: str | None = None
    num_classes: int | None = None
    ignore_class: int | None = None
    # One-hot rows with no class set (all zero) are left out: the loss ignores them.
    skip_empty_rows: bool = False
    # Outputs below the decision threshold mean label 1 (a distance, "near" = 1).
    positive_below: bool = False

    def describe(self) -> str:
        if self.task == "binary":
            if self.positive_below:
                return f"binary accuracy: {self.scale} < {self.decision_threshold:g} means 1"
            return f"binary accuracy: {self.scale} > {self.decision_threshold:g}"
        if self.task == "multiclass":
            labels = {"sparse": "class-index labels", "one_hot": "one-hot labels"}.get(
                self.labels, "labels of either form"
            )
            classes = f"{self.num_classes} classes" if self.num_classes else "classes"
            skipped = ", rows with no class set left out" if self.skip_empty_rows else ""
            return f"argmax over the last axis ({classes}), {labels}{skipped}"
        if self.task == "multilabel":
            return (
                f"multi-label: per-label accuracy ({self.scale} > "
                f"{self.decision_threshold:g}), exact-match logged beside it"
            )
        return "no accuracy: this output is not a classification"

    def keras_metric_line(self) -> str | None:
        """A Keras metric that computes the same figure, for users who want one
        (``None`` where none does: Keras's accuracies can't skip a class)."""
        if self.ignore_class is not None or self.positive_below:
            return None
        if self.task == "binary" or self.task == "multilabel":
            return f"keras.metrics.BinaryAccuracy(threshold={self.decision_threshold:g})"
        if self.task == "multiclass":
            if self.labels == "sparse":
                return "keras.metrics.SparseCategoricalAccuracy()"
            return "keras.metrics.CategoricalAccuracy()"
        return None


@dataclass(frozen=True)
class Problem:
    """Something wrong with the set-up or the data.

    ``severity`` is ``"error"`` (no accuracy can be right until it is fixed),
    ``"warning"`` (the number is computed but the set-up is suspect) or
    ``"note"`` (worth knowing, often fine).
    """

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """The resolver's answer for one output."""

    spec: AccuracySpec
    keras_choice: object  # keras_choice.MetricComputation for Keras's 'accuracy'
    keras_judgement: object  # keras_choice.Judgement of that choice
    reasons: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    guessed: bool = False
    facts: OutputFacts | None = field(default=None, compare=False, repr=False)
    # Specs the facts can't rule out yet, and the one fact that would settle
    # which is meant. ``spec`` is the one used until then.
    alternatives: tuple[AccuracySpec, ...] = ()
    settled_by: str | None = None
    # Every fact guessed (``guessed`` says whether any was).
    guesses: tuple[str, ...] = ()

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def certain(self) -> bool:
        """Whether the facts fix the accuracy: nothing guessed, nothing open."""
        return not self.guessed and not self.alternatives

    @property
    def settles_by_label_rows(self) -> bool:
        """Open only on whether every label row holds exactly one positive
        (then the classes are exclusive: argmax) or not (multi-label)."""
        return bool(self.alternatives) and self.settled_by == ONE_POSITIVE_PER_ROW

    def settle_by_label_rows(self, one_positive_per_row: bool, rows: int) -> Verdict:
        """This verdict once the labels have shown whether classes are exclusive.

        >>> from keras_truacc.decision.facts import LossFacts, OutputFacts
        >>> v = resolve(OutputFacts((None, 10), activation="linear", has_model=True,
        ...     loss=LossFacts("squared_hinge"), label_shape=(None, 10)))
        >>> v.task, v.certain, v.settle_by_label_rows(True, 500).task
        ('multilabel', False, 'multiclass')
        """
        if not self.settles_by_label_rows:
            return self
        from keras_truacc.decision.keras_choice import judge

        chosen = [a for a in self.alternatives if (a.task == "multiclass") == one_positive_per_row]
        spec = chosen[0] if chosen else self.spec
        if one_positive_per_row:
            why = (
                f"Every one of the {rows} label rows seen holds exactly one positive, so the "
                "classes are exclusive: the meant accuracy is the argmax."
            )
        else:
            why = (
                "Some label rows seen hold several positives (or none), so the units are "
                "independent labels: per-label accuracy."
            )
        # An argmax is the same on logits and on probabilities: that guess no longer counts.
        guesses = tuple(g for g in self.guesses if not (spec.task == "multiclass" and g == SCALE))
        settled = replace(self, spec=spec, alternatives=(), settled_by=(guesses or (None,))[0],
                          reasons=self.reasons + (why,), guesses=guesses, guessed=bool(guesses))
        return replace(settled, keras_judgement=judge(self.keras_choice, settled))

    @property
    def keras_is_wrong(self) -> bool:
        return self.keras_judgement.correct is False

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class Overrides:
    """What the user said explicitly. It always wins over what the facts say."""

    task: str | None = None
    from_logits: bool | None = None
    threshold: float | None = None  # on the probability scale
    ignore_class: int | None = None

    def __post_init__(self):
        if self.task is not None and self.task not in TASKS:
            raise ValueError(
                f"Expected argument `task` to be one of {TASKS}, but got {self.task!r}."
            )
        if self.threshold is not None and not 0.0 < float(self.threshold) < 1.0:
            raise ValueError(
                "Expected argument `threshold` to be a float in the (0, 1) range "
                f"(a probability), but got {self.threshold!r}."
            )


def resolve(facts: OutputFacts, overrides: Overrides | None = None) -> Verdict:
    """Decide which accuracy is right for one output, and why."""
    from keras_truacc.decision.keras_choice import judge, keras_accuracy_choice

    overrides = overrides or Overrides()
    state = _Resolution(facts, overrides)
    state.run()
    spec = state.spec()
    alternatives = state.alternatives()
    keras_choice = keras_accuracy_choice(facts.output_shape, facts.label_shape)
    provisional = Verdict(
        spec, keras_choice, None, guessed=state.guessed, facts=facts,
        alternatives=alternatives, settled_by=state.settled_by, guesses=tuple(state.guesses),
    )
    return replace(
        provisional,
        keras_judgement=judge(keras_choice, provisional),
        reasons=tuple(state.reasons),
        problems=tuple(state.problems),
    )


class _Resolution:
    """One resolution, step by step. Each step writes its reason next to its rule."""

    def __init__(self, facts: OutputFacts, overrides: Overrides):
        self.facts = facts
        self.overrides = overrides
        self.reasons: list[str] = []
        self.problems: list[Problem] = []
        self.guessed = False
        self.settled_by: str | None = None
        self.guesses: list[str] = []
        self.open_on_label_rows = False
        self.task: str | None = None
        self.labels: str | None = None
        self.scale: str | None = None
        self.threshold: float | None = None
        loss = facts.loss
        self.loss_name = canonical_loss_name(loss.name) if loss else None
        self.meaning = meaning_of(loss.name) if loss else None
        probe = loss.probe if loss is not None else None
        self.probe = probe if probe is not None and not probe.failed else None
        self.ignore_class = overrides.ignore_class
        self.skip_empty_rows = False
        self.positive_below = False
        if self.ignore_class is None and loss is not None:
            self.ignore_class = loss.ignore_class
        if self.ignore_class is None and self.probe is not None:
            self.ignore_class = self.probe.ignored_label
        size = facts.class_axis_size
        # A rank-1 output (N,) or a unit axis (N, 1): one decision per sample.
        self.single_unit = facts.output_rank == 1 or size == 1
        # A class axis whose size no fact gives (a subclassed model before its step).
        self.units_unknown = facts.output_rank >= 2 and size is None

    # -- helpers -------------------------------------------------------------
    def reason(self, text: str) -> None:
        self.reasons.append(text)

    def problem(self, code: str, severity: str, message: str) -> None:
        self.problems.append(Problem(code, severity, message))

    def guess(self, settled_by: str) -> None:
        """The verdict rests on a guess; ``settled_by`` names the fact that would settle it."""
        self.guessed = True
        self.guesses.append(settled_by)
        self.settled_by = self.settled_by or settled_by

    def output_desc(self) -> str:
        f = self.facts
        name = f"output '{f.output_name}'" if f.output_name else "the output"
        return f"{name} (shape {format_shape(f.output_shape)}, dtype {f.output_dtype})"

    def label_desc(self) -> str:
        f = self.facts
        return f"labels (shape {format_shape(f.label_shape)}, dtype {f.label_dtype})"

    def labels_are_class_indices(self) -> bool:
        """Labels of lower rank than the output, or a unit last axis: class indices."""
        f = self.facts
        if f.label_shape is None or f.output_rank < 2:
            return False
        rank = len(f.label_shape)
        return rank == f.output_rank - 1 or (rank == f.output_rank and f.label_shape[-1] == 1)

    # -- the steps -----------------------------------------------------------
    def run(self) -> None:
        self.decide_task()
        if self.task in ("binary", "multilabel"):
            self.decide_scale()
        if self.task == "multiclass":
            self.decide_label_form()
        elif self.task == "binary":
            self.labels = "binary"
        elif self.task == "multilabel":
            self.labels = "multi_hot"
        self.check_shapes()
        self.check_label_values()
        self.decide_empty_rows()
        self.check_sequences()

    def decide_task(self) -> None:
        f, o = self.facts, self.overrides
        size = f.class_axis_size
        act = f.activation
        if o.task is not None:
            self.task = o.task
            self.reason(f"task={o.task!r} was set explicitly.")
            return
        if act == "softmax" and size == 1:
            self.problem(
                "softmax_unit_axis",
                "error",
                f"{self.output_desc()} applies softmax over a size-1 axis, so it is "
                "always 1.0 and the model cannot learn; accuracy equals the share of "
                "positive labels. Fix: use `Dense(1, activation='sigmoid')` for a "
                "binary problem, or `Dense(num_classes, activation='softmax')`.",
            )
        meaning = self.meaning
        if meaning is not None:
            family = meaning.family
            desc = meaning.description
            if family == "regression":
                self.task = "none"
                self.reason(f"The loss is {desc}, a regression loss: no classes to count.")
                self.problem(
                    "regression_accuracy",
                    "warning",
                    f"{self.output_desc()} is trained with {self.loss_name}, a regression "
                    "loss; accuracy has no meaning here (Keras's BinaryAccuracy would "
                    "count outputs that round to the label). Fix: use "
                    "`metrics=['mae']` or another regression metric.",
                )
                return
            if family == "not_accuracy":
                self.task = "none"
                self.reason(f"The loss is {desc}: outputs are not per-sample class scores.")
                return
            if family == "sparse_categorical":
                self.task = "multiclass"
                self.labels = "sparse"
                self.reason(f"The loss is {desc}: one class per row, class-index labels.")
                if self.single_unit:
                    self.problem(
                        "sparse_on_unit_axis",
                        "error",
                        f"{self.output_desc()} has a single unit, but {self.loss_name} "
                        "expects one score per class; argmax over one unit is always "
                        "class 0. Fix: `Dense(num_classes)` before the loss, or "
                        "`binary_crossentropy` with `Dense(1, activation='sigmoid')`.",
                    )
                return
            if family == "categorical":
                self.task = "multiclass"
                self.labels = "one_hot"
                self.reason(f"The loss is {desc}: one class per row, one-hot labels.")
                if self.single_unit:
                    self.problem(
                        "categorical_on_unit_axis",
                        "error",
                        f"{self.output_desc()} has a single unit, but {self.loss_name} "
                        "over one class is always 0, so nothing is learned. Fix: use "
                        "`binary_crossentropy` with `Dense(1, activation='sigmoid')`.",
                    )
                return
            if family == "shape_picked":
                self.decide_task_like_keras_crossentropy()
                return
            if family in ("binary", "hinge"):
                if self.single_unit:
                    self.task = "binary"
                    self.reason(f"The loss is {desc} on a single unit: a binary task.")
                elif self.units_unknown:
                    self.task = "binary"
                    self.guess("the output's shape (its class axis)")
                    self.reason(
                        f"The loss is {desc}, but the output's shape "
                        f"{format_shape(f.output_shape)} doesn't say how many units it has; "
                        "read as binary until the first batch shows it."
                    )
                elif act == "softmax":
                    self.task = "multiclass"
                    self.reason(
                        f"The loss is {desc}, but the output is a softmax over {size} "
                        "classes, which makes them exclusive: the meant accuracy is the "
                        "argmax (the classic 'binary vs categorical crossentropy' case)."
                    )
                else:
                    self.decide_units_scored_one_by_one(desc)
                return
        self.decide_task_without_loss()

    def decide_units_scored_one_by_one(self, desc: str) -> None:
        """K > 1 units, each scored on its own by the loss. The loss doesn't make the
        classes independent; the labels decide: one positive in every row means
        exclusive classes (argmax), several or none means multi-label."""
        f = self.facts
        size = f.class_axis_size
        rows = f.label_values.rows_one_hot if f.label_values is not None else None
        if rows is True:
            self.task = "multiclass"
            self.labels = "one_hot"
            self.reason(
                f"The loss ({desc}) scores the {size} units one by one, but every label row "
                "holds exactly one positive: the classes are exclusive, so the meant "
                "accuracy is the argmax."
            )
            return
        self.task = "multilabel"
        if rows is False:
            self.reason(
                f"The loss is {desc} over {size} units and some label rows hold several "
                "positives (or none): a multi-label task, each unit its own yes/no decision."
            )
            return
        self.open_on_label_rows = True
        self.settled_by = ONE_POSITIVE_PER_ROW
        self.reason(
            f"The loss is {desc} over {size} units, each its own yes/no decision: multi-label, "
            "unless every label row holds exactly one positive (then the classes are "
            "exclusive and the argmax is meant). The labels settle it."
        )

    def decide_task_like_keras_crossentropy(self) -> None:
        f = self.facts
        if self.units_unknown:
            self.guess("the output's shape (its class axis)")
        self.task = "binary" if self.single_unit or self.units_unknown else "multiclass"
        self.reason(
            "The loss is Keras's 'crossentropy' alias, which Keras resolves from shapes; "
            f"the output shape {format_shape(f.output_shape)} makes it {self.task}."
        )

    def decide_task_without_loss(self) -> None:
        f = self.facts
        size = f.class_axis_size
        act = f.activation
        if f.has_model and f.loss is None:
            self.problem(
                "no_loss",
                "note",
                f"{self.output_desc()} has no compiled loss; the task is read from its "
                "activation, its shapes and the labels.",
            )
        elif f.loss is not None:
            self.reason(f"The loss {f.loss.name!r} is not one Keras ships.")
            probe = f.loss.probe
            if probe is not None and (probe.failed or probe.exclusive is None):
                self.reasons.extend(probe.notes)
                self.reason("So the task is read from the activation, the shapes and the labels.")
        if self.probe is not None and self.probe.exclusive is not None:
            self.reasons.extend(self.probe.notes)
            if self.single_unit:
                self.task = "binary"
                self.reason("The output has a single unit: binary.")
            elif self.probe.exclusive:
                self.task = "multiclass"
                self.reason("The loss couples the units (one class per row): argmax.")
            else:
                self.decide_units_scored_one_by_one("a custom loss")
            return
        if self.single_unit:
            self.task = "binary"
            self.reason(f"The output has a single unit {format_shape(f.output_shape)}: binary.")
            return
        if self.units_unknown:
            self.task = "multiclass" if self.labels_are_class_indices() else "binary"
            self.guess("the output's shape (its class axis)")
            self.reason(
                f"The output's shape {format_shape(f.output_shape)} doesn't say how many "
                f"units it has; read as {self.task} until the first batch shows it."
            )
            return
        if self.labels_are_class_indices():
            self.task = "multiclass"
            self.labels = "sparse"
            self.reason(
                f"The labels {format_shape(f.label_shape)} are class indices and the output "
                f"has {size} units: one class per row, so the argmax, whatever the activation."
            )
            return
        if act == "softmax":
            self.task = "multiclass"
            self.reason(f"The output is a softmax over {size} classes: multiclass, argmax.")
            return
        values = f.label_values
        same_shape = f.label_shape is not None and len(f.label_shape) == f.output_rank
        if same_shape and f.label_shape[-1] == size and values is not None and values.values_binary:
            if values.rows_one_hot:
                self.task = "multiclass"
                self.labels = "one_hot"
                self.reason(
                    "Every label row holds exactly one 1: the classes are exclusive, argmax."
                )
                return
            self.task = "multilabel"
            self.reason(
                "Some label rows hold several 1s (or none): multi-label, each unit its own "
                "yes/no decision."
            )
            return
        if act == "sigmoid":
            self.decide_units_scored_one_by_one(f"{size} independent sigmoids")
            return
        self.task = "multiclass"
        self.reason(f"The output has {size} units and no loss says otherwise: read as argmax.")
        self.guess("the loss (compile one, or pass task= to truacc.auto()) or the labels")

    def decide_scale(self) -> None:
        f, o = self.facts, self.overrides
        act = f.activation
        loss = f.loss
        meaning = self.meaning
        probed_point = self.probe.decision_point if self.probe is not None else None
        if o.from_logits is not None:
            self.scale = "logits" if o.from_logits else "probabilities"
            self.reason(f"from_logits={o.from_logits} was set explicitly.")
        elif meaning is not None and meaning.family == "hinge":
            self.scale = "scores"
            self.reason("A hinge loss decides by the sign of the score: threshold 0.")
            if act in ("sigmoid", "softmax"):
                self.problem(
                    "hinge_on_probabilities",
                    "warning",
                    f"{self.output_desc()} ends in {act}, so its scores are never negative, "
                    "but a hinge loss decides by sign. Fix: `activation='linear'` or "
                    "`'tanh'` on the last layer.",
                )
        elif act in PROBABILITY_ACTIVATIONS:
            self.scale = "probabilities"
            self.reason(f"The last layer applies {act}: outputs are probabilities.")
            if loss is not None and loss.from_logits:
                self.problem(
                    "logits_loss_on_probabilities",
                    "warning",
                    f"{self.output_desc()} already applies {act}, but the loss has "
                    "from_logits=True and applies it again, which squashes the "
                    "gradient. Fix: remove the activation, or use from_logits=False.",
                )
        elif loss is not None and meaning is not None and loss.from_logits:
            self.scale = "logits"
            self.reason("The loss has from_logits=True: outputs are logits, decided at 0.")
            if act not in RAW_ACTIVATIONS:
                self.reason(f"(The last layer's activation is {act!r}.)")
        elif loss is not None and meaning is not None and meaning.probabilities:
            self.scale = "probabilities"
            if act == "linear" and f.has_model:
                self.problem(
                    "probability_loss_on_raw_output",
                    "warning",
                    f"{self.output_desc()} has no activation, but the loss has "
                    "from_logits=False and treats it as probabilities (Keras clips it to "
                    "[1e-7, 1 - 1e-7]). Fix: `from_logits=True` in the loss, or "
                    "`activation='sigmoid'` on the last layer.",
                )
            self.reason("The loss has from_logits=False: outputs are read as probabilities.")
        elif probed_point is not None:
            self.scale = "probabilities" if probed_point == 0.5 else "scores"
            self.positive_below = bool(self.probe.positive_below)
            if self.positive_below:
                self.scale = "scores"
            self.reason(
                f"Probing the loss showed it decides at {probed_point:g}: outputs are read as "
                + (
                    f"scores (a distance) where below {probed_point:g} means label 1."
                    if self.positive_below
                    else "probabilities." if probed_point == 0.5 else "scores decided there."
                )
            )
        elif loss is not None and loss.from_logits:
            # A loss Keras doesn't ship whose own config says from_logits=True, and
            # probing found no single decision point (it weighs the classes unequally).
            self.scale = "logits"
            self.guess(SCALE)
            self.reason(
                f"The loss {loss.name.removeprefix('custom:')} has from_logits=True in its "
                "config: outputs were read as logits, decided at 0. Pass from_logits= to "
                "be sure."
            )
        elif f.output_range is not None:
            low, high = f.output_range
            self.guess(SCALE)
            if low < 0.0 or high > 1.0:
                self.scale = "logits"
                self.reason(
                    f"Guessed from values: outputs span [{low:.3g}, {high:.3g}], outside "
                    "[0, 1], so they were read as logits. Pass from_logits= to be sure."
                )
            else:
                self.scale = "probabilities"
                self.reason(
                    f"Guessed from values: outputs lie in [{low:.3g}, {high:.3g}], so they "
                    "were read as probabilities. Pass from_logits= to be sure."
                )
        else:
            self.scale = "probabilities"
            self.guess(SCALE)
            self.reason(
                "Nothing says whether outputs are logits; they were read as probabilities. "
                "Pass from_logits= to be sure."
            )
        self.threshold = self.decision_threshold()

    def decision_threshold(self) -> float:
        o = self.overrides
        if self.scale == "scores":
            if o.threshold is not None:
                return float(o.threshold)
            probed = self.probe.decision_point if self.probe is not None else None
            return 0.0 if probed is None else float(probed)
        p = 0.5 if o.threshold is None else float(o.threshold)
        if self.scale == "logits":
            return 0.0 if p == 0.5 else math.log(p / (1.0 - p))
        return p

    def decide_label_form(self) -> None:
        f = self.facts
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
        if self.labels is not None and self.labels != form:
            family = self.meaning.family if self.meaning else ""
            if family in ("sparse_categorical", "categorical"):
                want = "class indices" if self.labels == "sparse" else "one-hot rows"
                self.problem(
                    "label_form_mismatch",
                    "error",
                    f"{self.label_desc()} look like "
                    f"{'class indices' if form == 'sparse' else 'one-hot rows'}, but "
                    f"{self.loss_name} expects {want} for {self.output_desc()}. Fix: "
                    + (
                        "use `sparse_categorical_crossentropy`."
                        if form == "sparse"
                        else "use `categorical_crossentropy`, or pass `y.argmax(-1)`."
                    ),
                )
        self.labels = form

    def check_shapes(self) -> None:
        f = self.facts
        if f.label_shape is None or self.task in (None, "none"):
            return
        out, lab = tuple(f.output_shape), tuple(f.label_shape)
        if self.task == "multiclass":
            if self.labels == "sparse":
                expected = out[:-1]
                compare = lab[:-1] if len(lab) == len(out) else lab
            else:
                expected, compare = out, lab
        elif self.task == "binary":
            expected = out[:-1] if f.has_unit_class_axis else out
            compare = lab[:-1] if len(lab) == len(expected) + 1 and lab[-1] == 1 else lab
        else:
            expected, compare = out, lab
        if len(expected) != len(compare) or any(
            a is not None and b is not None and a != b for a, b in zip(expected, compare)
        ):
            self.problem(
                "shape_mismatch",
                "error",
                f"{self.label_desc()} can't match {self.output_desc()} for a {self.task} "
                f"task: expected labels of shape {format_shape(expected)}"
                + (
                    f" or {format_shape(out)} one-hot"
                    if self.task == "multiclass"
                    else ""
                )
                + ". Fix: reshape the labels, or check that they belong to this output.",
            )

    def check_label_values(self) -> None:
        f = self.facts
        v = f.label_values
        if v is None or self.task in (None, "none"):
            return
        if v.dtype_kind in ("U", "S", "O"):
            self.problem(
                "string_labels",
                "error",
                f"{self.label_desc()} hold strings; accuracy needs numbers. Fix: map them "
                "to class indices, e.g. with `keras.layers.StringLookup` or "
                "`sklearn.preprocessing.LabelEncoder`.",
            )
            return
        if not v.all_finite:
            self.problem(
                "nonfinite_labels",
                "error",
                f"{self.label_desc()} contain NaN or inf. Fix: drop or impute those rows.",
            )
            return
        size = f.class_axis_size
        if self.task == "multiclass" and self.labels == "sparse":
            if not v.all_integer:
                self.problem(
                    "fractional_labels",
                    "error",
                    f"{self.label_desc()} hold fractional values, but class indices must be "
                    "whole numbers. Fix: pass integer class indices (`y.astype('int32')` "
                    "if they are whole numbers stored as floats).",
                )
            elif v.count and (v.minimum < 0 or (size is not None and v.maximum >= size)):
                self.problem(
                    "labels_out_of_range",
                    "error",
                    f"{self.label_desc()} hold class indices from {v.minimum:g} to "
                    f"{v.maximum:g}, but {self.output_desc()} has {size} classes, so "
                    f"indices must lie in [0, {size}). Fix: make the last layer "
                    f"`Dense({int(v.maximum) + 1})` or re-encode the labels from 0.",
                )
        elif self.task == "multiclass" and self.labels == "one_hot":
            if v.rows_one_hot is False:
                soft = self.meaning is not None and self.meaning.family == "categorical"
                self.problem(
                    "labels_not_one_hot",
                    "warning" if soft and v.values_binary is False else "error",
                    f"{self.label_desc()} are not one-hot: some rows don't hold exactly "
                    "one 1. Argmax of such a row is its first largest entry. Fix: "
                    "one-hot encode with `keras.utils.to_categorical(y, num_classes)`; "
                    "if rows hold several true labels, use sigmoid + "
                    "`binary_crossentropy` (multi-label).",
                )
        elif self.task in ("binary", "multilabel"):
            hinge = self.meaning is not None and self.meaning.family == "hinge"
            allowed = "{-1, 1} or {0, 1}" if hinge else "{0, 1}"
            low_ok = -1 if hinge else 0
            if v.count and (v.minimum < low_ok or v.maximum > 1):
                self.problem(
                    "labels_out_of_range",
                    "error",
                    f"{self.label_desc()} range from {v.minimum:g} to {v.maximum:g}, but a "
                    f"{self.task} output needs labels in {allowed}. Fix: binarise them, "
                    "or, for more than two classes, use `Dense(num_classes, "
                    "activation='softmax')` with `sparse_categorical_crossentropy`.",
                )
            elif not v.all_integer:
                self.problem(
                    "soft_labels",
                    "note",
                    f"{self.label_desc()} are soft (not 0/1); a label counts as positive "
                    "when it is above 0.5.",
                )

    def decide_empty_rows(self) -> None:
        """One-hot rows with no class set (all zero: ``tf.one_hot`` of a "void" label,
        padded one-hot targets) are left out where the loss provably gives them no
        weight; Keras's accuracies count each as class 0."""
        self.skip_empty_rows = False
        if self.task != "multiclass" or self.labels != "one_hot":
            return
        loss = self.facts.loss
        if self.probe is not None:
            ignored = self.probe.ignores_empty_rows is True
        else:
            # Cross-entropy sums y_true * log(p): an all-zero row adds 0, whatever the
            # output. Label smoothing gives such a row mass on every class.
            ignored = (
                loss is not None
                and self.loss_name in _LOSSES_BLIND_TO_EMPTY_ROWS
                and not loss.label_smoothing
            )
        if ignored:
            self.skip_empty_rows = True
            self.reason(
                "Label rows with no class set (all zero) are left out: the loss gives them "
                "no weight (Keras's accuracies count each as class 0)."
            )

    def check_sequences(self) -> None:
        """A sequence output (N, T, C) with no mask counts every position. Image maps
        (N, H, W, C) have no padding, so they get no note."""
        f = self.facts
        if f.output_rank != 3 or self.task in (None, "none") or f.masked:
            return
        if f.model_masked:
            self.problem(
                "mask_dropped",
                "warning",
                f"{self.output_desc()} comes from a model whose output has a mask, but this "
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
        if self.ignore_class is not None:
            self.reason(f"Positions labelled {self.ignore_class} are ignored, as the loss does.")
            return
        if self.skip_empty_rows:
            return  # padded one-hot rows are all zero: left out, as the loss does
        if f.zero_weighted_positions:
            self.reason(
                "Positions of sample weight 0 are left out (a weight of 0 says: not a "
                "sample), so padding weighted 0 is not counted."
            )
            return
        self.problem(
            "unmasked_sequence",
            "note",
            f"{self.output_desc()} is a sequence with no mask and no ignored label, so "
            "every position counts, padding included, unless zero sample weights leave it "
            "out (accuracies in `weighted_metrics`, with `sample_weight` 0 on padding: then "
            "nothing needs fixing). Fix, if sequences are padded and nothing leaves the "
            "padding out: `Embedding(..., mask_zero=True)`; or, only where the padding "
            "label (0 here) is never a real label, `truacc.auto(ignore_class=0)` with "
            "`SparseCategoricalCrossentropy(ignore_class=0)`, which drop every position "
            "labelled 0.",
        )

    def spec(self) -> AccuracySpec:
        return AccuracySpec(
            task=self.task or "none",
            scale=self.scale,
            decision_threshold=self.threshold,
            labels=self.labels,
            num_classes=self.facts.num_classes,
            ignore_class=self.ignore_class,
            skip_empty_rows=self.skip_empty_rows,
            positive_below=self.positive_below,
        )

    def alternatives(self) -> tuple[AccuracySpec, ...]:
        """Multi-label and exclusive classes, while the labels haven't settled which."""
        if not self.open_on_label_rows or self.task != "multilabel":
            return ()
        exclusive = AccuracySpec(
            task="multiclass",
            labels="one_hot",
            num_classes=self.facts.num_classes,
            ignore_class=self.ignore_class,
        )
        return (self.spec(), exclusive)
