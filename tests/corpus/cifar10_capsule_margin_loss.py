"""CNN-Capsule network: an ``Input(shape=(None, None, 3))`` (spatial size
unknown), Conv2D layers, a ``Reshape((-1, C))`` into input capsules, a custom
``Capsule`` layer (dynamic routing), and a ``Lambda`` that outputs each
capsule's length: 10 non-softmax scores in [0, 1). The loss is a custom
``margin_loss`` function that scores every unit on its own (like a hinge: 0.9
up for the labelled class, 0.1 down for the others) over one-hot labels, with
``metrics=['accuracy']`` (Keras picks CategoricalAccuracy from the shapes).
The classes are exclusive (one 1 per label row, the script's own comment
"the problem becomes a 10 two-classification problem" notwithstanding), so
the accuracy meant is the argmax of the lengths, which is what Keras's
'accuracy' computes: right. A per-unit reading (each length against the
loss's crossing point, about 0.57) would be the wrong accuracy here.

Source: keras-team/keras, examples/cifar10_cnn_capsule.py (Keras 2.x,
https://github.com/keras-team/keras/blob/2.2.4/examples/cifar10_cnn_capsule.py).
Kept: ``squash`` (0.5 instead of 1 in the scale), the custom ``softmax(x,
axis)``, ``margin_loss`` (lamb 0.5, margin 0.1, summed over the last axis), the
``Capsule`` layer (shared kernel of shape (1, input_dim_capsule,
num_capsule * dim_capsule) applied by conv1d, routing with ``b = <o, u_hat>``
instead of ``b += ...``), the model (Input(shape=(None, None, 3)), Conv2D x2,
AveragePooling2D((2, 2)), Conv2D x2, Reshape((-1, C)), Capsule(10, dim, 3,
True), Lambda(lambda z: sqrt(sum(square(z), 2)))), compile(loss=margin_loss,
optimizer='adam', metrics=['accuracy']), ``to_categorical`` labels, x/255,
the script's ``data_augmentation = False`` branch (``fit(x_train, y_train,
batch_size=batch_size, epochs=epochs, validation_data=(x_test, y_test),
shuffle=True)``).
Changed: ported to Keras 3 (``keras.ops``: ``ops.conv`` for ``K.conv1d``,
``ops.einsum`` for the two ``K.batch_dot`` calls (o = sum_i c * u_hat, b =
sum_d o * u_hat), ``keras.config.epsilon()``; the theano branches dropped);
16x16 images instead of 32x32; Conv2D 16/16/32/32 filters instead of
64/64/128/128, capsules of dim 8 instead of 16; 320 + 96 synthetic images (a
class colour and pattern, plus noise) instead of CIFAR-10; the
data_augmentation branch not taken (Keras 3 has no ImageDataGenerator);
batch_size 32 instead of 128; 4 epochs instead of 100.
"""

import keras
import numpy as np
from keras import activations, layers, ops, utils

from tests import reference as ref

EPOCHS = 4
batch_size = 32
num_classes = 10
IMG = 16
N_TRAIN, N_TEST = 320, 96


# the squashing function.
# we use 0.5 in stead of 1 in hinton's paper.
# if 1, the norm of vector will be zoomed out.
# if 0.5, the norm will be zoomed in while original norm is less than 0.5
# and be zoomed out while original norm is greater than 0.5.
def squash(x, axis=-1):
    s_squared_norm = ops.sum(ops.square(x), axis, keepdims=True) + keras.config.epsilon()
    scale = ops.sqrt(s_squared_norm) / (0.5 + s_squared_norm)
    return scale * x


# define our own softmax function instead of K.softmax
# because K.softmax can not specify axis.
def softmax(x, axis=-1):
    ex = ops.exp(x - ops.max(x, axis=axis, keepdims=True))
    return ex / ops.sum(ex, axis=axis, keepdims=True)


# define the margin loss like hinge loss
def margin_loss(y_true, y_pred):
    lamb, margin = 0.5, 0.1
    return ops.sum(
        y_true * ops.square(ops.relu(1 - margin - y_pred))
        + lamb * (1 - y_true) * ops.square(ops.relu(y_pred - margin)),
        axis=-1,
    )


class Capsule(layers.Layer):
    """A Capsule Implement with Pure Keras
    The input shape of Capsule must be (batch_size, input_num_capsule,
    input_dim_capsule) and the output shape is (batch_size, num_capsule,
    dim_capsule).

    Capsule Implement is from https://github.com/bojone/Capsule/
    Capsule Paper: https://arxiv.org/abs/1710.09829
    """

    def __init__(self, num_capsule, dim_capsule, routings=3, share_weights=True, activation="squash", **kwargs):
        super().__init__(**kwargs)
        self.num_capsule = num_capsule
        self.dim_capsule = dim_capsule
        self.routings = routings
        self.share_weights = share_weights
        if activation == "squash":
            self.activation = squash
        else:
            self.activation = activations.get(activation)

    def build(self, input_shape):
        input_dim_capsule = input_shape[-1]
        if self.share_weights:
            self.kernel = self.add_weight(
                name="capsule_kernel",
                shape=(1, input_dim_capsule, self.num_capsule * self.dim_capsule),
                initializer="glorot_uniform",
                trainable=True,
            )
        else:
            raise NotImplementedError("local_conv1d (share_weights=False) is not ported")

    def call(self, inputs):
        """Following the routing algorithm from Hinton's paper,
        but replace b = b + <u,v> with b = <u,v>.
        """
        hat_inputs = ops.conv(inputs, self.kernel)

        batch_size = ops.shape(inputs)[0]
        input_num_capsule = ops.shape(inputs)[1]
        hat_inputs = ops.reshape(hat_inputs, (batch_size, input_num_capsule, self.num_capsule, self.dim_capsule))
        hat_inputs = ops.transpose(hat_inputs, (0, 2, 1, 3))

        b = ops.zeros_like(hat_inputs[:, :, :, 0])
        for i in range(self.routings):
            c = softmax(b, 1)
            o = self.activation(ops.einsum("bni,bnid->bnd", c, hat_inputs))
            if i < self.routings - 1:
                b = ops.einsum("bnd,bnid->bni", o, hat_inputs)

        return o

    def compute_output_shape(self, input_shape):
        return (None, self.num_capsule, self.dim_capsule)


def make_data(rng):
    colours = rng.uniform(0, 1, size=(num_classes, 3))
    patterns = rng.uniform(0, 1, size=(num_classes, IMG, IMG, 1)) > 0.5
    labels = rng.integers(0, num_classes, size=(N_TRAIN + N_TEST, 1))
    c = labels[:, 0]
    images = 255 * (0.35 * colours[c][:, None, None, :] + 0.35 * patterns[c]
                    + rng.normal(0, 0.3, size=(len(c), IMG, IMG, 3)))
    images = np.clip(images, 0, 255).astype("uint8")
    (x_train, y_train), (x_test, y_test) = (images[:N_TRAIN], labels[:N_TRAIN]), (images[N_TRAIN:], labels[N_TRAIN:])

    x_train = x_train.astype("float32")
    x_test = x_test.astype("float32")
    x_train /= 255
    x_test /= 255
    y_train = utils.to_categorical(y_train, num_classes)
    y_test = utils.to_categorical(y_test, num_classes)
    return {"x": x_train, "y": y_train, "val": (x_test, y_test),
            "fit": {"batch_size": batch_size, "shuffle": True}}


def build(extra, data):
    # A common Conv2D model
    input_image = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(16, (3, 3), activation="relu")(input_image)
    x = layers.Conv2D(16, (3, 3), activation="relu")(x)
    x = layers.AveragePooling2D((2, 2))(x)
    x = layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu")(x)

    # now we reshape it as (batch_size, input_num_capsule, input_dim_capsule)
    # then connect a Capsule layer.
    #
    # the output of final model is the lengths of 10 Capsule, whose dim=8.
    #
    # the length of Capsule is the proba,
    # so the problem becomes a 10 two-classification problem.

    x = layers.Reshape((-1, 32))(x)
    capsule = Capsule(10, 8, 3, True)(x)
    output = layers.Lambda(lambda z: ops.sqrt(ops.sum(ops.square(z), 2)))(capsule)
    model = keras.Model(inputs=input_image, outputs=output)

    # we use a margin loss
    model.compile(loss=margin_loss, optimizer="adam", metrics=["accuracy"] + extra())
    return model


def reference(model, data):
    x_test, y_test = data["val"]
    lengths = model.predict(x_test, verbose=0)
    return {
        "accuracy": ref.argmax_accuracy(y_test, lengths),
        # what a per-unit reading at the loss's crossing point would give (not meant)
        "per_unit_at_0.57": ref.per_label_accuracy(y_test, lengths, 0.5686),
    }


EXPECT = {
    "keys": {"val_true_accuracy": "accuracy", "val_truacc_auto": "accuracy"},
    "keras": {"val_accuracy": "accuracy"},
    "warnings": [],
    "wrong": set(),
}
