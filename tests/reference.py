"""Independent numpy references: what the user means, computed from model.predict output.

These never import keras_truacc.
"""

import numpy as np


def binary_accuracy(y_true, scores, threshold):
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    return float(np.mean((scores > threshold) == (y_true > 0.5)))


def argmax_accuracy(y_true, probs, sample_weight=None, valid=None):
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true)
    if y_true.shape == probs.shape:
        labels = y_true.argmax(-1)
    else:
        labels = y_true.reshape(probs.shape[:-1]).astype(np.int64)
    hits = (probs.argmax(-1) == labels).astype(np.float64)
    weights = np.ones_like(hits)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        while sw.ndim < hits.ndim:
            sw = sw[..., None]
        weights = weights * sw
    if valid is not None:
        weights = weights * np.asarray(valid, dtype=np.float64)
    return float((hits * weights).sum() / weights.sum())


def per_label_accuracy(y_true, scores, threshold):
    return float(np.mean((np.asarray(scores) > threshold) == (np.asarray(y_true) > 0.5)))


def exact_match_accuracy(y_true, scores, threshold):
    return float(np.mean(((np.asarray(scores) > threshold) == (np.asarray(y_true) > 0.5)).all(-1)))
