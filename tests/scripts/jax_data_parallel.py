"""keras.distribution.DataParallel on 2 JAX host devices: auto() and the monitor
against numpy on predict. ``python jax_data_parallel.py N BATCH``."""

import contextlib
import os

os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import jax  # noqa: E402
import keras  # noqa: E402
from distributed_scenario import run  # noqa: E402

keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
run(len(jax.devices()), contextlib.nullcontext())
