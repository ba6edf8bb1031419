"""Keras glue: learn what a loss keras-truacc doesn't know does, by calling it.

A custom ``keras.losses.Loss`` or a plain function ``fn(y_true, y_pred)`` says
nothing about itself. So it is called eagerly, a few dozen times, on small made-up
outputs and labels, and the probe watches how its value moves:

- does moving some units' outputs change how much another unit counts? Then the
  loss couples the units of a row: one class per row (``exclusive``);
- at which output value do a positive and a negative label cost the same
  (``decision_point``: 0.5 for probabilities, 0 for logits and scores)? Only for a
  loss that treats the two labels alike: one that weighs them unequally (class
  balancing) crosses at a point that is no threshold its outputs mean;
- at positions holding which label value does the output stop mattering
  (``ignored_label``, padding)?

Whatever the probe can't tell for sure stays ``None``, with a note saying why;
nothing it meets (a loss that raises, a NaN, a random loss) escapes as an exception.
Labels are made 0/1 per unit, one-hot rows, or class indices: a loss written for -1/1
labels is judged by what it does with 0/1 ones. It runs eagerly even while a step is
traced; on JAX the loss is compiled once with ``jax.jit``, as a jitted step runs it.

>>> import keras
>>> probe = probe_loss(keras.losses.BinaryCrossentropy(from_logits=True), (None, 4), (None, 4))
>>> probe.exclusive, probe.decision_point, probe.ignored_label
(False, 0.0, None)
>>> loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
>>> probe = probe_loss(loss, (None, 20, 5), (None, 20))
>>> probe.exclusive, probe.decision_point, probe.ignored_label
(True, None, 0)
>>> probe.notes[-1]
"Probing the loss showed that positions labelled 0 don't change it: they are ignored."
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import keras
import numpy as np

from keras_truacc.decision.facts import LossProbe, format_shape
from keras_truacc.reading.tensors import to_numpy

_BATCH_SIZE = 3  # stands in for the batch axis
_INNER_SIZE = 4  # stands in for an unknown (or too large) time or space axis
_SMALLEST_BATCH = 2  # rows must stay at least two, to see whether the loss ties rows together
_MAX_PROBE_ELEMENTS = 200_000  # of one probe output: keeps a probe call cheap
_EPS32 = float(np.finfo(np.float32).eps)
_NOISE_ULPS = 16  # a float32 loss is trusted to this many units in the last place
_SAME_VALUE = 1e-6  # relative change below which the loss "did not change"
_CLEARLY_CHANGED = 1e-4  # relative change above which the loss surely changed
_CANDIDATE_LABELS = (0, -1, -100)  # padding labels, in the order they are tried
_DECISION_GRID = (-6.0, -3.0, -1.5, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 3.0, 6.0)
_SNAP_POINTS = (0.0, 0.5)
_SNAP_TOLERANCE = 1e-3
_BISECTION_WIDTH = 1e-4
_SYMMETRY_OFFSETS = (0.25, 1.0)
_SYMMETRY_TOLERANCE = 1e-3  # relative; the bisection leaves the point 1e-4 off
_NEGLIGIBLE_SHARE = 1e-4  # a unit moving the loss this much less than the labelled one: blind


class _CannotProbe(Exception):
    """Probing can't go on; the message is the note the user reads."""


class _LossError(Exception):
    """One call of the loss raised, or gave a value that is not a finite number."""


@dataclass(frozen=True)
class _Layout:
    """The concrete shapes the probe feeds the loss, and the form of the labels."""

    output_shape: tuple[int, ...]
    label_shape: tuple[int, ...]
    units: int  # 1 for a rank-1 output (N,), which has no units axis
    sparse: bool  # class indices, one per position (else labels shaped like the output)
    shrunk: bool = False  # axes the model fixes were made smaller to keep probing cheap

    @property
    def positions(self) -> int:
        """Rows of units: the batch, times any time or space axes."""
        return math.prod(self.output_shape) // self.units


@dataclass(frozen=True)
class _ProbeValues:
    """Output values for the unit-coupling tests: where moved units go, and around them."""

    step: tuple[float, float]
    backgrounds: tuple[float, float]
    rest: float


# Valid as probabilities and as logits alike; they need not sum to 1.
_NARROW = _ProbeValues(step=(0.2, 0.7), backgrounds=(0.05, 0.95), rest=0.3)
# Wide enough to cross the kinks of margin losses (hinge-like, margin 1).
_WIDE = _ProbeValues(step=(-1.0, 1.0), backgrounds=(-3.0, 3.0), rest=0.0)


@dataclass(frozen=True)
class _Coupling:
    """How the effect of moving some outputs compared under two backgrounds.

    ``verdict``: ``"coupled"``, ``"independent"``, ``"no_effect"`` or ``"unclear"``;
    ``scale``: the larger of the two effects.
    """

    verdict: str
    scale: float


def probe_loss(loss, output_shape, label_shape) -> LossProbe:
    """What ``loss`` does, learned by calling it on small probe tensors.

    ``loss`` is a ``keras.losses.Loss`` or a callable ``fn(y_true, y_pred)``.
    ``output_shape`` is the static shape of ``y_pred``, batch axis first; its last
    axis (the units or classes) must be known. ``label_shape`` is the static shape
    of ``y_true`` as the step sees it: class indices when it has one axis fewer than
    the output, or a last axis of 1 while the output has several units; else labels
    shaped like the output (0/1 per unit, or one-hot rows).

    Safe to call while a step is being traced: it runs eagerly. Never raises.
    """
    try:
        layout = _probe_layout(output_shape, label_shape)
        if not callable(loss):
            raise _CannotProbe(f"Can't probe the loss: {loss!r} is not callable.")
        with _eager_scope():
            return _probe(loss, layout)
    except _CannotProbe as error:
        return LossProbe(failed=True, notes=(str(error),))
    except Exception as error:  # a bug here must not take a fit down
        return LossProbe(failed=True, notes=(f"Probing the loss failed ({_describe(error)}).",))


def _probe(loss, layout: _Layout) -> LossProbe:
    call = _LossCall.checked(loss, layout)
    notes = []
    if layout.shrunk:
        notes.append(
            f"The loss was probed on outputs shaped {format_shape(layout.output_shape)}, "
            "smaller than the model's."
        )
    exclusive, note = _probe_exclusive(call, layout)
    notes.append(note)
    decision_point, positive_below = None, False
    if exclusive is False and not layout.sparse:
        decision_point, note, positive_below = _probe_decision_point(call, layout)
        notes.append(note)
    ignored_label, ignored_notes = _probe_ignored_label(call, layout, exclusive)
    notes.extend(ignored_notes)
    empty_rows = None
    if not layout.sparse and exclusive is not False:
        empty_rows = _rows_without_class_are_ignored(call, layout)
        if empty_rows:
            notes.append(
                "Probing the loss showed that rows with no class set (all-zero labels) don't "
                "change it: they are ignored."
            )
    return LossProbe(
        decision_point=decision_point,
        positive_below=positive_below,
        exclusive=exclusive,
        ignored_label=ignored_label,
        ignores_empty_rows=empty_rows,
        notes=tuple(notes),
    )


# --- Shapes ------------------------------------------------------------------------------------


def _probe_layout(output_shape, label_shape) -> _Layout:
    output_shape = _static_shape(output_shape, "output")
    label_shape = _static_shape(label_shape, "label")
    if len(output_shape) == 1:  # (None,): one unit per sample, with no units axis
        return _single_unit_layout(output_shape, label_shape)
    if not output_shape:
        raise _CannotProbe("Can't probe the loss: the output shape () has no batch axis.")
    units = output_shape[-1]
    if units is None or units < 1:
        raise _CannotProbe(
            f"Can't probe the loss: the output shape {format_shape(output_shape)} doesn't say "
            "how many units it has."
        )
    _check_labels_fit(output_shape, label_shape)
    sparse = _labels_are_class_indices(output_shape, label_shape)
    concrete, shrunk = _concrete_output_shape(output_shape)
    label_concrete = _concrete_label_shape(concrete, label_shape, sparse)
    return _Layout(concrete, label_concrete, units, sparse, shrunk)


def _single_unit_layout(output_shape, label_shape) -> _Layout:
    # (None,) with labels (None,) or (None, 1)
    if len(label_shape) == 1 or (len(label_shape) == 2 and label_shape[-1] in (None, 1)):
        return _Layout((_BATCH_SIZE,), (_BATCH_SIZE, 1)[: len(label_shape)], 1, sparse=False)
    raise _CannotProbe(
        f"Can't probe the loss: labels shaped {format_shape(label_shape)} don't fit "
        f"outputs shaped {format_shape(output_shape)}."
    )


def _static_shape(shape, what) -> tuple:
    try:  # a TensorShape of unknown rank refuses to be iterated
        return tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise _CannotProbe(
            f"Can't probe the loss: the {what} shape {shape!r} is unknown."
        ) from None


def _labels_are_class_indices(output_shape, label_shape) -> bool:
    # (None,) or (None, 1) for (None, 10); (None, 20) for (None, 20, 5). A single unit
    # (None, 1) has no classes to index: its labels are 0/1, whatever their rank.
    if output_shape[-1] == 1:
        return False
    if len(label_shape) == len(output_shape) - 1:
        return True
    return len(label_shape) == len(output_shape) and label_shape[-1] == 1


def _check_labels_fit(output_shape, label_shape):
    units = output_shape[-1]
    rank_fits = len(label_shape) == len(output_shape) or (
        len(label_shape) == len(output_shape) - 1
    )
    last_fits = len(label_shape) < len(output_shape) or label_shape[-1] in (None, 1, units)
    inner_fit = all(
        a is None or b is None or a == b for a, b in zip(label_shape[1:], output_shape[1:-1])
    )
    if not (rank_fits and last_fits and inner_fit):
        raise _CannotProbe(
            f"Can't probe the loss: labels shaped {format_shape(label_shape)} don't fit "
            f"outputs shaped {format_shape(output_shape)}."
        )


def _concrete_output_shape(output_shape) -> tuple[tuple[int, ...], bool]:
    """(None, 20, 5) -> (3, 20, 5). The batch axis is always made small (no loss fixes
    it); axes the model fixes are made smaller only when the output would be too big."""
    inner = tuple(_INNER_SIZE if d is None else d for d in output_shape[1:-1])
    units = output_shape[-1]
    fits = (
        (_BATCH_SIZE, *inner, units),
        (_BATCH_SIZE, *(min(d, _INNER_SIZE) for d in inner), units),
        (_SMALLEST_BATCH, *(min(d, _INNER_SIZE) for d in inner), units),
        (_SMALLEST_BATCH, *(1 for _ in inner), units),
    )
    shape = next((s for s in fits if math.prod(s) <= _MAX_PROBE_ELEMENTS), fits[-1])
    return shape, shape[1:-1] != inner or shape[0] != _BATCH_SIZE


def _concrete_label_shape(concrete_output, label_shape, sparse) -> tuple[int, ...]:
    same_rank = len(label_shape) == len(concrete_output)
    if sparse:  # (3,) or (3, 1) for (3, 10); (3, 20) for (3, 20, 5)
        return concrete_output[:-1] + ((1,) if same_rank else ())
    return concrete_output if same_rank else concrete_output[:-1]  # (3, 10); (3,) for (3, 1)


# --- Calling the loss --------------------------------------------------------------------------


@contextlib.contextmanager
def _eager_scope():
    """Compute with concrete values even while a step is being traced."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.init_scope():  # out of the tf.function graph being built
            yield
    elif backend == "jax":
        import jax

        with jax.ensure_compile_time_eval():  # inside jit, ops on constants are staged too
            yield
    elif backend == "torch":
        import torch

        with torch.no_grad():
            yield
    else:
        yield


def _compiled(loss):
    """The loss compiled with ``jax.jit``, as a jitted train step runs it: op by op, JAX
    compiles every op for the probe's shapes (up to a second); compiled, it is one."""
    import jax

    return jax.jit(lambda y_true, y_pred: loss(y_true, y_pred))


class _LossCall:
    """Calls the loss on numpy labels and output rows; returns its total as a float.

    Output rows are ``(positions, units)`` arrays, reshaped to the output shape;
    labels are ``(positions, units)`` (or ``(positions,)`` class indices), reshaped
    to the label shape. A loss that returns one value per sample or per position is
    summed, so that a reduced loss and an unreduced one move alike.
    """

    def __init__(self, loss, layout: _Layout, label_dtype="float32", compiled=False):
        self.loss = _compiled(loss) if compiled else loss
        self.layout = layout
        self.label_dtype = label_dtype

    @classmethod
    def checked(cls, loss, layout: _Layout) -> _LossCall:
        """A call that works and answers the same twice, or ``_CannotProbe``.

        Keras losses cast labels to float; a bare function may want integers. On JAX
        the loss is compiled first, and called op by op if it can't be.
        """
        labels, rows = _valid_labels(layout), _base_rows(layout)
        compiled = (True, False) if keras.backend.backend() == "jax" else (False,)
        first_error = None
        for label_dtype in ("float32", "int32"):
            for compile_it in compiled:
                call = cls(loss, layout, label_dtype, compile_it)
                try:
                    first = call(labels, rows)
                except _LossError as error:
                    first_error = first_error or error
                    continue
                call.check_repeatable(labels, rows, first)
                return call
        raise _CannotProbe(f"Probing the loss failed ({first_error}); what it does is unknown.")

    def check_repeatable(self, labels, rows, first: float):
        second = self(labels, rows)
        if abs(first - second) > _noise(first, second):
            raise _CannotProbe(
                f"Probing the loss failed: it gave {first:.6g} and then {second:.6g} for the "
                "same outputs and labels (is it random?); what it does is unknown."
            )

    def __call__(self, labels, rows) -> float:
        try:
            y_true = keras.ops.convert_to_tensor(
                np.asarray(labels).reshape(self.layout.label_shape).astype(self.label_dtype)
            )
            y_pred = keras.ops.convert_to_tensor(
                np.asarray(rows, dtype=np.float32).reshape(self.layout.output_shape)
            )
            value = self.loss(y_true, y_pred)
            total = float(np.sum(to_numpy(value).astype(np.float64)))
        except Exception as error:
            raise _LossError(_describe(error)) from error
        if not math.isfinite(total):
            raise _LossError(f"it returned {total}")
        return total


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()
    first_line = message[0] if message else ""
    if len(first_line) > 120:
        first_line = first_line[:117] + "..."
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def _noise(*losses: float) -> float:
    """How far apart two float32 values of this loss may be by rounding alone."""
    return _NOISE_ULPS * _EPS32 * max(max(abs(v) for v in losses), 1e-30)


def _unchanged(before: float, after: float) -> bool:
    return abs(after - before) <= _SAME_VALUE * max(abs(before), abs(after), 1e-30)


def _clearly_changed(before: float, after: float) -> bool:
    return abs(after - before) > _CLEARLY_CHANGED * max(abs(before), abs(after), 1e-30)


# --- Probe inputs ------------------------------------------------------------------------------


def _base_rows(layout: _Layout) -> np.ndarray:
    """Rows of unequal values in (0.05, 0.95): fair as probabilities and as logits."""
    units = np.arange(layout.units)
    row = 0.1 + 0.8 * ((units * 7 + 3) % 11) / 10.0
    return np.tile(row, (layout.positions, 1))


def _valid_labels(layout: _Layout) -> np.ndarray:
    """Labels every loss should take: classes in turn, one-hot rows, or alternating 0/1."""
    positions = np.arange(layout.positions)
    if layout.sparse:
        return (positions % layout.units).astype(np.float64)
    if layout.units == 1:
        return (positions % 2).astype(np.float64).reshape(-1, 1)
    return _one_hot_rows(positions % layout.units, layout.units)


def _one_hot_rows(classes, units) -> np.ndarray:
    rows = np.zeros((len(classes), units))
    rows[np.arange(len(classes)), classes] = 1.0
    return rows


def _unit_mask(layout: _Layout, units) -> np.ndarray:
    """Selects the given units at every position."""
    mask = np.zeros((layout.positions, layout.units), dtype=bool)
    mask[:, list(units)] = True
    return mask


# --- Exclusive: does the loss couple the units of a row? ---------------------------------------


def _probe_exclusive(call: _LossCall, layout: _Layout) -> tuple[bool | None, str]:
    if layout.sparse:
        return True, "Class-index labels: one class per row."
    if layout.units == 1:
        return False, "One output unit per row: the loss scores it on its own."
    try:
        return _exclusive_from_coupling(call, layout)
    except _LossError as error:
        return None, (
            f"Probing the loss failed ({error}); whether it couples the units of a row is unknown."
        )


def _exclusive_from_coupling(call: _LossCall, layout: _Layout) -> tuple[bool | None, str]:
    labelled = layout.units - 1  # every row labels the last class
    others = range(max(1, labelled // 2))  # about half of the unlabelled units
    labels = _one_hot_rows(np.full(layout.positions, labelled), layout.units)
    other_units = _coupling_test(call, labels, _unit_mask(layout, others), _NARROW)
    labelled_unit = _coupling_test(call, labels, _unit_mask(layout, [labelled]), _NARROW)
    if _blind_to_unlabelled_units(other_units, labelled_unit, len(others)):
        if labelled_unit.verdict != "independent":
            return None, _unclear_note()
        return _exclusive_unless_rows_are_tied(call, layout, labels, _ONLY_LABELLED_CLASS)
    verdicts = [other_units.verdict, labelled_unit.verdict]
    if set(verdicts) == {"independent"}:
        verdicts += _confirming_verdicts(call, layout, labels, others, labelled)
    if "coupled" in verdicts:
        return _exclusive_unless_rows_are_tied(call, layout, labels, _UNITS_COUPLED)
    if set(verdicts) <= {"independent", "no_effect", "skipped"}:
        return False, "Probing the loss showed that it scores each output unit on its own."
    return None, _unclear_note()


def _unclear_note() -> str:
    return (
        "Probing the loss couldn't tell whether it couples the units of a row "
        "(one class per row) or scores each unit on its own."
    )


def _blind_to_unlabelled_units(other_units: _Coupling, labelled_unit: _Coupling, count) -> bool:
    """Moving unlabelled units changes the loss not at all, or next to nothing (KL divergence
    clips zero labels to 1e-7), against moving the labelled one."""
    if other_units.verdict == "no_effect":
        return True
    return other_units.scale / count < _NEGLIGIBLE_SHARE * labelled_unit.scale


def _confirming_verdicts(call, layout, labels, others, labelled) -> list[str]:
    """More tests for a loss that looks unit by unit: margin losses are linear (so look
    unit by unit) between their kinks, which only wide values or other labels reach."""
    verdicts = []
    for units in (others, [labelled]):
        try:
            verdicts.append(_coupling_test(call, labels, _unit_mask(layout, units), _WIDE).verdict)
        except _LossError:  # a loss on probabilities may refuse values outside [0, 1]
            verdicts.append("skipped")
    if layout.units == 2:
        verdicts.append(_two_unit_label_coupling(call, layout))
    return verdicts


def _coupling_test(call, labels, moved, values: _ProbeValues, around=None) -> _Coupling:
    """Does the effect of moving the ``moved`` outputs depend on the outputs ``around``
    them (by default: all the others)?"""
    around = ~moved if around is None else around
    effects = []
    for background in values.backgrounds:
        rows = np.full(moved.shape, values.rest)
        rows[around] = background
        effects.append(_moved_effect(call, labels, rows, moved, values.step))
    return _compare_effects(*effects)


def _moved_effect(call, labels, rows, moved, step) -> tuple[float, float]:
    """The change in the loss when ``moved`` goes from ``step[0]`` to ``step[1]``, and the
    size of the loss."""
    before, after = rows.copy(), rows.copy()
    before[moved], after[moved] = step
    first, second = call(labels, before), call(labels, after)
    return second - first, max(abs(first), abs(second))


def _compare_effects(first, second) -> _Coupling:
    (effect_1, size_1), (effect_2, size_2) = first, second
    noise = _noise(size_1, size_2)
    scale = max(abs(effect_1), abs(effect_2))
    gap = abs(effect_1 - effect_2)
    if scale <= 8 * noise:
        return _Coupling("no_effect", scale)
    if gap > 0.05 * scale and gap > 8 * noise:
        return _Coupling("coupled", scale)
    if gap + 8 * noise <= 0.01 * scale:
        return _Coupling("independent", scale)
    return _Coupling("unclear", scale)


def _two_unit_label_coupling(call, layout) -> str:
    """With two units, does moving unit 0 count the same whether unit 1 is labelled 1 or 0?
    (A two-class categorical hinge is linear in the outputs, but not in this.)"""
    moved = _unit_mask(layout, [0])
    rows = np.full((layout.positions, 2), 0.6)
    one_hot = _one_hot_rows(np.ones(layout.positions, dtype=int), 2)
    no_class = np.zeros_like(one_hot)
    try:
        if _blind_to_rows_without_class(call, no_class, rows):
            return "skipped"  # such rows are masked out: they can't show anything
        return _compare_effects(
            _moved_effect(call, one_hot, rows, moved, _NARROW.step),
            _moved_effect(call, no_class, rows, moved, _NARROW.step),
        ).verdict
    except _LossError:
        return "skipped"


def _blind_to_rows_without_class(call, no_class, rows) -> bool:
    base = call(no_class, rows)
    return all(_unchanged(base, call(no_class, rows + shift)) for shift in ([0.3, 0.0], [0.0, 0.3]))


_UNITS_COUPLED = (
    "Probing the loss showed that one unit's output changes how much another unit counts: "
    "it couples the units of a row (one class per row)."
)
_ONLY_LABELLED_CLASS = (
    "Probing the loss showed that only the labelled class's output changes it: one class per row."
)


def _exclusive_unless_rows_are_tied(call, layout, labels, note) -> tuple[bool | None, str]:
    """One class per row, unless the loss also ties rows together (a whole-batch loss
    such as Dice), which would couple units whatever the task."""
    labelled = int(labels[0].argmax())
    moved = np.zeros((layout.positions, layout.units), dtype=bool)
    moved[0, labelled] = True
    other_rows = np.zeros_like(moved)
    other_rows[1:] = True
    across = _coupling_test(call, labels, moved, _NARROW, around=other_rows)
    if across.verdict == "independent":
        return True, note
    return None, (
        "Probing the loss showed that it ties the outputs of different rows together "
        "(a whole-batch loss such as Dice), so whether it couples the units of a row is unknown."
    )


# --- Decision point: where do a positive and a negative label cost the same? -------------------


def _probe_decision_point(call: _LossCall, layout: _Layout) -> tuple[float | None, str, bool]:
    """The decision point, its note, and whether label 1 lies below it (a loss on a
    distance, where a small output means label 1, as contrastive losses have it)."""
    shape = (layout.positions, layout.units)

    def cost(label: float, value: float) -> float:
        """The loss with every label ``label`` and every output ``value``."""
        return call(np.full(shape, label), np.full(shape, value))

    def label_gap(value: float) -> tuple[float, float]:
        """cost(label 1) - cost(label 0) at output ``value``, and its rounding noise."""
        positive, negative = cost(1.0, value), cost(0.0, value)
        return positive - negative, 8 * _noise(positive, negative)

    grid = []
    for value in _DECISION_GRID:
        try:
            grid.append((value, *label_gap(value)))
        except _LossError:  # a loss on probabilities may refuse values outside [0, 1]
            continue
    below = False
    try:
        point, problem = _crossing(grid, label_gap)
        if point is None and _only_rising(grid):
            # Label 1 costs more as the output grows: it lies below the crossing.
            below = True

            def mirrored_gap(value):
                gap, noise = label_gap(value)
                return -gap, noise

            mirrored = [(value, -gap, noise) for value, gap, noise in grid]
            point, problem = _crossing(mirrored, mirrored_gap)
        if (
            point is not None
            and point not in _SNAP_POINTS
            and not _symmetric_about(point, cost, below)
        ):
            return None, (
                f"Probing the loss showed that labels 1 and 0 cost the same at output {point:g}, "
                "but it weighs them unequally (it isn't symmetric there), so the threshold its "
                "outputs mean is unknown."
            ), False
    except _LossError as error:
        point, problem = None, f"failed ({error})"
    if point is None:
        return None, f"Probing the loss for its decision point {problem}; it is unknown.", False
    if below:
        return point, (
            f"Probing the loss showed that labels 1 and 0 cost the same at output {point:g}, "
            "and that label 1 costs less below it (a distance: small means label 1): outputs "
            f"below {point:g} mean label 1."
        ), True
    return point, _decision_point_note(point), False


def _symmetric_about(point: float, cost, below: bool = False) -> bool:
    """Label 1 at ``point + t`` costs what label 0 costs at ``point - t`` (``below``:
    at ``point - t`` and ``point + t``): the loss treats the labels alike, so ``point``
    is its decision point and not an artefact of weighting them (class-balanced focal
    losses cross elsewhere than where they decide)."""
    side = -1.0 if below else 1.0
    for offset in _SYMMETRY_OFFSETS:
        positive, negative = cost(1.0, point + side * offset), cost(0.0, point - side * offset)
        if abs(positive - negative) > _SYMMETRY_TOLERANCE * max(abs(positive), abs(negative)):
            return False
    return True


def _only_rising(grid) -> bool:
    """The label gap (label 1's cost less label 0's) only grows with the output."""
    pairs = list(zip(grid, grid[1:]))
    rising = any(b > a + na + nb for (_, a, na), (_, b, nb) in pairs)
    falling = any(b < a - na - nb for (_, a, na), (_, b, nb) in pairs)
    return rising and not falling


def _crossing(grid, label_gap) -> tuple[float | None, str]:
    """The output value where the label gap changes sign, from positive to negative."""
    if len(grid) < 3:
        return None, "failed: the loss gave a number at too few output values"
    signs = [0 if abs(gap) <= noise else (1 if gap > 0 else -1) for _, gap, noise in grid]
    rising = any(b > a + na + nb for (_, a, na), (_, b, nb) in zip(grid, grid[1:]))
    falling = any(b < a - na - nb for (_, a, na), (_, b, nb) in zip(grid, grid[1:]))
    if rising and not falling:
        return None, "showed that label 1 costs more as the output grows (inverted labels?)"
    if rising or 1 not in signs or -1 not in signs:
        return None, "found no single output value where labels 1 and 0 cost the same"
    ties = [value for (value, _, _), sign in zip(grid, signs) if sign == 0]
    if len(ties) > 1:
        return None, "showed that labels 1 and 0 cost the same over a whole range of outputs"
    if ties:
        return _snapped(ties[0]), ""
    drops = [i for i in range(len(signs) - 1) if signs[i] == 1 and signs[i + 1] == -1]
    if len(drops) != 1:
        return None, "found no single output value where labels 1 and 0 cost the same"
    (index,) = drops
    return _snapped(_bisect(label_gap, grid[index][0], grid[index + 1][0])), ""


def _bisect(label_gap, high_gap_at: float, low_gap_at: float) -> float:
    """Bisection between a positive label gap and a negative one."""
    left, right = high_gap_at, low_gap_at
    while right - left > _BISECTION_WIDTH:
        middle = (left + right) / 2
        gap, noise = label_gap(middle)
        if abs(gap) <= noise:
            return middle
        left, right = (middle, right) if gap > 0 else (left, middle)
    return (left + right) / 2


def _snapped(point: float) -> float:
    for snap in _SNAP_POINTS:
        if abs(point - snap) <= _SNAP_TOLERANCE:
            return snap
    return round(point, 4)


def _decision_point_note(point: float) -> str:
    said = f"Probing the loss showed that labels 1 and 0 cost the same at output {point:g}"
    if point == 0.5:
        return said + ": outputs are probabilities, decided at 0.5."
    if point == 0.0:
        return said + ": outputs are logits or scores, decided at 0."
    return said + ", and that it is symmetric there: outputs are decided at that value."


# --- Ignored label: a label value whose positions don't count ----------------------------------


def _probe_ignored_label(call, layout, exclusive) -> tuple[int | None, tuple[str, ...]]:
    places = "positions"
    if layout.sparse:
        ignored = _first_ignored(_class_index_is_ignored, call, layout)
    elif exclusive is False:  # labels 0/1 per unit: a unit may hold a padding value
        ignored, places = _first_ignored(_unit_label_is_ignored, call, layout), "units"
    else:  # one-hot rows: the row of class 0 may be padding
        ignored = _first_ignored(_one_hot_class_is_ignored, call, layout, candidates=(0,))
    return ignored, (_ignored_note(ignored, places),)


def _ignored_note(ignored: int | None, places: str) -> str:
    if ignored is None:
        return "Probing the loss showed no ignored label value."
    return (
        f"Probing the loss showed that {places} labelled {ignored} don't change it: "
        "they are ignored."
    )


def _first_ignored(is_ignored, call, layout, candidates=_CANDIDATE_LABELS) -> int | None:
    for candidate in candidates:
        if is_ignored(call, layout, candidate):
            return candidate
    return None


def _class_index_is_ignored(call, layout, candidate) -> bool:
    """Position 0 holds ``candidate``; the others hold real classes other than it."""
    others = [c for c in range(layout.units) if c != candidate]
    labels = np.array([others[i % len(others)] for i in range(layout.positions)], float)
    labels[0] = candidate
    return _position_is_ignored(call, labels, _rows_for_classes(layout, labels))


def _one_hot_class_is_ignored(call, layout, candidate) -> bool:
    classes = 1 + np.arange(layout.positions) % (layout.units - 1)
    classes[0] = candidate
    labels = _one_hot_rows(classes, layout.units)
    return _position_is_ignored(call, labels, _rows_for_classes(layout, classes))


def _rows_without_class_are_ignored(call, layout) -> bool:
    if layout.units < 2:
        return False
    classes = 1 + np.arange(layout.positions) % (layout.units - 1)
    labels = _one_hot_rows(classes, layout.units)
    labels[0] = 0.0
    return _position_is_ignored(call, labels, _rows_for_classes(layout, classes))


def _unit_label_is_ignored(call, layout, candidate) -> bool:
    """Units labelled 0 or 1 in turn; unit 0 of position 0 holds ``candidate``."""
    positions, units = np.indices((layout.positions, layout.units))
    labels = ((positions + units) % 2).astype(float)
    labels[0, 0] = candidate
    at = np.zeros(labels.shape, dtype=bool)
    at[0, 0] = True
    return _position_is_ignored(call, labels, np.full(labels.shape, 0.3), at)


def _rows_for_classes(layout, classes) -> np.ndarray:
    """Outputs 0.2, and 0.6 at each position's labelled class (when it is a class)."""
    rows = np.full((layout.positions, layout.units), 0.2)
    for position, label in enumerate(np.asarray(classes, dtype=int)):
        if 0 <= label < layout.units:
            rows[position, label] = 0.6
    return rows


def _position_is_ignored(call, labels, rows, at=None) -> bool:
    """The loss is blind to the outputs ``at`` (default: position 0) while it sees all the
    others. A loss that raises or gives NaN ignores nothing."""
    if at is None:
        at = np.zeros(rows.shape, dtype=bool)
        at[0] = True
    try:
        base = call(labels, rows)
        moved_at = call(labels, _reshuffled(rows, at))
        moved_elsewhere = call(labels, _reshuffled(rows, ~at))
    except _LossError:
        return False
    return _unchanged(base, moved_at) and _clearly_changed(base, moved_elsewhere)


def _reshuffled(rows, where) -> np.ndarray:
    """Turn the outputs ``where`` upside down (low ones high), by unequal amounts: the
    labelled class loses its lead, and a softmax can't shrug the change off as a shift.
    Every value moves, by 0.1 or more, as none of the probe's outputs (0.2, 0.3, 0.6) is
    a fixed point of ``1 - x + step``."""
    steps = 0.05 * (np.arange(rows.shape[1]) % 3)
    flipped = np.clip(1.0 - rows + steps[np.newaxis, :], 0.05, 0.95)
    return np.where(where, flipped, rows)
