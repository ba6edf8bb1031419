"""KerasHub ``BertTextClassifier`` on a tiny ``BertBackbone`` built from a config
(no preset, ``preprocessor=None``): a Functional ``Task`` subclass taking a dict
of ``token_ids``, ``segment_ids`` and ``padding_mask`` (token ids padded with 0 =
[PAD], the padding only in the inputs) and returning logits over ``num_classes``
(``activation=None``, the default). The task compiles itself when constructed:
``SparseCategoricalCrossentropy(from_logits=True)`` (activation None) and
``metrics=[keras.metrics.SparseCategoricalAccuracy()]`` (right: argmax of the
logits). The case recompiles it as the docstring's "Re-compile (e.g., with a new
learning rate)" does, keeping the task's own loss and its own metric and appending
the harness's ``truacc.auto`` (``TextClassifier.compile`` has no way to add a
metric without naming the list).

Source: keras-team/keras-hub, keras_hub/src/models/bert/bert_text_classifier.py
(https://keras.io/keras_hub/api/models/bert/bert_text_classifier/), the
docstring's "Preprocessed integer data", "Re-compile" and "Custom backbone and
vocabulary" examples; the default compile in
keras_hub/src/models/text_classifier.py (``TextClassifier.compile``), keras-hub
0.32.0.
Kept: ``BertBackbone(vocabulary_size, num_layers, num_heads, hidden_dim,
intermediate_dim, max_sequence_length)``, ``BertTextClassifier(backbone=...,
num_classes=..., preprocessor=None)`` with its default activation (logits) and
dropout; features as a dict of int arrays (``token_ids``, ``segment_ids`` all 0
for one segment, ``padding_mask``); labels as class ids; the recompile's
``loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)`` and
``keras.optimizers.Adam``.
Changed: vocabulary_size 64, 1 layer, 2 heads, hidden_dim 16, intermediate_dim 32,
max_sequence_length 16 instead of a preset; 2 classes; 400 synthetic "sentences"
([CLS] words [SEP] padded with [PAD]: a positive or negative set of sentiment words
among neutral ones) instead of strings through ``BertTextClassifierPreprocessor``;
Adam(3e-3) instead of 5e-5 (a randomly initialised backbone, 3 short epochs); the
recompile's ``jit_compile=True`` dropped (TensorFlow's XLA compile of the step took
~20 s of this case's time on the shared CPU); the recompile adds
``metrics=[keras.metrics.SparseCategoricalAccuracy()] + extra()`` (the default
metric, named again, plus the harness's); batch 32; 3 epochs.
"""

import keras
import keras_hub
import numpy as np

from tests import reference as ref

EPOCHS = 3
VOCAB_SIZE, SEQUENCE_LENGTH, NUM_CLASSES = 64, 16, 2
PAD, CLS, SEP = 0, 1, 2  # BERT's [PAD] is id 0
N, N_VAL = 400, 80


def _sentences(rng, n):
    labels = rng.integers(0, NUM_CLASSES, n)
    token_ids = np.full((n, SEQUENCE_LENGTH), PAD, dtype="int32")
    for i, label in enumerate(labels):
        length = int(rng.integers(4, SEQUENCE_LENGTH - 1))
        words = rng.integers(24, VOCAB_SIZE, size=length)  # neutral words
        sentiment = rng.uniform(size=length) < 0.5
        own = rng.integers(4, 14, size=length) if label else rng.integers(14, 24, size=length)
        token_ids[i, : length + 2] = [CLS] + list(np.where(sentiment, own, words)) + [SEP]
    features = {
        "token_ids": token_ids,
        "segment_ids": np.zeros_like(token_ids),
        "padding_mask": (token_ids != PAD).astype("int32"),
    }
    return features, labels.astype("int32")


def make_data(rng):
    features, labels = _sentences(rng, N)
    train = {k: v[:-N_VAL] for k, v in features.items()}
    val = {k: v[-N_VAL:] for k, v in features.items()}
    return {"x": train, "y": labels[:-N_VAL], "val": (val, labels[-N_VAL:]),
            "fit": {"batch_size": 32}}


def build(extra, data):
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=VOCAB_SIZE,
        num_layers=1,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=SEQUENCE_LENGTH,
    )
    classifier = keras_hub.models.BertTextClassifier(
        backbone=backbone,
        num_classes=NUM_CLASSES,
        preprocessor=None,
    )
    # Re-compile (e.g., with a new learning rate).
    classifier.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.Adam(3e-3),
        metrics=[keras.metrics.SparseCategoricalAccuracy()] + extra(),
    )
    return classifier


def reference(model, data):
    x_val, y_val = data["val"]
    logits = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, logits)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_sparse_categorical_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
