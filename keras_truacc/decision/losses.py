"""What each Keras loss says about the task, the labels and the output's scale.

>>> meaning_of("binary_focal_crossentropy").family
'binary'
>>> canonical_loss_name("SparseCategoricalCrossentropy")
'sparse_categorical_crossentropy'
>>> meaning_of("mse").family
'regression'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LossMeaning:
    """``family`` is one of:

    - ``"binary"``: one independent yes/no decision per output unit, labels 0/1
      (binary or multi-label; a softmax output turns it into multiclass);
    - ``"hinge"``: like binary, but on raw scores decided at 0, labels -1/1 or 0/1;
    - ``"categorical"``: one class per row, one-hot (or soft) labels;
    - ``"sparse_categorical"``: one class per row, integer labels;
    - ``"shape_picked"``: Keras's ``"crossentropy"`` alias, picked from shapes;
    - ``"regression"``: no classes; accuracy has no meaning;
    - ``"not_accuracy"``: a classification-like loss whose outputs are not
      per-sample class scores (CTC sequences, Circle embeddings).
    """

    family: str
    probabilities: bool = True  # whether from_logits=False means probabilities
    description: str = ""


_MEANINGS = {
    "binary_crossentropy": LossMeaning("binary", description="binary cross-entropy"),
    "binary_focal_crossentropy": LossMeaning("binary", description="binary focal cross-entropy"),
    "dice": LossMeaning("binary", description="Dice loss on probabilities"),
    "tversky": LossMeaning("binary", description="Tversky loss on probabilities"),
    "hinge": LossMeaning("hinge", probabilities=False, description="hinge loss on scores"),
    "squared_hinge": LossMeaning(
        "hinge", probabilities=False, description="squared hinge loss on scores"
    ),
    "categorical_crossentropy": LossMeaning(
        "categorical", description="categorical cross-entropy"
    ),
    "categorical_focal_crossentropy": LossMeaning(
        "categorical", description="categorical focal cross-entropy"
    ),
    "categorical_hinge": LossMeaning(
        "categorical", probabilities=False, description="categorical hinge on scores"
    ),
    "kl_divergence": LossMeaning("categorical", description="KL divergence"),
    "sparse_categorical_crossentropy": LossMeaning(
        "sparse_categorical", description="sparse categorical cross-entropy"
    ),
    "categorical_generalized_cross_entropy": LossMeaning(
        "sparse_categorical", description="generalized cross-entropy"
    ),
    "crossentropy": LossMeaning("shape_picked", description="Keras's shape-picked cross-entropy"),
    "mean_squared_error": LossMeaning("regression", description="mean squared error"),
    "mean_absolute_error": LossMeaning("regression", description="mean absolute error"),
    "mean_absolute_percentage_error": LossMeaning(
        "regression", description="mean absolute percentage error"
    ),
    "mean_squared_logarithmic_error": LossMeaning(
        "regression", description="mean squared logarithmic error"
    ),
    "huber": LossMeaning("regression", description="Huber loss"),
    "log_cosh": LossMeaning("regression", description="log-cosh loss"),
    "cosine_similarity": LossMeaning("regression", description="cosine similarity"),
    "poisson": LossMeaning("regression", description="Poisson loss"),
    "ctc": LossMeaning("not_accuracy", description="CTC loss (sequence alignment)"),
    "circle": LossMeaning("not_accuracy", description="Circle loss (metric learning)"),
}

# Keras's string aliases and class names, mapped to the names above.
_ALIASES = {
    "bce": "binary_crossentropy",
    "ce": "crossentropy",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "binarycrossentropy": "binary_crossentropy",
    "binaryfocalcrossentropy": "binary_focal_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "categoricalfocalcrossentropy": "categorical_focal_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "categoricalgeneralizedcrossentropy": "categorical_generalized_cross_entropy",
    "categoricalhinge": "categorical_hinge",
    "squaredhinge": "squared_hinge",
    "kldivergence": "kl_divergence",
    "meansquarederror": "mean_squared_error",
    "meanabsoluteerror": "mean_absolute_error",
    "meanabsolutepercentageerror": "mean_absolute_percentage_error",
    "meansquaredlogarithmicerror": "mean_squared_logarithmic_error",
    "cosinesimilarity": "cosine_similarity",
}


def canonical_loss_name(name: str) -> str:
    """Map a loss's function name, class name or alias to its canonical name.

    Unknown names come back as ``"custom:<name>"``.
    """
    key = name.strip()
    lowered = key.lower()
    if lowered in _MEANINGS:
        return lowered
    squashed = lowered.replace("_", "")
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if squashed in _ALIASES:
        return _ALIASES[squashed]
    for canonical in _MEANINGS:
        if canonical.replace("_", "") == squashed:
            return canonical
    return f"custom:{key}"


def meaning_of(name: str) -> LossMeaning | None:
    """The meaning of a loss, or ``None`` for a custom loss."""
    return _MEANINGS.get(canonical_loss_name(name))
