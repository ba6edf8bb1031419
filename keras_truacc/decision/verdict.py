"""What the resolver decides: the accuracy meant (``AccuracySpec``), the problems
found (``Problem``), the verdict with its reasons (``Verdict``) and what the user
says outright (``Overrides``).

>>> spec = AccuracySpec(task="binary", scale="logits", decision_threshold=0.0)
>>> spec.describe()
'binary accuracy: logits > 0'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from keras_truacc.decision.facts import OutputFacts
from keras_truacc.decision.keras_choice import judge

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
        >>> from keras_truacc.decision.resolver import resolve
        >>> v = resolve(OutputFacts((None, 10), activation="linear", has_model=True,
        ...     loss=LossFacts("squared_hinge"), label_shape=(None, 10)))
        >>> v.task, v.certain, v.settle_by_label_rows(True, 500).task
        ('multilabel', False, 'multiclass')
        """
        if not self.settles_by_label_rows:
            return self
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
