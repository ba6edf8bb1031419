"""What a step's tensors carry, read on the host: values, dtype, Keras's mask.

>>> import numpy as np
>>> from keras import ops
>>> to_numpy(ops.convert_to_tensor(np.array([1.5, 2.0]))).tolist()
[1.5, 2.0]
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def to_numpy(x):
    """A tensor's values as a numpy array, on every backend, with no warning.

    TensorFlow's and PyTorch's tensors go through their own ``numpy()``:
    ``ops.convert_to_numpy`` hands them to ``np.array``, which numpy 2 answers with a
    DeprecationWarning ("``__array__`` implementation doesn't accept a copy
    keyword"), an error for a user who runs with ``-W error``.
    """
    home = type(x).__module__
    if home.startswith("torch"):
        return np.asarray(x.detach().cpu().numpy())
    own = getattr(x, "numpy", None)
    if callable(own) and home.startswith("tensorflow"):
        return np.asarray(own())
    return np.asarray(ops.convert_to_numpy(x))


def values_or_none(x):
    """A numpy copy of ``x`` when it holds values (eager), else ``None`` (traced)."""
    try:
        return to_numpy(x)
    except Exception:
        return None


def dtype_name(x) -> str:
    """Keras's name for ``x``'s dtype (``'float32'``), or its own name if Keras has none."""
    dtype = getattr(x, "dtype", None)
    try:
        return keras.backend.standardize_dtype(dtype)
    except Exception:
        return str(dtype)


def keras_mask_of(tensor):
    """The Keras mask a tensor carries (``None`` for none)."""
    try:
        from keras.src.backend import get_keras_mask
    except ImportError:  # older Keras 3
        return getattr(tensor, "_keras_mask", None)
    return get_keras_mask(tensor)
