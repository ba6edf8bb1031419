"""A label value whose positions don't change the loss (padding), and label rows
with no class set that it ignores."""

from __future__ import annotations

import numpy as np

from keras_truacc.reading.loss_probe.loss_calls import _clearly_changed, _LossError, _unchanged
from keras_truacc.reading.loss_probe.probe_inputs import (
    _one_hot_rows,
    _reshuffled,
    _rows_for_classes,
)

_CANDIDATE_LABELS = (0, -1, -100)  # padding labels, in the order they are tried


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


