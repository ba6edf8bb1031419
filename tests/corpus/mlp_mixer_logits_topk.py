"""MLP-Mixer image classifier with a *logits* output: ``layers.Dense(num_classes)`` with
no activation, ``keras.losses.SparseCategoricalCrossentropy(from_logits=True)``, and the
example's two metrics, ``SparseCategoricalAccuracy(name="acc")`` and
``SparseTopKCategoricalAccuracy(5, name="top5-acc")``; in-model augmentation
(Normalization adapted on the training images, Resizing, RandomFlip), a custom
``Patches`` layer, ``AdamW``, ``validation_split=0.1`` and the example's two callbacks,
``ReduceLROnPlateau`` and ``EarlyStopping`` on ``val_loss``.

The argmax of logits is the argmax of the softmax, so ``acc`` is right as it stands, and
top-5 accuracy is a different figure the user asked for by name (ranks are the same for
logits and probabilities): neither is wrong.

Source: keras-team/keras-io, examples/vision/mlp_image_classification.py
(https://keras.io/examples/vision/mlp_image_classification/), "Image classification
with modern MLP models" (Khalid Salama), the MLP-Mixer part, Keras 3 version.
Kept: ``build_classifier`` (Input, ``data_augmentation``, ``Patches``, Dense to
``embedding_dim``, the blocks, GlobalAveragePooling1D, Dropout(``dropout_rate``),
``logits = layers.Dense(num_classes)``), ``MLPMixerLayer`` (LayerNormalization, token
mixing MLP on the transposed patches, channel mixing MLP, skip connections, gelu),
``data_augmentation`` (Normalization, Resizing, RandomFlip("horizontal")) with
``.layers[0].adapt(x_train)``, ``run_experiment``'s compile
(``keras.optimizers.AdamW(learning_rate=0.005, weight_decay=0.0001)``, the loss and the
two metrics) and callbacks (``ReduceLROnPlateau(monitor="val_loss", factor=0.5,
patience=5)``, ``EarlyStopping(monitor="val_loss", patience=10)``, passed as
``[early_stopping, reduce_lr]``), ``batch_size = 128``, ``validation_split=0.1``,
labels of shape (N, 1) as CIFAR's.
Changed: 2,000 synthetic 16x16x3 images in 10 classes (a class colour plus a
left-right symmetric pattern, plus noise) instead of CIFAR-100's 50,000 32x32 images in
100 classes; ``image_size = 16`` (the Resizing layer stays, a no-op), ``patch_size =
4``, ``embedding_dim = 32``, ``num_blocks = 2`` instead of 64, 8, 256, 4; 3 epochs
instead of 50; ``EarlyStopping`` without ``restore_best_weights=True`` (it would put
back an earlier epoch's weights at the end of ``fit``, and the corpus compares the last
epoch's logs with the model ``fit`` returns); the augmentation's
``RandomZoom(0.2, 0.2)`` left out (on JAX it alone took about 25 s of compile time at
the corpus's XLA settings); no ``evaluate`` on a test split, no gMLP or FNet.
"""

import math

import keras
import numpy as np
from keras import layers

from tests import reference as ref

EPOCHS = 3
num_classes = 10
input_shape = (16, 16, 3)
N = 2000

learning_rate = 0.005
weight_decay = 0.0001
batch_size = 128
dropout_rate = 0.2
image_size = 16  # We'll resize input images to this size.
patch_size = 4  # Size of the patches to be extracted from the input images.
num_patches = (image_size // patch_size) ** 2  # Size of the data array.
embedding_dim = 32  # Number of hidden units.
num_blocks = 2  # Number of blocks.
VALIDATION_SPLIT = 0.1


def make_data(rng):
    y = rng.integers(0, num_classes, size=(N, 1))
    colours = rng.uniform(0, 255, size=(num_classes, 1, 1, 3))
    half = rng.uniform(-1, 1, size=(num_classes, 4, 2, 1))
    pattern = np.concatenate([half, half[:, :, ::-1]], axis=2)  # left-right symmetric
    pattern = np.kron(pattern, np.ones((1, 4, 4, 1)))  # 16x16
    images = colours[y[:, 0]] * 0.5 + pattern[y[:, 0]] * 60.0
    images = images + rng.normal(scale=150.0, size=(N,) + input_shape)
    x = np.clip(images, 0, 255).astype("float32")
    split_at = math.floor(N * (1.0 - VALIDATION_SPLIT))  # what Keras keeps aside
    # Create a learning rate scheduler callback.
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=5)
    # Create an early stopping callback.
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
    return {
        "x": x,
        "y": y,
        "val": None,
        "fit": {
            "batch_size": batch_size,
            "validation_split": VALIDATION_SPLIT,
            "callbacks": [early_stopping, reduce_lr],
        },
        "x_val": x[split_at:],
        "y_val": y[split_at:],
        "x_train": x[:split_at],
    }


class Patches(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, x):
        patches = keras.ops.image.extract_patches(x, self.patch_size)
        batch_size = keras.ops.shape(patches)[0]
        num_patches = keras.ops.shape(patches)[1] * keras.ops.shape(patches)[2]
        patch_dim = keras.ops.shape(patches)[3]
        out = keras.ops.reshape(patches, (batch_size, num_patches, patch_dim))
        return out


class MLPMixerLayer(layers.Layer):
    def __init__(self, num_patches, hidden_units, dropout_rate, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.mlp1 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=num_patches),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.mlp2 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=hidden_units),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.normalize = layers.LayerNormalization(epsilon=1e-6)

    def build(self, input_shape):
        return super().build(input_shape)

    def call(self, inputs):
        # Apply layer normalization.
        x = self.normalize(inputs)
        # Transpose inputs from [num_batches, num_patches, hidden_units] to [num_batches, hidden_units, num_patches].
        x_channels = keras.ops.transpose(x, axes=(0, 2, 1))
        # Apply mlp1 on each channel independently.
        mlp1_outputs = self.mlp1(x_channels)
        # Transpose mlp1_outputs from [num_batches, hidden_dim, num_patches] to [num_batches, num_patches, hidden_units].
        mlp1_outputs = keras.ops.transpose(mlp1_outputs, axes=(0, 2, 1))
        # Add skip connection.
        x = mlp1_outputs + inputs
        # Apply layer normalization.
        x_patches = self.normalize(x)
        # Apply mlp2 on each patch independtenly.
        mlp2_outputs = self.mlp2(x_patches)
        # Add skip connection.
        x = x + mlp2_outputs
        return x


def build_classifier(blocks, data_augmentation, positional_encoding=False):
    inputs = layers.Input(shape=input_shape)
    # Augment data.
    augmented = data_augmentation(inputs)
    # Create patches.
    patches = Patches(patch_size)(augmented)
    # Encode patches to generate a [batch_size, num_patches, embedding_dim] tensor.
    x = layers.Dense(units=embedding_dim)(patches)
    # Process x using the module blocks.
    x = blocks(x)
    # Apply global average pooling to generate a [batch_size, embedding_dim] representation tensor.
    representation = layers.GlobalAveragePooling1D()(x)
    # Apply dropout.
    representation = layers.Dropout(rate=dropout_rate)(representation)
    # Compute logits outputs.
    logits = layers.Dense(num_classes)(representation)
    # Create the Keras model.
    return keras.Model(inputs=inputs, outputs=logits)


def build(extra, data):
    data_augmentation = keras.Sequential(
        [
            layers.Normalization(),
            layers.Resizing(image_size, image_size),
            layers.RandomFlip("horizontal"),
        ],
        name="data_augmentation",
    )
    # Compute the mean and the variance of the training data for normalization.
    data_augmentation.layers[0].adapt(data["x_train"])

    mlpmixer_blocks = keras.Sequential(
        [MLPMixerLayer(num_patches, embedding_dim, dropout_rate) for _ in range(num_blocks)]
    )
    model = build_classifier(mlpmixer_blocks, data_augmentation)

    # Create Adam optimizer with weight decay.
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
    )
    # Compile the model.
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top5-acc"),
        ]
        + extra(),
    )
    return model


def reference(model, data):
    logits = np.asarray(model.predict(data["x_val"], verbose=0), dtype=np.float64)
    labels = data["y_val"][:, 0]
    # Top-5: the label's logit is among the 5 largest (ties counted in, as Keras does;
    # float logits don't tie here).
    rank = (logits > logits[np.arange(len(labels)), labels][:, None]).sum(-1)
    return {
        "accuracy": ref.argmax_accuracy(data["y_val"], logits),
        "top5": float(np.mean(rank < 5)),
    }


EXPECT = {
    # The true accuracy is the argmax of the 10 logits on the last 10% of x (the rows
    # validation_split keeps aside): the same argmax as the softmax's.
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    # Both of Keras's metrics are right for what they say: 'acc' is the argmax accuracy,
    # 'top5-acc' the top-5 accuracy (a reference check of the numpy side too).
    "keras": {"val_acc": "accuracy", "val_top5-acc": "top5"},
    # No warning: logits with an argmax accuracy are fine (no threshold involved), the
    # labels are in range, 10 balanced classes and the model learns well above 1/10.
    "warnings": [],
    # Top-5 accuracy is not "the accuracy", but it is not a wrong accuracy either: it is
    # what its name says, asked for on purpose beside 'acc'.
    "wrong": set(),
}
