"""The tf_keras (Keras 2) suite: run by ``tests/test_keras2_suite.py`` in its own
interpreter with ``TF_USE_LEGACY_KERAS=1``, as a tf_keras user runs.

Not collected by the main run (``--ignore=tests/keras2``): there ``tf.keras`` is
Keras 3, and these tests need it to be tf_keras.
"""

import os

if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    raise RuntimeError(
        "tests/keras2 runs with TF_USE_LEGACY_KERAS=1 (see tests/test_keras2_suite.py)")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tf_keras  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_state():
    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
