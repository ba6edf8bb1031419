"""A registered custom layer: a model that uses it loads only once this is imported
(``truacc inspect --import tests/cli_fixtures/custom_layer.py model.keras``)."""

import keras


@keras.saving.register_keras_serializable(package="truacc_tests")
class Doubler(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x
