"""The probe's inputs: the small shapes a loss is probed on (``_Layout``), and the
made-up outputs and labels put through it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from keras_truacc.decision.facts import format_shape

_BATCH_SIZE = 3  # stands in for the batch axis
_INNER_SIZE = 4  # stands in for an unknown (or too large) time or space axis
_SMALLEST_BATCH = 2  # rows must stay at least two, to see whether the loss ties rows together
_MAX_PROBE_ELEMENTS = 200_000  # of one probe output: keeps a probe call cheap


class _CannotProbe(Exception):
    """Probing can't go on; the message is the note the user reads."""


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


def _rows_for_classes(layout, classes) -> np.ndarray:
    """Outputs 0.2, and 0.6 at each position's labelled class (when it is a class)."""
    rows = np.full((layout.positions, layout.units), 0.2)
    for position, label in enumerate(np.asarray(classes, dtype=int)):
        if 0 <= label < layout.units:
            rows[position, label] = 0.6
    return rows


def _reshuffled(rows, where) -> np.ndarray:
    """Turn the outputs ``where`` upside down (low ones high), by unequal amounts: the
    labelled class loses its lead, and a softmax can't shrug the change off as a shift.
    Every value moves, by 0.1 or more, as none of the probe's outputs (0.2, 0.3, 0.6) is
    a fixed point of ``1 - x + step``."""
    steps = 0.05 * (np.arange(rows.shape[1]) % 3)
    flipped = np.clip(1.0 - rows + steps[np.newaxis, :], 0.05, 0.95)
    return np.where(where, flipped, rows)
