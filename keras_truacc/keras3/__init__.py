"""Keras 3 glue: the monitor's metrics inside one model's own metric pass
(``injection``). ``keras2`` is the same for tf_keras."""
