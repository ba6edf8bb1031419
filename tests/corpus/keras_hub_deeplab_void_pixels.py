"""KerasHub ``DeepLabV3ImageSegmenter`` (DeepLabV3+: a tiny ResNet image encoder,
atrous spatial pyramid pooling on "P3", the low-level "P2" features, upsampled to
the image) with a per-pixel softmax (N, H, W, C), trained as the KerasHub guide
trains it on Pascal VOC: class masks whose object outlines hold the VOC "void"
value 255, turned into one-hot targets by ``tf.one_hot(mask, NUM_CLASSES)``, which
makes every void pixel an ALL-ZERO row. ``CategoricalCrossentropy`` gives such a row
a loss of 0 (the loss ignores void pixels), while Keras's ``CategoricalAccuracy``
takes the argmax of the all-zero row (class 0, background) and counts every void
pixel: it is WRONG (the VOC convention, and the loss, leave void pixels out). The
true accuracy is the pixel accuracy over non-void pixels.

The task compiles itself when constructed (``ImageSegmenter.compile``:
``CategoricalCrossentropy(from_logits=...)``, ``[CategoricalAccuracy()]``; note the
default compile runs before ``self.activation`` is set, so even with
``activation="softmax"`` its loss gets ``from_logits=True``); the guide recompiles
it, and so does the case, as the guide writes it, plus the harness's
``truacc.auto``.

Source: keras-team/keras-io, guides/keras_hub/semantic_segmentation_deeplab_v3.py
(https://keras.io/keras_hub/guides/semantic_segmentation_deeplab_v3/);
keras-team/keras-hub, keras_hub/src/models/deeplab_v3/deeplab_v3_segmenter.py and
keras_hub/src/models/image_segmenter.py (the default compile), keras-hub 0.32.0.
Kept: ``preprocess_inputs`` (a dict of "images" and "segmentation_masks", batched
with ``drop_remainder=True``), ``train_ds.map(keras.layers.RandomFlip())`` on that
dict, ``dict_to_tuple`` (``tf.one_hot(tf.cast(tf.squeeze(masks, axis=-1),
"int32"), NUM_CLASSES)``), masks in {0 (background), 1..} plus 255 on object
boundaries as VOC's PNG masks decode; ``DeepLabV3Backbone(image_encoder=...,
low_level_feature_key="P2", spatial_pyramid_pooling_key=..., dilation_rates=[6,
12, 18], upsampling_size=...)``; ``DeepLabV3ImageSegmenter(backbone=...,
num_classes=NUM_CLASSES, activation="softmax")``; the recompile (SGD with a
CosineDecay learning rate, weight_decay=0.0001, momentum=0.9, clipnorm=10.0;
``keras.losses.CategoricalCrossentropy(from_logits=False)``; metrics
``keras.metrics.MeanIoU(num_classes=NUM_CLASSES, sparse_y_true=False,
sparse_y_pred=False)`` and ``keras.metrics.CategoricalAccuracy()``);
``model.fit(train_ds, validation_data=eval_ds, ...)``.
Changed: the image encoder is a randomly initialised ``ResNetBackbone``
(input_conv_filters [64], stacks of 64 and 16 filters, one basic block each,
strides 1 and 2) instead of ``resnet_50_imagenet`` weights, so the pyramid key is
"P3" and ``upsampling_size`` 2 (P3 to P2) instead of "P5" and 8; projection_filters
8 instead of 48; 3 classes instead of 21; 32x32 images instead of 512x512 (no
``Resizing``); 160 synthetic scenes (a red square and a blue disc on noise, each
outlined by a 1-pixel void ring) instead of SBD/VOC; batch 8 instead of 4; initial
learning rate 0.05 instead of 0.007 * BATCH_SIZE / 16 and decay over this run's
steps; ``preprocessor=None`` (the images are already model-ready); 3 epochs
instead of 1 over 2124 steps.
"""

import keras
import keras_hub
import numpy as np

from tests import reference as ref
from tests.corpus.harness import Warn

EPOCHS = 3
IMAGE_SIZE = 32
NUM_CLASSES = 3
VOID = 255
N, N_VAL = 160, 32
BATCH_SIZE = 8
INITIAL_LR = 0.05


def _scenes(rng, n):
    s = IMAGE_SIZE
    images = rng.normal(0.0, 0.3, size=(n, s, s, 3))
    masks = np.zeros((n, s, s, 1), dtype="uint8")
    yy, xx = np.mgrid[0:s, 0:s]
    for i in range(n):
        # class 1: a red square, its 1-pixel outline void
        t, l = rng.integers(0, s - 18, size=2)
        size = int(rng.integers(13, 19))
        square = (yy >= t) & (yy < t + size) & (xx >= l) & (xx < l + size)
        inner = (yy > t) & (yy < t + size - 1) & (xx > l) & (xx < l + size - 1)
        # class 2: a blue disc, its outer ring void
        cy, cx = rng.integers(8, s - 8, size=2)
        r = rng.uniform(6.5, 9.0)
        d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        disc, ring = d < r, (d >= r - 1) & (d < r)
        images[i][square] += (1.2, -0.2, -0.2)
        images[i][disc] += (-0.2, -0.2, 1.2)
        m = masks[i, ..., 0]
        m[square] = VOID
        m[inner] = 1
        m[disc] = VOID  # the disc is drawn over the square
        m[disc & ~ring] = 2
    return images.astype("float32"), masks


def preprocess_inputs(images, masks, batch_size):
    import tensorflow as tf

    inputs = tf.data.Dataset.from_tensor_slices({"image": images, "class_segmentation": masks})

    def unpackage_inputs(inputs):
        return {
            "images": inputs["image"],
            "segmentation_masks": inputs["class_segmentation"],
        }

    outputs = inputs.map(unpackage_inputs)
    outputs = outputs.batch(batch_size, drop_remainder=True)
    return outputs


def dict_to_tuple(x):
    import tensorflow as tf

    return x["images"], tf.one_hot(
        tf.cast(tf.squeeze(x["segmentation_masks"], axis=-1), "int32"), NUM_CLASSES
    )


def make_data(rng):
    images, masks = _scenes(rng, N)
    train_ds = preprocess_inputs(images[:-N_VAL], masks[:-N_VAL], BATCH_SIZE)
    eval_ds = preprocess_inputs(images[-N_VAL:], masks[-N_VAL:], BATCH_SIZE)
    train_ds = train_ds.map(keras.layers.RandomFlip())
    train_ds = train_ds.map(dict_to_tuple)
    eval_ds = eval_ds.map(dict_to_tuple)
    return {"x": train_ds, "val": eval_ds, "x_val": images[-N_VAL:], "masks_val": masks[-N_VAL:]}


def build(extra, data):
    image_encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 16],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        use_pre_activation=False,
        image_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
    )
    deeplab_backbone = keras_hub.models.DeepLabV3Backbone(
        image_encoder=image_encoder,
        low_level_feature_key="P2",
        spatial_pyramid_pooling_key="P3",
        dilation_rates=[6, 12, 18],
        upsampling_size=2,
        projection_filters=8,
        image_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
    )
    model = keras_hub.models.DeepLabV3ImageSegmenter(
        backbone=deeplab_backbone,
        num_classes=NUM_CLASSES,
        activation="softmax",
        preprocessor=None,
    )
    steps = (N - N_VAL) // BATCH_SIZE
    learning_rate = keras.optimizers.schedules.CosineDecay(
        INITIAL_LR,
        decay_steps=EPOCHS * steps,
    )
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=learning_rate, weight_decay=0.0001, momentum=0.9, clipnorm=10.0
        ),
        loss=keras.losses.CategoricalCrossentropy(from_logits=False),
        metrics=[
            keras.metrics.MeanIoU(
                num_classes=NUM_CLASSES, sparse_y_true=False, sparse_y_pred=False
            ),
            keras.metrics.CategoricalAccuracy(),
        ]
        + extra(),
    )
    return model


def reference(model, data):
    probs = model.predict(data["x_val"], verbose=0)  # (N, H, W, C)
    labels = data["masks_val"][..., 0].astype("int64")
    void = labels == VOID
    return {
        # what the loss trains on: the non-void pixels
        "pixels": ref.argmax_accuracy(np.where(void, 0, labels), probs, valid=~void),
        # what CategoricalAccuracy computes: argmax of an all-zero row is class 0
        "void_as_background": ref.argmax_accuracy(np.where(void, 0, labels), probs),
    }


EXPECT = {
    "keys": {"val_true_accuracy": "pixels", "val_truacc_auto": "pixels"},
    "keras": {"val_categorical_accuracy": "void_as_background"},
    "warnings": [
        # The void pixels are all-zero label rows, which the loss ignores:
        # categorical_accuracy counts them as class 0. Only the label values show it,
        # so the monitor says it from what it counted (a DataWarning naming the key).
        Warn("DataWarning", "'categorical_accuracy'", count=1),
    ],
    # inspect(model) sees no labels: CategoricalAccuracy is right on rows that hold a
    # class, so without the labels it can't be called wrong (precision first).
    "wrong": set(),
}
