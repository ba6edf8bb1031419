"""ResNet v1 on CIFAR-10-like images: functional residual stacks (Conv2D,
BatchNormalization, Activation('relu'), ``keras.layers.add`` shortcuts, L2
kernel regularizers), AveragePooling2D, Flatten, Dense(10, softmax), one-hot
labels from ``to_categorical``, ``categorical_crossentropy`` and
``metrics=['accuracy']`` (Keras picks CategoricalAccuracy: right), with the
script's three callbacks: ModelCheckpoint(monitor='val_accuracy',
save_best_only=True) (a whole-model ``.keras`` save at every best epoch, in the
middle of the fit), ReduceLROnPlateau (on 'val_loss') and
LearningRateScheduler.

Source: keras-team/keras, examples/cifar10_resnet.py (Keras 2.x,
https://github.com/keras-team/keras/blob/2.2.4/examples/cifar10_resnet.py).
Kept: ``lr_schedule`` (1e-3, cut at epochs 80/120/160/180), ``resnet_layer``
(Conv2D(num_filters, kernel_size, strides, padding='same',
kernel_initializer='he_normal', kernel_regularizer=l2(1e-4)), then
BatchNormalization and Activation, conv_first), ``resnet_v1`` (16 filters,
three stacks, a strided first block in stacks 1 and 2 with a 1x1 projection
shortcut, ``add`` then Activation('relu'), AveragePooling2D, Flatten,
Dense(num_classes, softmax, he_normal)), ``depth = n * 6 + 2``, x/255 and
``subtract_pixel_mean``, ``to_categorical``, compile
(categorical_crossentropy, Adam(learning_rate=lr_schedule(0)),
metrics=['accuracy']), ``ModelCheckpoint(filepath=filepath, monitor=...,
verbose=1, save_best_only=True)``,
``LearningRateScheduler(lr_schedule)``, ``ReduceLROnPlateau(
factor=np.sqrt(0.1), cooldown=0, patience=5, min_lr=0.5e-6)``, ``callbacks =
[checkpoint, lr_reducer, lr_scheduler]``, the script's
``data_augmentation = False`` branch (``fit(x_train, y_train, batch_size,
epochs, validation_data=(x_test, y_test), shuffle=True,
callbacks=callbacks)``), batch_size 32.
Changed: n = 1 (ResNet8) instead of 3; 16x16 images instead of 32x32, so
AveragePooling2D(pool_size=4) instead of 8; 320 + 96 synthetic images (a
class colour and a class pattern, plus noise) instead of CIFAR-10; the
data_augmentation branch not taken (Keras 3 has no ImageDataGenerator); the
checkpoint's ``.h5`` suffix is ``.keras`` (Keras 3 refuses ``.h5`` for a whole
model), in a ``tempfile.mkdtemp()`` folder; ``monitor='val_accuracy'``
instead of ``'val_acc'`` (Keras 2.2 logged 'accuracy' as 'acc'; Keras 2.3 and
3 log 'val_accuracy', and Keras 3.15 raises a ValueError for 'val_acc', which
it can't find among the compiled metrics); the ``Add([x, y])`` typo of some
versions written ``add([x, y])``; 4 epochs instead of 200.
"""

import os
import tempfile

import keras
import numpy as np
from keras.callbacks import LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau
from keras.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Input,
)
from keras.models import Model
from keras.optimizers import Adam
from keras.regularizers import l2

from tests import reference as ref

EPOCHS = 4
batch_size = 32
num_classes = 10
subtract_pixel_mean = True
n = 1
version = 1
depth = n * 6 + 2
model_type = "ResNet%dv%d" % (depth, version)
IMG = 16
N_TRAIN, N_TEST = 320, 96


def lr_schedule(epoch):
    """Learning Rate Schedule

    Learning rate is scheduled to be reduced after 80, 120, 160, 180 epochs.
    Called automatically every epoch as part of callbacks during training.
    """
    lr = 1e-3
    if epoch > 180:
        lr *= 0.5e-3
    elif epoch > 160:
        lr *= 1e-3
    elif epoch > 120:
        lr *= 1e-2
    elif epoch > 80:
        lr *= 1e-1
    print("Learning rate: ", lr)
    return lr


def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation="relu",
                 batch_normalization=True, conv_first=True):
    """2D Convolution-Batch Normalization-Activation stack builder"""
    conv = Conv2D(num_filters, kernel_size=kernel_size, strides=strides, padding="same",
                  kernel_initializer="he_normal", kernel_regularizer=l2(1e-4))

    x = inputs
    if conv_first:
        x = conv(x)
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
    else:
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
        x = conv(x)
    return x


def resnet_v1(input_shape, depth, num_classes=10):
    """ResNet Version 1 Model builder [a]"""
    if (depth - 2) % 6 != 0:
        raise ValueError("depth should be 6n+2 (eg 20, 32, 44 in [a])")
    # Start model definition.
    num_filters = 16
    num_res_blocks = int((depth - 2) / 6)

    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs)
    # Instantiate the stack of residual units
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 1
            if stack > 0 and res_block == 0:  # first layer but not first stack
                strides = 2  # downsample
            y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
            y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
            if stack > 0 and res_block == 0:  # first layer but not first stack
                # linear projection residual shortcut connection to match
                # changed dims
                x = resnet_layer(inputs=x, num_filters=num_filters, kernel_size=1, strides=strides,
                                 activation=None, batch_normalization=False)
            x = keras.layers.add([x, y])
            x = Activation("relu")(x)
        num_filters *= 2

    # Add classifier on top.
    # v1 does not use BN after last shortcut connection-ReLU
    x = AveragePooling2D(pool_size=IMG // 4)(x)
    y = Flatten()(x)
    outputs = Dense(num_classes, activation="softmax", kernel_initializer="he_normal")(y)

    # Instantiate model.
    model = Model(inputs=inputs, outputs=outputs)
    return model


def make_data(rng):
    colours = rng.uniform(0, 1, size=(num_classes, 3))
    patterns = rng.uniform(0, 1, size=(num_classes, IMG, IMG, 1)) > 0.5
    labels = rng.integers(0, num_classes, size=(N_TRAIN + N_TEST, 1))  # CIFAR's (N, 1) labels
    c = labels[:, 0]
    images = 255 * (0.35 * colours[c][:, None, None, :] + 0.35 * patterns[c]
                    + rng.normal(0, 0.3, size=(len(c), IMG, IMG, 3)))
    images = np.clip(images, 0, 255).astype("uint8")
    (x_train, y_train), (x_test, y_test) = (images[:N_TRAIN], labels[:N_TRAIN]), (images[N_TRAIN:], labels[N_TRAIN:])

    # Normalize data.
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    # If subtract pixel mean is enabled
    if subtract_pixel_mean:
        x_train_mean = np.mean(x_train, axis=0)
        x_train -= x_train_mean
        x_test -= x_train_mean

    # Convert class vectors to binary class matrices.
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    # Prepare model model saving directory.
    save_dir = os.path.join(tempfile.mkdtemp(), "saved_models")
    model_name = "cifar10_%s_model.{epoch:03d}.keras" % model_type
    if not os.path.isdir(save_dir):
        os.makedirs(save_dir)
    filepath = os.path.join(save_dir, model_name)

    # Prepare callbacks for model saving and for learning rate adjustment.
    checkpoint = ModelCheckpoint(filepath=filepath, monitor="val_accuracy", verbose=1, save_best_only=True)

    lr_scheduler = LearningRateScheduler(lr_schedule)

    lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1), cooldown=0, patience=5, min_lr=0.5e-6)

    callbacks = [checkpoint, lr_reducer, lr_scheduler]
    return {
        "x": x_train, "y": y_train, "val": (x_test, y_test),
        "fit": {"batch_size": batch_size, "shuffle": True, "callbacks": callbacks},
    }


def build(extra, data):
    model = resnet_v1(input_shape=(IMG, IMG, 3), depth=depth)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=lr_schedule(0)),
                  metrics=["accuracy"] + extra())
    return model


def reference(model, data):
    x_test, y_test = data["val"]
    probs = model.predict(x_test, verbose=0)
    return {"accuracy": ref.argmax_accuracy(y_test, probs)}


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "present": ["learning_rate"],  # LearningRateScheduler and ReduceLROnPlateau log it
    "warnings": [],
    "wrong": set(),
}
