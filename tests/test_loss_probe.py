"""probe_loss against numpy: every fact the probe reports is worked out again here.

Each case pairs a loss with its formula written in numpy (float64). The expected
facts come from that formula, found by other means than the probe's: random rows
and random steps for coupling, a fine grid for the decision point, random outputs
for ignored labels. A second test checks the numpy reference itself against what
each formula is known to do, so that a broken reference can't pass unnoticed.
"""

import functools
import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import keras
import numpy as np
import pytest
from keras import ops

from keras_truacc.decision.facts import LossProbe
from keras_truacc.reading.loss_probe import probe_loss
from tests.corpus.ner_transformers import CustomNonPaddingTokenLoss  # keras-io NER loss

EPS = 1e-7  # keras.backend.epsilon(): Keras clips probabilities to [EPS, 1 - EPS]
CANDIDATES = (0, -1, -100)


# --- The losses' formulas in numpy -------------------------------------------------------------
# y: (rows, units) labels, or (rows,) class indices; p: (rows, units) outputs.
# They return one loss per row, or a scalar for losses that are not row by row.


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def unit_bce(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def np_bce(y, p, from_logits=False):
    return unit_bce(y, sigmoid(p) if from_logits else p).mean(-1)


def np_bce_logits_by_hand(y, z):
    return (np.logaddexp(0.0, z) - y * z).mean(-1)  # softplus(z) - y z


def np_weighted_bce_logits(y, z, pos_weight=3.0):
    return (pos_weight * y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)).mean(-1)


def np_bce_on_a_0_to_10_scale(y, p):
    return np_bce(y, p / 10.0)


def np_binary_focal(y, p, from_logits=False, apply_class_balancing=False, alpha=0.25, gamma=2):
    p = sigmoid(p) if from_logits else p
    p_t = y * p + (1 - y) * (1 - p)
    focal = (1 - p_t) ** gamma * unit_bce(y, p)
    if apply_class_balancing:
        focal = (y * alpha + (1 - y) * (1 - alpha)) * focal
    return focal.mean(-1)


def np_focal_by_hand(y, p, clip=True):
    if clip:
        p = np.clip(p, EPS, 1 - EPS)
    with np.errstate(all="ignore"):
        return (-(y * (1 - p) ** 2 * np.log(p) + (1 - y) * p**2 * np.log(1 - p))).mean(-1)


def class_probabilities(p, from_logits):
    probs = softmax(p) if from_logits else p / p.sum(-1, keepdims=True)
    return np.clip(probs, EPS, 1 - EPS)


def np_cce(y, p, from_logits=False):
    if from_logits:
        return -(y * (p - np.log(np.exp(p).sum(-1, keepdims=True)))).sum(-1)
    return -(y * np.log(class_probabilities(p, False))).sum(-1)


def np_categorical_focal(y, p, from_logits=False, alpha=0.25, gamma=2.0):
    probs = class_probabilities(p, from_logits)
    return (-alpha * y * (1 - probs) ** gamma * np.log(probs)).sum(-1)


def keras_one_hot(labels, units):
    """Class indices as one-hot rows, with what Keras's backend does to a label outside
    [0, units): TensorFlow raises; JAX's one_hot gives a row of zeros (a loss of 0);
    PyTorch's cross_entropy skips -100 (its ignore_index) and raises for the others."""
    labels = np.asarray(labels, dtype=int)
    outside = (labels < 0) | (labels >= units)
    backend = keras.backend.backend()
    if backend == "torch":
        outside_ok = labels == -100
    else:
        outside_ok = np.full(labels.shape, backend == "jax")
    if (outside & ~outside_ok).any():
        raise ValueError(f"label outside [0, {units})")
    return np.where(outside[:, None], 0.0, np.eye(units)[np.where(outside, 0, labels)])


def np_scce(labels, p, from_logits=False, ignore_class=None):
    labels = np.asarray(labels, dtype=float)
    valid = np.ones(len(labels), bool) if ignore_class is None else labels != ignore_class
    losses = np_cce(keras_one_hot(np.where(valid, labels, 0), p.shape[-1]), p, from_logits)
    if ignore_class is None:
        return losses
    return float((losses * valid).sum() / valid.sum())  # Keras reduces over valid rows only


def np_ner_masked_loss(labels, p):
    mask = (np.asarray(labels) > 0).astype(float)
    losses = np_cce(keras_one_hot(labels, p.shape[-1]), p)
    return float((losses * mask).sum() / mask.sum())


def hinge_labels(y):
    return 2 * y - 1 if np.isin(y, (0, 1)).all() else y


def np_hinge(y, p):
    return np.maximum(1 - hinge_labels(y) * p, 0).mean(-1)


def np_squared_hinge(y, p):
    return (np.maximum(1 - hinge_labels(y) * p, 0) ** 2).mean(-1)


def np_categorical_hinge(y, p):
    return np.maximum((((1 - y) * p).max(-1)) - (y * p).sum(-1) + 1, 0)


def np_kld(y, p):
    y, p = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    return (y * np.log(y / p)).sum(-1)


def np_log_labelled_unnormalised(y, p):
    return -(y * np.log(np.clip(p, EPS, 1))).sum(-1)


def np_masked_multilabel_bce(y, p):
    mask = (y >= 0).astype(float)
    per_row = (unit_bce(np.maximum(y, 0), p) * mask).sum(-1)
    return per_row * len(y) / max(mask.sum(), 1.0)  # their mean: sum(losses) / sum(mask)


def np_dice(y, p):
    return float(1 - 2 * (y * p).sum() / (y.sum() + p.sum()))


# --- The same losses written by hand with keras.ops --------------------------------------------


def bce_logits_by_hand(y_true, y_pred):
    return ops.mean(ops.softplus(y_pred) - y_true * y_pred)


def weighted_bce_logits(y_true, y_pred, pos_weight=3.0):
    positive = pos_weight * y_true * ops.softplus(-y_pred)
    return ops.mean(positive + (1 - y_true) * ops.softplus(y_pred), axis=-1)


class FocalByHand(keras.losses.Loss):
    """A binary focal loss on probabilities, written out (optionally without clipping)."""

    def __init__(self, clip=True, name="focal_by_hand"):
        super().__init__(name=name)
        self.clip = clip

    def call(self, y_true, y_pred):
        p = ops.clip(y_pred, EPS, 1 - EPS) if self.clip else y_pred
        positive = y_true * ops.square(1 - p) * ops.log(p)
        negative = (1 - y_true) * ops.square(p) * ops.log(1 - p)
        return ops.mean(-(positive + negative), axis=-1)


def bce_on_a_0_to_10_scale(y_true, y_pred):
    return keras.losses.binary_crossentropy(y_true, y_pred / 10.0)


def log_labelled_unnormalised(y_true, y_pred):
    return -ops.sum(y_true * ops.log(ops.clip(y_pred, EPS, 1.0)), axis=-1)


def masked_multilabel_bce(y_true, y_pred):
    mask = ops.cast(y_true >= 0, "float32")
    y = ops.maximum(y_true, 0.0)
    p = ops.clip(y_pred, EPS, 1 - EPS)
    losses = -(y * ops.log(p) + (1 - y) * ops.log(1 - p))
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


def dice_loss(y_true, y_pred):
    return 1 - 2 * ops.sum(y_true * y_pred) / (ops.sum(y_true) + ops.sum(y_pred))


# --- Cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    make_loss: object  # () -> the loss, built fresh in each test
    formula: object  # its numpy formula
    output_shape: tuple
    label_shape: tuple
    known: tuple  # (exclusive, decision point, ignored label) the formula is known to give

    @property
    def units(self):
        return self.output_shape[-1]

    @property
    def sparse(self):
        """Class indices: one axis fewer than the output, or (N, 1) for several units."""
        fewer_axes = len(self.label_shape) < len(self.output_shape)
        return self.units > 1 and (fewer_axes or self.label_shape[-1] == 1)


L = keras.losses
DENSE = ((None, 10), (None, 10))
ONE_UNIT = ((None, 1), (None, 1))
PER_UNIT_PROBABILITIES = (False, 0.5, None)
PER_UNIT_LOGITS = (False, 0.0, None)
ONE_CLASS_PER_ROW = (True, None, None)
# A plain Keras sparse loss on a class index outside [0, units): TensorFlow raises, JAX's
# one_hot makes it a row of zeros (-1 costs nothing: ignored), PyTorch skips -100.
OUT_OF_RANGE_IGNORED = {"jax": -1, "torch": -100}.get(keras.backend.backend())
PLAIN_SPARSE = (True, None, OUT_OF_RANGE_IGNORED)


def both(loss, formula, **kwargs):
    """The Keras loss (a class or a function) and its numpy formula, with the same arguments."""
    return functools.partial(loss, **kwargs), functools.partial(formula, **kwargs)


def function_form(fn, formula, **kwargs):
    """A loss given as a bare function, as in ``compile(loss=keras.losses.hinge)``."""
    loss = functools.partial(fn, **kwargs) if kwargs else fn
    return (lambda: loss), functools.partial(formula, **kwargs)


CASES = {
    "BinaryCrossentropy": Case(
        *both(L.BinaryCrossentropy, np_bce), *DENSE, PER_UNIT_PROBABILITIES
    ),
    "BinaryCrossentropy logits": Case(
        *both(L.BinaryCrossentropy, np_bce, from_logits=True), *DENSE, PER_UNIT_LOGITS
    ),
    "BinaryCrossentropy one unit, (N,) labels": Case(
        *both(L.BinaryCrossentropy, np_bce), (None, 1), (None,), PER_UNIT_PROBABILITIES
    ),
    "BinaryCrossentropy logits one unit": Case(
        *both(L.BinaryCrossentropy, np_bce, from_logits=True), *ONE_UNIT, PER_UNIT_LOGITS
    ),
    "BinaryFocalCrossentropy": Case(
        *both(L.BinaryFocalCrossentropy, np_binary_focal), *DENSE, PER_UNIT_PROBABILITIES
    ),
    "BinaryFocalCrossentropy logits": Case(
        *both(L.BinaryFocalCrossentropy, np_binary_focal, from_logits=True),
        *DENSE,
        PER_UNIT_LOGITS,
    ),
    # Class balancing weighs label 0 three times label 1: the losses cross at 0.4209, where
    # the loss is lopsided, so that is no threshold the outputs mean.
    "BinaryFocalCrossentropy balanced": Case(
        *both(L.BinaryFocalCrossentropy, np_binary_focal, apply_class_balancing=True),
        *DENSE,
        (False, None, None),
    ),
    "CategoricalCrossentropy": Case(
        *both(L.CategoricalCrossentropy, np_cce), *DENSE, ONE_CLASS_PER_ROW
    ),
    "CategoricalCrossentropy logits": Case(
        *both(L.CategoricalCrossentropy, np_cce, from_logits=True), *DENSE, ONE_CLASS_PER_ROW
    ),
    "CategoricalCrossentropy two units": Case(
        *both(L.CategoricalCrossentropy, np_cce), (None, 2), (None, 2), ONE_CLASS_PER_ROW
    ),
    "CategoricalCrossentropy logits 1000 units": Case(
        *both(L.CategoricalCrossentropy, np_cce, from_logits=True),
        (None, 1000),
        (None, 1000),
        ONE_CLASS_PER_ROW,
    ),
    "CategoricalFocalCrossentropy": Case(
        *both(L.CategoricalFocalCrossentropy, np_categorical_focal), *DENSE, ONE_CLASS_PER_ROW
    ),
    "CategoricalFocalCrossentropy logits": Case(
        *both(L.CategoricalFocalCrossentropy, np_categorical_focal, from_logits=True),
        *DENSE,
        ONE_CLASS_PER_ROW,
    ),
    "SparseCategoricalCrossentropy": Case(
        *both(L.SparseCategoricalCrossentropy, np_scce), (None, 10), (None,), PLAIN_SPARSE
    ),
    "SparseCategoricalCrossentropy logits": Case(
        *both(L.SparseCategoricalCrossentropy, np_scce, from_logits=True),
        (None, 10),
        (None, 1),
        PLAIN_SPARSE,
    ),
    "SparseCategoricalCrossentropy ignore_class=0": Case(
        *both(L.SparseCategoricalCrossentropy, np_scce, ignore_class=0),
        (None, 10),
        (None, 1),
        (True, None, 0),
    ),
    "SparseCategoricalCrossentropy logits ignore_class=0": Case(
        *both(L.SparseCategoricalCrossentropy, np_scce, from_logits=True, ignore_class=0),
        (None, 10),
        (None,),
        (True, None, 0),
    ),
    "SparseCategoricalCrossentropy ignore_class=-1 sequences": Case(
        *both(L.SparseCategoricalCrossentropy, np_scce, from_logits=True, ignore_class=-1),
        (None, 20, 10),
        (None, 20),
        (True, None, -1),
    ),
    "Hinge": Case(*both(L.Hinge, np_hinge), *DENSE, PER_UNIT_LOGITS),
    "Hinge one unit": Case(*both(L.Hinge, np_hinge), *ONE_UNIT, PER_UNIT_LOGITS),
    "SquaredHinge": Case(*both(L.SquaredHinge, np_squared_hinge), *DENSE, PER_UNIT_LOGITS),
    "CategoricalHinge": Case(
        *both(L.CategoricalHinge, np_categorical_hinge), *DENSE, ONE_CLASS_PER_ROW
    ),
    # Linear in the outputs between its kinks: only wide outputs or other labels show coupling.
    "CategoricalHinge two units": Case(
        *both(L.CategoricalHinge, np_categorical_hinge), (None, 2), (None, 2), ONE_CLASS_PER_ROW
    ),
    # Zero labels are clipped to 1e-7: unlabelled units move the loss, but next to nothing.
    "KLDivergence": Case(*both(L.KLDivergence, np_kld), *DENSE, ONE_CLASS_PER_ROW),
    "fn binary_crossentropy": Case(
        *function_form(L.binary_crossentropy, np_bce), *DENSE, PER_UNIT_PROBABILITIES
    ),
    "fn binary_crossentropy from_logits": Case(
        *function_form(L.binary_crossentropy, np_bce, from_logits=True),
        *DENSE,
        PER_UNIT_LOGITS,
    ),
    "fn binary_focal_crossentropy": Case(
        *function_form(L.binary_focal_crossentropy, np_binary_focal),
        *DENSE,
        PER_UNIT_PROBABILITIES,
    ),
    "fn categorical_crossentropy": Case(
        *function_form(L.categorical_crossentropy, np_cce), *DENSE, ONE_CLASS_PER_ROW
    ),
    "fn categorical_focal_crossentropy": Case(
        *function_form(L.categorical_focal_crossentropy, np_categorical_focal),
        *DENSE,
        ONE_CLASS_PER_ROW,
    ),
    "fn sparse_categorical_crossentropy": Case(
        *function_form(L.sparse_categorical_crossentropy, np_scce),
        (None, 10),
        (None,),
        PLAIN_SPARSE,
    ),
    "fn hinge": Case(*function_form(L.hinge, np_hinge), *DENSE, PER_UNIT_LOGITS),
    "fn squared_hinge": Case(
        *function_form(L.squared_hinge, np_squared_hinge), *DENSE, PER_UNIT_LOGITS
    ),
    "fn categorical_hinge": Case(
        *function_form(L.categorical_hinge, np_categorical_hinge), *DENSE, ONE_CLASS_PER_ROW
    ),
    "fn kl_divergence": Case(*function_form(L.kl_divergence, np_kld), *DENSE, ONE_CLASS_PER_ROW),
    "custom: NER masked loss": Case(
        CustomNonPaddingTokenLoss, np_ner_masked_loss, (None, 20, 10), (None, 20), (True, None, 0)
    ),
    "custom: BCE on logits by hand": Case(
        *function_form(bce_logits_by_hand, np_bce_logits_by_hand), *DENSE, PER_UNIT_LOGITS
    ),
    "custom: focal on probabilities by hand": Case(
        FocalByHand, np_focal_by_hand, *DENSE, PER_UNIT_PROBABILITIES
    ),
    # NaN outside [0, 1]: only three of the probe's grid values give a number.
    "custom: focal on probabilities, unclipped": Case(
        *both(FocalByHand, np_focal_by_hand, clip=False), *DENSE, PER_UNIT_PROBABILITIES
    ),
    # Label 1 weighs 3 times label 0: the losses cross at a logit of 0.7645, a lopsided point.
    "custom: pos-weighted BCE on logits": Case(
        *function_form(weighted_bce_logits, np_weighted_bce_logits), *ONE_UNIT, (False, None, None)
    ),
    # Symmetric about 5: a decision point that is neither 0 nor 0.5 but is one all the same.
    "custom: BCE on outputs scaled to [0, 10]": Case(
        *function_form(bce_on_a_0_to_10_scale, np_bce_on_a_0_to_10_scale),
        *DENSE,
        (False, 5.0, None),
    ),
    "custom: -log p of the labelled class": Case(
        *function_form(log_labelled_unnormalised, np_log_labelled_unnormalised),
        *DENSE,
        ONE_CLASS_PER_ROW,
    ),
    "custom: multi-label BCE ignoring -1": Case(
        *function_form(masked_multilabel_bce, np_masked_multilabel_bce),
        (None, 5),
        (None, 5),
        (False, 0.5, -1),
    ),
    # Sums over the whole batch: rows are tied, so units are coupled whatever the task.
    "custom: Dice over the batch": Case(
        *function_form(dice_loss, np_dice), *DENSE, (None, None, None)
    ),
}


# --- What the numpy formula says ---------------------------------------------------------------


def total(formula, y, p):
    """The loss of a batch, reduced as Keras does: the mean of the per-row losses."""
    with np.errstate(all="ignore"):
        return float(np.mean(formula(y, p)))


def random_one_hot(rng, rows, units):
    return np.eye(units)[rng.integers(0, units, rows)]


def second_difference(formula, y, p, first, second, h1, h2):
    """How much the effect of moving output ``first`` by h1 changes when ``second`` moves by h2."""
    e1, e2 = np.zeros_like(p), np.zeros_like(p)
    e1[first], e2[second] = h1, h2
    moved = total(formula, y, p + e1 + e2) - total(formula, y, p + e2)
    return moved - (total(formula, y, p + e1) - total(formula, y, p)), total(formula, y, p)


def reference_coupling(formula, units, rng, trials=300):
    """(units coupled within a row, rows tied together, only the labelled unit matters)."""
    coupled = tied = False
    largest_unlabelled_share = 0.0
    for trial in range(trials):
        low, high = ((0.05, 0.95), (-3.0, 3.0))[trial % 2]
        p = rng.uniform(low, high, (2, units))
        y = random_one_hot(rng, 2, units)
        j, m = rng.choice(units, 2, replace=False)
        h1, h2 = rng.uniform(0.05, 0.5, 2) * rng.choice((-1, 1), 2)
        within, size = second_difference(formula, y, p, (0, j), (0, m), h1, h2)
        across, _ = second_difference(formula, y, p, (0, j), (1, m), h1, h2)
        tolerance = 1e-9 * (1 + abs(size))
        coupled |= bool(np.isfinite(within) and abs(within) > tolerance)
        tied |= bool(np.isfinite(across) and abs(across) > tolerance)
        labelled = int(y[0].argmax())
        unlabelled = (labelled + 1 + rng.integers(units - 1)) % units
        labelled_effect = unit_effect(formula, y, p, labelled)
        if low > 0 and labelled_effect > 0:  # probabilities: no unit sits in a clipped region
            share = unit_effect(formula, y, p, unlabelled) / labelled_effect
            largest_unlabelled_share = max(largest_unlabelled_share, share)
    return coupled, tied, largest_unlabelled_share < 1e-4


def unit_effect(formula, y, p, unit):
    moved = p.copy()
    moved[0, unit] += 0.3
    return abs(total(formula, y, moved) - total(formula, y, p))


def reference_exclusive(case, rng):
    if case.sparse:
        return True  # one class index per row
    if case.units == 1:
        return False  # a single unit has nothing to be coupled with
    coupled, tied, only_labelled = reference_coupling(case.formula, case.units, rng)
    if tied:
        return None
    return coupled or only_labelled


def reference_decision_point(case):
    """Where loss(labels 1) - loss(labels 0) changes sign, on a grid 0.0005 apart."""
    values = np.linspace(-6, 6, 24_001)
    rows = np.repeat(values[:, None], case.units, axis=1)
    with np.errstate(all="ignore"):
        gap = case.formula(np.ones_like(rows), rows) - case.formula(np.zeros_like(rows), rows)
    finite = np.isfinite(gap)
    values, gap = values[finite], gap[finite]
    signs = np.sign(np.where(np.abs(gap) < 1e-9, 0.0, gap))
    nonzero = np.flatnonzero(signs)
    changes = np.flatnonzero(np.diff(signs[nonzero]) != 0)
    if len(changes) != 1 or signs[nonzero[changes[0]]] < 0:
        return None
    left, right = nonzero[changes[0]], nonzero[changes[0] + 1]
    point = float((values[left] + values[right]) / 2)
    if min(abs(point), abs(point - 0.5)) > 1e-3 and not symmetric_about(case.formula, point):
        return None  # the labels are weighed unequally: no threshold the outputs mean
    return point


def symmetric_about(formula, point):
    """Label 1 at point + t costs what label 0 costs at point - t, for t in (0, 2]."""
    offsets = np.linspace(0.01, 2.0, 200)[:, None]
    with np.errstate(all="ignore"):
        positive = formula(np.ones((200, 1)), point + offsets)
        negative = formula(np.zeros((200, 1)), point - offsets)
    return bool(np.allclose(positive, negative, rtol=1e-3, atol=1e-9))


def reference_ignored_label(case, exclusive, rng):
    for candidate in CANDIDATES:
        if case.sparse:
            others = [c for c in range(case.units) if c != candidate]
            y = rng.choice(others, 8).astype(float)
            y[0] = candidate
            at = np.zeros((8, case.units), bool)
            at[0] = True
        elif exclusive is False:
            y = rng.integers(0, 2, (8, case.units)).astype(float)
            y[0, 0] = candidate
            at = np.zeros(y.shape, bool)
            at[0, 0] = True
        elif candidate == 0:
            y = np.eye(case.units)[rng.integers(1, case.units, 8)]
            y[0] = np.eye(case.units)[0]
            at = np.zeros(y.shape, bool)
            at[0] = True
        else:
            continue
        if outputs_at_are_ignored(case.formula, y, at, rng):
            return candidate
    return None


def outputs_at_are_ignored(formula, y, at, rng):
    """The loss never moves when the outputs ``at`` take random values, but moves with the
    others."""
    try:
        base = rng.uniform(0.05, 0.95, at.shape)
        reference = total(formula, y, base)
        at_moved = [
            total(formula, y, np.where(at, rng.uniform(0.05, 0.95, at.shape), base))
            for _ in range(20)
        ]
        others_moved = total(formula, y, np.where(at, base, rng.uniform(0.05, 0.95, at.shape)))
    except ValueError:  # the formula refuses the label: it doesn't ignore it
        return False
    if not np.isfinite([reference, others_moved, *at_moved]).all():
        return False
    unchanged = max(abs(v - reference) for v in at_moved) <= 1e-12 * max(1.0, abs(reference))
    return unchanged and abs(others_moved - reference) > 1e-6 * abs(reference)


@functools.lru_cache(maxsize=None)
def reference_facts(name):
    case = CASES[name]
    rng = np.random.default_rng(7)
    exclusive = reference_exclusive(case, rng)
    point = reference_decision_point(case) if exclusive is False and not case.sparse else None
    return exclusive, point, reference_ignored_label(case, exclusive, rng)


def assert_facts_match(probe: LossProbe, expected):
    exclusive, point, ignored = expected
    assert not probe.failed, probe.notes
    assert probe.exclusive is exclusive, probe.notes
    if point is None:
        assert probe.decision_point is None, probe.notes
    else:
        assert probe.decision_point == pytest.approx(point, abs=1.5e-3), probe.notes
    assert probe.ignored_label == ignored, probe.notes


# --- Tests -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Replaces the suite's clear_session (0.3 s a test): the probe makes no layers or
    variables, and its losses hold no state."""
    yield


@pytest.mark.parametrize("name", list(CASES))
def test_probe_finds_what_the_numpy_formula_shows(name):
    case = CASES[name]
    probe = probe_loss(case.make_loss(), case.output_shape, case.label_shape)
    assert_facts_match(probe, reference_facts(name))
    # One sentence per fact (exclusive, ignored label, and the decision point when asked).
    expected_notes = 3 if probe.exclusive is False and not case.sparse else 2
    assert len(probe.notes) >= expected_notes and all(n.endswith(".") for n in probe.notes)


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_reference_agrees_with_what_the_formula_is_known_to_do(name):
    exclusive, point, ignored = reference_facts(name)
    known_exclusive, known_point, known_ignored = CASES[name].known
    assert (exclusive, ignored) == (known_exclusive, known_ignored)
    assert point == (None if known_point is None else pytest.approx(known_point, abs=1e-3))


def test_notes_say_what_was_learned():
    probe = probe_loss(CustomNonPaddingTokenLoss(), (None, 20, 10), (None, 20))
    assert probe.notes == (
        "Class-index labels: one class per row.",
        "Probing the loss showed that positions labelled 0 don't change it: they are ignored.",
    )
    probe = probe_loss(bce_logits_by_hand, (None, 3), (None, 3))
    assert "outputs are logits or scores, decided at 0." in probe.notes[1]
    probe = probe_loss(FocalByHand(), (None, 3), (None, 3))
    assert "outputs are probabilities, decided at 0.5." in probe.notes[1]
    probe = probe_loss(L.BinaryFocalCrossentropy(apply_class_balancing=True), (None, 3), (None, 3))
    assert "cost the same at output 0.4209, but it weighs them unequally" in probe.notes[1]


def raises(y_true, y_pred):
    raise TypeError("this loss wants a dict")


def gives_nan(y_true, y_pred):
    return ops.mean(y_pred) * float("nan")


def gives_nan_for_zero_labels(y_true, y_pred):
    return ops.mean(ops.log(y_true - 0.5) + y_pred)


def random_loss(y_true, y_pred):
    return ops.mean(y_pred) * np.random.default_rng().uniform(1, 2)


@pytest.mark.parametrize(
    "loss, note",
    [
        (raises, "Probing the loss failed (TypeError: this loss wants a dict)"),
        (gives_nan, "Probing the loss failed (it returned nan)"),
        (gives_nan_for_zero_labels, "Probing the loss failed (it returned nan)"),
        pytest.param(
            random_loss,
            "for the same outputs and labels (is it random?)",
            marks=pytest.mark.skipif(
                keras.backend.backend() == "jax",
                reason="jax.jit draws Python-side randomness once, as a jitted train step does",
            ),
        ),
        ("not a loss", "is not callable"),
    ],
)
def test_a_loss_that_fails_gives_a_failed_probe_with_a_note(loss, note):
    probe = probe_loss(loss, (None, 10), (None, 10))
    assert probe.failed
    assert (probe.exclusive, probe.decision_point, probe.ignored_label) == (None, None, None)
    assert len(probe.notes) == 1 and note in probe.notes[0]


@pytest.mark.parametrize(
    "output_shape, label_shape, note",
    [
        ((None, None), (None, None), "doesn't say how many units it has"),
        ((), (), "has no batch axis"),
        ((None,), (None, 3), "don't fit"),
        ((None, 10), (None, 5), "don't fit"),
        ((None, 20, 10), (None, 30), "don't fit"),
        ((None, 10), None, "the label shape None is unknown"),
    ],
)
def test_shapes_that_cant_be_probed_give_a_failed_probe(output_shape, label_shape, note):
    probe = probe_loss(L.BinaryCrossentropy(), output_shape, label_shape)
    assert probe.failed and note in probe.notes[0]


def test_a_loss_that_fails_only_on_some_probes_leaves_those_facts_unknown():
    def refuses_all_ones(y_true, y_pred):  # a per-unit BCE that fails when every label is 1
        bce = L.binary_crossentropy(y_true, y_pred)
        return ops.where(ops.all(y_true == 1), ops.log(-ops.ones_like(bce)), bce)

    probe = probe_loss(refuses_all_ones, (None, 10), (None, 10))
    assert not probe.failed and probe.exclusive is False and probe.decision_point is None
    assert "decision point" in probe.notes[1] and "unknown" in probe.notes[1]


def test_a_rank_1_output_is_one_unit_per_sample():
    case = CASES["BinaryCrossentropy logits one unit"]
    for label_shape in [(None,), (None, 1)]:
        probe = probe_loss(case.make_loss(), (None,), label_shape)
        assert_facts_match(probe, reference_facts("BinaryCrossentropy logits one unit"))


def test_a_loss_that_ignores_its_inputs_tells_nothing():
    probe = probe_loss(lambda y_true, y_pred: ops.mean(y_pred) * 0.0 + 1.0, (None, 10), (None, 10))
    assert not probe.failed
    assert (probe.exclusive, probe.decision_point, probe.ignored_label) == (None, None, None)
    assert "couldn't tell" in probe.notes[0]


def test_large_outputs_are_probed_smaller_and_say_so():
    probe = probe_loss(L.CategoricalCrossentropy(), (None, 512, 512, 21), (None, 512, 512, 21))
    assert probe.exclusive is True
    assert "smaller than the model's" in probe.notes[0]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's tf.function")
@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("name", ["custom: NER masked loss", "custom: BCE on logits by hand"])
def test_probe_inside_a_tf_function_trace_is_eager_and_the_same(name, jit_compile):
    import tensorflow as tf

    case = CASES[name]
    seen = []

    @tf.function(jit_compile=jit_compile)
    def step(x):
        seen.append(probe_loss(case.make_loss(), case.output_shape, case.label_shape))
        return x * 2.0

    step(tf.constant(1.0))
    assert seen[0] == probe_loss(case.make_loss(), case.output_shape, case.label_shape)
    assert_facts_match(seen[0], reference_facts(name))


def test_one_probe_is_quick():
    loss = L.BinaryCrossentropy(from_logits=True)
    probe_loss(loss, (None, 10), (None, 10))  # the backend's first calls warm it up
    start = time.perf_counter()
    probe_loss(loss, (None, 10), (None, 10))
    seconds = time.perf_counter() - start
    assert seconds < 1.0, f"one probe took {seconds:.2f} s (a few dozen calls of the loss)"


JAX_CASES = [
    "BinaryCrossentropy logits",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "Hinge one unit",
    "custom: NER masked loss",
    "custom: multi-label BCE ignoring -1",
]

JAX_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import jax, jax.numpy as jnp, keras
    import test_loss_probe as t

    results = {}

    @jax.jit
    def step(x):
        for name in json.loads(sys.argv[2]):
            case = t.CASES[name]
            probe = t.probe_loss(case.make_loss(), case.output_shape, case.label_shape)
            results[name] = [probe.exclusive, probe.decision_point, probe.ignored_label,
                             probe.failed, list(probe.notes)]
        return x * 2.0

    step(jnp.ones(()))
    print(json.dumps({"backend": keras.backend.backend(), "results": results}))
    """
)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="started from the TF run")
def test_probe_inside_a_jax_jit_trace_in_a_jax_process():
    pytest.importorskip("jax")
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, tests_dir, json.dumps(JAX_CASES)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax"
    for name in JAX_CASES:
        exclusive, point, ignored, failed, notes = report["results"][name]
        probe = LossProbe(point, exclusive, ignored, tuple(notes), failed)
        assert_facts_match(probe, reference_facts(name))


def _contrastive(y_true, y_pred):
    """Hadsell et al.'s contrastive loss on a distance, margin 1: label 1 = near."""
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.mean(y_true * ops.square(y_pred)
                    + (1 - y_true) * ops.square(ops.maximum(1.0 - y_pred, 0.0)), axis=-1)


def test_a_loss_on_a_distance_puts_label_1_below_its_decision_point():
    """Label 1 costs more as the output grows: the decision point is where both
    labels cost the same (d**2 == (1 - d)**2, d = 0.5), and label 1 lies below it;
    numpy on the formula agrees at points either side."""
    probe = probe_loss(_contrastive, (None, 1), (None, 1))
    assert probe.decision_point == pytest.approx(0.5, abs=1e-3)
    assert probe.positive_below is True
    for d in (0.2, 0.4, 0.6, 0.8):
        label_1, label_0 = d**2, max(1.0 - d, 0.0) ** 2
        assert (label_1 < label_0) == (d < probe.decision_point)
    # A loss that rises with the output for label 0 (cross-entropy) is not below.
    assert probe_loss(keras.losses.BinaryCrossentropy(), (None, 1), (None, 1)).positive_below is False
