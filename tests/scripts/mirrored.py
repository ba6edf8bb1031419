"""MirroredStrategy on 2 logical CPUs: auto() and the monitor against numpy on predict.

Run by tests/test_scale.py in a fresh process (devices are set before
TensorFlow starts): ``python mirrored.py N BATCH``.
"""

import os

os.environ["KERAS_BACKEND"] = "tensorflow"
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from distributed_scenario import run  # noqa: E402

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
run(strategy.num_replicas_in_sync, strategy.scope())
