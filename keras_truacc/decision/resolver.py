"""Facts about one output in, a verdict out: which accuracy is the right one.

The rules live by subject: the task (``task_rules``), the scale and threshold
(``scale_rules``), the labels (``label_rules``); this module runs them in order
and makes the ``Verdict`` (``verdict``).

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

from dataclasses import replace

from keras_truacc.decision.facts import OutputFacts, format_shape
from keras_truacc.decision.keras_choice import judge, keras_accuracy_choice
from keras_truacc.decision.label_rules import (
    check_label_values,
    check_sequences,
    check_shapes,
    decide_empty_rows,
    decide_label_form,
)
from keras_truacc.decision.losses import canonical_loss_name, meaning_of
from keras_truacc.decision.scale_rules import decide_scale
from keras_truacc.decision.task_rules import decide_task

# What the resolver decides, importable from here too (``verdict`` holds them).
from keras_truacc.decision.verdict import (  # noqa: F401
    ONE_POSITIVE_PER_ROW,
    PROBABILITY_ACTIVATIONS,
    RAW_ACTIVATIONS,
    SCALE,
    TASKS,
    AccuracySpec,
    Overrides,
    Problem,
    Verdict,
)


def resolve(facts: OutputFacts, overrides: Overrides | None = None) -> Verdict:
    """Decide which accuracy is right for one output, and why."""
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
        decide_task(self)
        if self.task in ("binary", "multilabel"):
            decide_scale(self)
        if self.task == "multiclass":
            decide_label_form(self)
        elif self.task == "binary":
            self.labels = "binary"
        elif self.task == "multilabel":
            self.labels = "multi_hot"
        check_shapes(self)
        check_label_values(self)
        decide_empty_rows(self)
        check_sequences(self)

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
