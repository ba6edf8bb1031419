"""Facts about one model output: plain values, no Keras.

The Keras glue (``keras_truacc.reading.model_facts``) gathers these from a model; tests
build them by hand.

>>> from keras_truacc.decision.facts import LossFacts, OutputFacts
>>> facts = OutputFacts(
...     output_shape=(None, 1),
...     activation="linear",
...     loss=LossFacts("binary_crossentropy", from_logits=True),
... )
>>> facts.num_classes is None, facts.has_unit_class_axis
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

Shape = tuple  # of int | None


@dataclass(frozen=True)
class LossProbe:
    """What a custom loss was seen to do when called on small probe tensors.

    Found by ``keras_truacc.reading.loss_probe.probe_loss`` (Keras glue); each field is
    ``None`` when the probe could not tell.

    - ``decision_point``: the output value at which the loss of a positive label
      equals the loss of a negative one (0.5 for probabilities, 0.0 for logits
      or hinge scores). Only for losses that score units one by one.
    - ``exclusive``: ``True`` when the loss couples the units of a row (one
      class per row, as softmax cross-entropy does), ``False`` when it scores
      each unit on its own.
    - ``ignored_label``: a label value at whose positions the loss does not
      change when the output changes there (padding).
    - ``ignores_empty_rows``: one-hot label rows with no class set (all zero:
      ``tf.one_hot`` of a "void" label, padded one-hot targets) leave the loss
      unchanged whatever the output there.
    - ``notes``: how each fact was learned, or why probing failed, in words a
      user reads in the verdict's reasons.
    """

    decision_point: float | None = None
    exclusive: bool | None = None
    ignored_label: int | None = None
    # Label 1 is the one that costs less BELOW the decision point (a distance, where
    # label 1 means "near"): outputs below it mean label 1.
    positive_below: bool = False
    # Rows of one-hot labels with no class set (all zero) leave the loss unchanged.
    ignores_empty_rows: bool | None = None
    notes: tuple[str, ...] = ()
    failed: bool = False


@dataclass(frozen=True)
class LossFacts:
    """The loss of one output.

    ``name`` is the canonical snake_case name of a Keras loss
    (``"binary_crossentropy"``), ``"crossentropy"`` for Keras's shape-picked
    alias, or ``"custom:<name>"`` for a loss Keras does not ship.
    """

    name: str
    from_logits: bool = False
    label_smoothing: float = 0.0
    ignore_class: int | None = None
    # For a loss Keras does not ship: what probing it showed (None: not probed).
    probe: LossProbe | None = None
    # Where the loss was found, when not in compile(): "attribute `loss_fn`".
    found_as: str | None = None


@dataclass(frozen=True)
class LabelValues:
    """What one batch of labels holds (see ``label_values.describe_labels``)."""

    dtype_kind: str  # numpy kind: "f", "i", "u", "b", "U", "S", "O"
    count: int
    minimum: float | None = None
    maximum: float | None = None
    all_finite: bool = True
    all_integer: bool = True
    # For labels shaped like the output: is every row one-hot / every value 0 or 1?
    rows_one_hot: bool | None = None
    values_binary: bool | None = None


@dataclass(frozen=True)
class OutputFacts:
    """Everything the resolver may use about one output.

    ``activation`` is the name of the last layer's activation (``"softmax"``,
    ``"sigmoid"``, ``"linear"``), or ``None`` when it can't be known (a custom
    layer, or a metric used with no model). ``loss`` is ``None`` when no model
    is known; ``has_model`` tells that apart from a model with no loss.
    """

    output_shape: Shape
    output_dtype: str = "float32"
    activation: str | None = None
    loss: LossFacts | None = None
    label_shape: Shape | None = None
    label_dtype: str | None = None
    label_values: LabelValues | None = None
    # Range of the output values seen in one batch: only for a metric used with
    # no model, where it is the last resort to tell logits from probabilities.
    output_range: tuple[float, float] | None = None
    masked: bool = False
    # The model's own output carries a mask (``Embedding(mask_zero=True)`` and the like),
    # whether or not the tensor a step hands over still has it (``masked``).
    model_masked: bool = False
    # Some positions of the sample weights seen are 0 (a weight of 0 says: not a
    # sample): what they cover is left out, as padding left out by weights is.
    zero_weighted_positions: bool = False
    has_model: bool = False
    output_name: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def output_rank(self) -> int:
        return len(self.output_shape)

    @property
    def class_axis_size(self) -> int | None:
        """Size of the last axis, or ``None`` for a rank-1 output ``(N,)``."""
        return self.output_shape[-1] if self.output_rank >= 2 else None

    @property
    def has_unit_class_axis(self) -> bool:
        return self.class_axis_size == 1

    @property
    def num_classes(self) -> int | None:
        size = self.class_axis_size
        return size if size is not None and size > 1 else None

    def with_labels(self, label_shape, label_dtype, label_values=None) -> OutputFacts:
        return replace(
            self,
            label_shape=tuple(label_shape),
            label_dtype=label_dtype,
            label_values=label_values,
        )


def format_shape(shape) -> str:
    """``(None, 10)`` for humans, with ``None`` for the batch axis."""
    if shape is None:
        return "unknown"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
