"""Which Keras a model, or the process, uses: Keras 3 or tf_keras (Keras 2).

TensorFlow's ``tf.keras`` is ``tf_keras`` (Keras 2) when ``TF_USE_LEGACY_KERAS``
is set, and Keras 3 otherwise. keras-truacc follows the same rule: with it set,
``truacc.auto()`` makes a tf_keras metric. ``truacc.TruAccMonitor`` and
``truacc.inspect`` take either kind of model and pick the glue by the model's
own class (``keras3/`` and ``keras2/``, side by side). Every layer asks here;
nothing here imports ``tf_keras`` unless a tf_keras model or
``TF_USE_LEGACY_KERAS`` asks.

>>> is_keras2_object(object())
False
>>> legacy_keras_requested({"TF_USE_LEGACY_KERAS": "1"})
True
"""

from __future__ import annotations

import os

# The first tf_keras that pairs with a TensorFlow whose tf.keras is Keras 3
# (TensorFlow 2.16): the release TF_USE_LEGACY_KERAS is made for.
MINIMUM_VERSION = (2, 16)


def legacy_keras_requested(environ=None) -> bool:
    """Whether ``TF_USE_LEGACY_KERAS`` asks for tf_keras, read as TensorFlow reads it."""
    environ = os.environ if environ is None else environ
    return environ.get("TF_USE_LEGACY_KERAS", None) in ("true", "True", "1")


def is_keras2_object(obj) -> bool:
    """Whether ``obj`` (a model, layer, metric or loss) comes from tf_keras,
    told by its classes' modules: no import of tf_keras needed."""
    return any(
        (getattr(cls, "__module__", "") or "").split(".")[0] == "tf_keras"
        for cls in type(obj).__mro__
    )


def require_tf_keras():
    """``tf_keras``, once it is checked: importable, recent enough, and with
    Keras 3's backend on TensorFlow (its ops run inside tf_keras's graphs)."""
    try:
        import tf_keras
    except ImportError as error:
        raise ImportError(
            "truacc: this needs tf_keras (Keras 2: TF_USE_LEGACY_KERAS is set, or the model "
            "or file is tf_keras's), but tf_keras is not installed. Fix: `pip install "
            "tf-keras` (the release that matches your TensorFlow), or unset "
            "TF_USE_LEGACY_KERAS for Keras 3."
        ) from error
    found = _version_tuple(getattr(tf_keras, "__version__", "0"))
    if found < MINIMUM_VERSION:
        needed = ".".join(map(str, MINIMUM_VERSION))
        raise RuntimeError(
            f"truacc: tf_keras {tf_keras.__version__} is installed; truacc needs tf_keras "
            f"{needed} or newer (with TensorFlow {needed} or newer). Fix: "
            f"`pip install 'tf-keras>={needed}'`."
        )
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "truacc: tf_keras models run on TensorFlow, and truacc's metric arithmetic runs "
            f"in Keras 3's ops, whose backend here is {keras.backend.backend()!r}. Fix: "
            "unset KERAS_BACKEND (or set it to 'tensorflow') when you use tf_keras."
        )
    return tf_keras


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
