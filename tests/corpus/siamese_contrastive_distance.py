"""Image similarity with a Siamese network and a contrastive loss: the model's output is
the *Euclidean distance* between two embeddings (a ``Lambda`` layer, no activation, no
Dense on top), trained with a custom contrastive loss function (a closure over
``margin=1``) on labels 0 = same digit, 1 = different digits, and scored with the
example's own ``accuracy(y_true, y_pred)`` function, which calls a pair dissimilar when
the distance is above 0.5.

What the outputs mean is only in the loss: for label 0 it costs ``d**2``, for label 1
``max(margin - d, 0)**2``; the two are equal at ``d = margin / 2 = 0.5``, so the
decision point is 0.5 on the distance, and a distance above it means label 1. The
example's own metric thresholds at exactly that point (strict ``>``), so it is right.
Nothing here is a probability or a logit: the output is unbounded above and never
negative, with no activation to read.

Source: keras-team/keras-io, examples/vision/siamese_contrastive.py (Keras 3 version,
https://keras.io/examples/vision/siamese_contrastive/), "Image similarity estimation
using a Siamese Network with a contrastive loss" (Mehdi, last modified 2022/09/10).
Kept: ``make_pairs`` (one matching pair labelled 0 and one non-matching pair labelled 1
per image, labels float32 of shape (N,)), ``euclidean_distance`` (``ops.sqrt(
ops.maximum(sum_square, epsilon))``), the embedding network (BatchNormalization,
Conv2D(4, 5x5, tanh), AveragePooling2D, Conv2D(16, 5x5, tanh), AveragePooling2D,
Flatten, BatchNormalization, Dense(10, tanh)) shared by both towers, the output
``layers.Lambda(euclidean_distance)([tower_1, tower_2])``, ``loss(margin=1)`` with its
inner ``contrastive_loss``, the ``accuracy`` metric function, ``compile(loss=
loss(margin=margin), optimizer="RMSprop", metrics=[accuracy])``, ``batch_size = 16``,
inputs fed as (N, 28, 28) arrays of 0-255 floats to ``Input((28, 28, 1))``.
Changed: synthetic "digits" (10 classes, each a smooth random 28x28 prototype plus
noise) instead of MNIST; 600 training and 200 validation images (1,200 and 400 pairs)
instead of 30,000 each; ``numpy`` ``rng`` instead of ``random`` in ``make_pairs``;
3 epochs instead of 10; no plots, test split or ``evaluate``. 400 validation pairs are
25 full batches of 16: the example's ``accuracy`` returns one mean per batch, which
Keras averages per batch, so it equals the accuracy over all pairs only when every
batch has the same size.
"""

import keras
import numpy as np
from keras import layers, ops

from tests import reference as ref

EPOCHS = 3
batch_size = 16
margin = 1  # Margin for contrastive loss.
N_CLASSES, N_TRAIN, N_VAL = 10, 600, 200


def _digits(rng, prototypes, n):
    y = rng.integers(0, N_CLASSES, size=n)
    x = prototypes[y] * 200.0 + rng.normal(scale=160.0, size=(n, 28, 28))
    return np.clip(x, 0, 255).astype("float32"), y


def make_pairs(x, y, rng):
    """Creates a tuple containing image pairs with corresponding label."""
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]

    pairs = []
    labels = []

    for idx1 in range(len(x)):
        # add a matching example
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = rng.choice(digit_indices[label1])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [0]

        # add a non-matching example
        label2 = rng.integers(0, num_classes)
        while label2 == label1:
            label2 = rng.integers(0, num_classes)

        idx2 = rng.choice(digit_indices[label2])
        x2 = x[idx2]

        pairs += [[x1, x2]]
        labels += [1]

    return np.array(pairs), np.array(labels).astype("float32")


def make_data(rng):
    # Smooth prototypes: a 7x7 random grid blown up to 28x28.
    coarse = rng.uniform(size=(N_CLASSES, 7, 7)) > 0.55
    prototypes = np.kron(coarse, np.ones((4, 4))).astype("float64")
    x_train, y_train = _digits(rng, prototypes, N_TRAIN)
    x_val, y_val = _digits(rng, prototypes, N_VAL)
    pairs_train, labels_train = make_pairs(x_train, y_train, rng)
    pairs_val, labels_val = make_pairs(x_val, y_val, rng)
    x_train_1, x_train_2 = pairs_train[:, 0], pairs_train[:, 1]
    x_val_1, x_val_2 = pairs_val[:, 0], pairs_val[:, 1]
    return {
        "x": [x_train_1, x_train_2],
        "y": labels_train,
        "val": ([x_val_1, x_val_2], labels_val),
        "fit": {"batch_size": batch_size},
    }


# Provided two tensors t1 and t2
# Euclidean distance = sqrt(sum(square(t1-t2)))
def euclidean_distance(vects):
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


def create_embedding_network():
    inputs = layers.Input((28, 28, 1))
    x = layers.BatchNormalization()(inputs)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)
    return keras.Model(inputs, x, name="embedding")


def loss(margin=1):
    """Provides 'contrastive_loss' an enclosing scope with variable 'margin'."""

    # Contrastive loss = mean( (1-true_value) * square(prediction) +
    #                         true_value * square( max(margin-prediction, 0) ))
    def contrastive_loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


def accuracy(y_true, y_pred):
    """Computes the accuracy of the predictions."""
    y_true = ops.cast(y_true, "float32")

    y_true = ops.reshape(y_true, [-1])
    y_pred = ops.reshape(y_pred, [-1])

    # 0 for similar (<0.5), 1 for dissimilar (>0.5)
    preds = ops.cast(y_pred > 0.5, "float32")
    return ops.mean(ops.equal(y_true, preds))


def build(extra, data):
    embedding_network = create_embedding_network()

    input_1 = layers.Input((28, 28, 1))
    input_2 = layers.Input((28, 28, 1))

    # As mentioned above, Siamese Network share weights between
    # tower networks (sister networks). To allow this, we will use
    # same embedding network for both tower networks.
    tower_1 = embedding_network(input_1)
    tower_2 = embedding_network(input_2)

    # Distance is the output, remove the final Dense Sigmoid layer
    distance = layers.Lambda(euclidean_distance)([tower_1, tower_2])
    siamese = keras.Model(inputs=[input_1, input_2], outputs=distance)

    siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=[accuracy] + extra())
    return siamese


def reference(model, data):
    (x_val_1, x_val_2), labels_val = data["val"]
    distance = model.predict([x_val_1, x_val_2], verbose=0)
    # Label 1 (dissimilar) where the distance is above margin / 2 = 0.5: the point where
    # the loss of label 0 (d**2) equals the loss of label 1 (max(1 - d, 0)**2).
    return {"accuracy": ref.binary_accuracy(labels_val, distance, margin / 2)}


EXPECT = {
    # The true accuracy thresholds the distance at 0.5, the point the contrastive loss
    # makes the decision point; not 0 (it is no logit) and not an argmax (one unit).
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    # The example's own `accuracy` function thresholds at 0.5 with `>`: right. (Exact
    # here because the 400 validation pairs are 25 equal batches; see the header.)
    "keras": {"val_accuracy": "accuracy"},
    # Nothing to warn about: the compiled metric is right, no padding, no weights, the
    # pairs are balanced and the model learns well above the 0.5 majority rate.
    "warnings": [],
    # A user's own metric function that thresholds at the loss's decision point is not
    # wrong (at most "can't tell" for a tool that cannot read a function).
    "wrong": set(),
}
