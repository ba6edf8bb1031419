"""KerasHub ``ImageClassifier`` on a tiny ``ResNetBackbone`` (ResNetV2: basic
blocks with pre-activation) built from a config, no preset, no preprocessor: raw
0..255 pixels in, average pooling, a Dense head of ``num_classes`` logits
(``activation=None``, the default). The task compiles itself when constructed
(``SparseCategoricalCrossentropy(from_logits=True)``,
``[keras.metrics.SparseCategoricalAccuracy()]``); the case recompiles it as the
docstring's "Call fit() with custom loss, optimizer and backbone" does (the same
loss, a new Adam), naming the default metric again so the harness's
``truacc.auto`` can be appended. SparseCategoricalAccuracy is right (argmax of the
logits against class ids).

Source: keras-team/keras-hub, keras_hub/src/models/image_classifier.py
(https://keras.io/keras_hub/api/base_classes/image_classifier/), the docstring's
"Call fit() with custom loss, optimizer and backbone" and "Custom backbone"
examples, and ``ImageClassifier.compile``'s defaults; keras_hub/src/models/resnet/
resnet_backbone.py; keras-hub 0.32.0.
Kept: ``ResNetBackbone(stackwise_num_filters=[64, ...], stackwise_num_blocks,
stackwise_num_strides, block_type="basic_block", use_pre_activation=True)``,
``keras_hub.models.ImageClassifier(backbone=backbone, num_classes=4)`` with its
default pooling ("avg"), activation (logits) and dropout; integer labels; images
as 0..255 values as in the docstring's ``np.random.randint(0, 256, ...)``; the
recompile (``loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)``,
``optimizer=keras.optimizers.Adam(...)``).
Changed: input_conv_filters [64] with a 3x3 kernel (``input_conv_filters`` and
``input_conv_kernel_sizes`` are required now; the first stack of basic blocks
needs 64 channels in), two stacks (64 and 16 filters, one block each, strides 1
and 2) instead of three of two blocks, 32x32x3 images (``image_shape``) instead of
224x224; 320 synthetic images (a blob of one of 4 colours on noise) instead of
real photos; Adam(1e-3) instead of 5e-5; ``metrics=[SparseCategoricalAccuracy()]
+ extra()``; ``backbone.trainable`` left True (randomly initialised); batch 32;
3 epochs.
"""

import keras
import keras_hub
import numpy as np

from tests import reference as ref

EPOCHS = 3
IMAGE_SHAPE = (32, 32, 3)
NUM_CLASSES = 4
N, N_VAL = 320, 64
COLOURS = np.array([[200, 40, 40], [40, 200, 40], [40, 40, 200], [200, 200, 40]], dtype="float64")


def _images(rng, n):
    h, w, _ = IMAGE_SHAPE
    labels = rng.integers(0, NUM_CLASSES, n)
    images = rng.uniform(60, 160, size=(n,) + IMAGE_SHAPE)
    yy, xx = np.mgrid[0:h, 0:w]
    for i, label in enumerate(labels):
        cy, cx = rng.integers(8, h - 8), rng.integers(8, w - 8)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * rng.uniform(4, 6) ** 2))
        images[i] = images[i] * (1 - blob[..., None]) + blob[..., None] * COLOURS[label]
    return np.clip(images, 0, 255).astype("int32"), labels.astype("int32")


def make_data(rng):
    images, labels = _images(rng, N)
    return {"x": images[:-N_VAL], "y": labels[:-N_VAL],
            "val": (images[-N_VAL:], labels[-N_VAL:]), "fit": {"batch_size": 32}}


def build(extra, data):
    backbone = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 16],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=True,
        image_shape=IMAGE_SHAPE,
    )
    classifier = keras_hub.models.ImageClassifier(
        backbone=backbone,
        num_classes=NUM_CLASSES,
    )
    classifier.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=keras.optimizers.Adam(1e-3),
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
