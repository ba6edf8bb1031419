"""Where do a positive and a negative label cost the same? That output value is
the decision threshold the loss means (0.5 for probabilities, 0 for logits)."""

from __future__ import annotations

import numpy as np

from keras_truacc.reading.loss_probe.loss_calls import _LossCall, _LossError, _noise
from keras_truacc.reading.loss_probe.probe_inputs import _Layout

_DECISION_GRID = (-6.0, -3.0, -1.5, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 3.0, 6.0)
_SNAP_POINTS = (0.0, 0.5)
_SNAP_TOLERANCE = 1e-3
_BISECTION_WIDTH = 1e-4
_SYMMETRY_OFFSETS = (0.25, 1.0)
_SYMMETRY_TOLERANCE = 1e-3  # relative; the bisection leaves the point 1e-4 off


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


