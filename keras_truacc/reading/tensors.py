"""A tensor's values, read on the host.

>>> import numpy as np
>>> from keras import ops
>>> to_numpy(ops.convert_to_tensor(np.array([1.5, 2.0]))).tolist()
[1.5, 2.0]
"""

from __future__ import annotations

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
