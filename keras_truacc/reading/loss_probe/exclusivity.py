"""Does the loss couple the units of a row (one class per row), or score each unit
on its own?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_truacc.reading.loss_probe.loss_calls import _LossCall, _LossError, _noise, _unchanged
from keras_truacc.reading.loss_probe.probe_inputs import (
    _NARROW,
    _WIDE,
    _Layout,
    _one_hot_rows,
    _ProbeValues,
    _unit_mask,
)

_NEGLIGIBLE_SHARE = 1e-4  # a unit moving the loss this much less than the labelled one: blind


@dataclass(frozen=True)
class _Coupling:
    """How the effect of moving some outputs compared under two backgrounds.

    ``verdict``: ``"coupled"``, ``"independent"``, ``"no_effect"`` or ``"unclear"``;
    ``scale``: the larger of the two effects.
    """

    verdict: str
    scale: float


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


