"""KerasHub ``DistilBertTextClassifier`` on a tiny ``DistilBertBackbone`` (no preset,
``preprocessor=None``; inputs ``token_ids`` and ``padding_mask``) built with the
documented ``activation="softmax"`` to return probabilities over 3 classes, and
kept with the loss its DEFAULT compile gives it: ``Task.__init__`` calls
``self.compile()`` before the subclass sets ``self.activation``, so
``TextClassifier.compile`` sees no activation and picks
``SparseCategoricalCrossentropy(from_logits=True)`` for a softmax output (KerasHub
meant ``from_logits=False`` here, keras-hub issue #954 / PR #991). The facts
disagree (the loss says logits, the last layer says softmax); the accuracy does
not depend on them: with class-id labels over 3 units it is the argmax, the same
for probabilities and for logits, so the default
``keras.metrics.SparseCategoricalAccuracy()`` is right. (On TensorFlow Keras takes
the softmax's logits back for the loss and warns; on JAX the loss applies a second
softmax.)

Source: keras-team/keras-hub,
keras_hub/src/models/distil_bert/distil_bert_text_classifier.py
(https://keras.io/keras_hub/api/models/distil_bert/distil_bert_text_classifier/),
the docstring's "Preprocessed integer data" and "Custom backbone and vocabulary"
examples and the ``activation`` argument; the default compile in
keras_hub/src/models/text_classifier.py and keras_hub/src/models/task.py,
keras-hub 0.32.0.
Kept: ``DistilBertBackbone(vocabulary_size, num_layers, num_heads, hidden_dim,
intermediate_dim, max_sequence_length)``; ``DistilBertTextClassifier(backbone=...,
num_classes=..., preprocessor=None, activation="softmax")`` with its default
dropout; features {"token_ids", "padding_mask"} with [PAD] = 0; class-id labels;
the default compile's loss object (``classifier.loss``, from_logits=True) and its
metric (``SparseCategoricalAccuracy()``).
Changed: vocabulary_size 64, 1 layer, 2 heads, hidden_dim 16, intermediate_dim 32,
max_sequence_length 16; 3 classes; 480 synthetic "sentences" ([CLS] words [SEP]
[PAD]...: each class has its own set of words among neutral ones) instead of
strings through the preprocessor; to append the harness's ``truacc.auto`` the case
calls ``classifier.compile(optimizer=keras.optimizers.Adam(1e-2),
loss=classifier.loss, metrics=[keras.metrics.SparseCategoricalAccuracy()] +
extra())``: the default compile's own loss object passed back unchanged
(recompiling with ``loss="auto"`` would now see the activation and change it),
Adam(1e-2) instead of the default Adam(5e-5) (random weights, 3 short epochs, and
on JAX a doubly-softmaxed loss that learns slowly);
batch 32; 3 epochs.
"""

import keras
import keras_hub
import numpy as np

from tests import reference as ref

EPOCHS = 3
VOCAB_SIZE, SEQUENCE_LENGTH, NUM_CLASSES = 64, 16, 3
PAD, CLS, SEP = 0, 1, 2
N, N_VAL = 480, 96


def _sentences(rng, n):
    labels = rng.integers(0, NUM_CLASSES, n)
    token_ids = np.full((n, SEQUENCE_LENGTH), PAD, dtype="int32")
    for i, label in enumerate(labels):
        length = int(rng.integers(4, SEQUENCE_LENGTH - 1))
        words = rng.integers(28, VOCAB_SIZE, size=length)  # neutral words
        topical = rng.uniform(size=length) < 0.6
        own = rng.integers(4 + 8 * label, 12 + 8 * label, size=length)  # 8 words per class
        token_ids[i, : length + 2] = [CLS] + list(np.where(topical, own, words)) + [SEP]
    features = {"token_ids": token_ids, "padding_mask": (token_ids != PAD).astype("int32")}
    return features, labels.astype("int32")


def make_data(rng):
    features, labels = _sentences(rng, N)
    train = {k: v[:-N_VAL] for k, v in features.items()}
    val = {k: v[-N_VAL:] for k, v in features.items()}
    return {"x": train, "y": labels[:-N_VAL], "val": (val, labels[-N_VAL:]),
            "fit": {"batch_size": 32}}


def build(extra, data):
    backbone = keras_hub.models.DistilBertBackbone(
        vocabulary_size=VOCAB_SIZE,
        num_layers=1,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=SEQUENCE_LENGTH,
    )
    classifier = keras_hub.models.DistilBertTextClassifier(
        backbone=backbone,
        num_classes=NUM_CLASSES,
        preprocessor=None,
        activation="softmax",
    )
    default_loss = classifier.loss  # what the default compile chose
    assert default_loss.get_config()["from_logits"] is True, default_loss.get_config()
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=default_loss,
        metrics=[keras.metrics.SparseCategoricalAccuracy()] + extra(),
    )
    return classifier


def reference(model, data):
    x_val, y_val = data["val"]
    probs = model.predict(x_val, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_val, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_sparse_categorical_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
