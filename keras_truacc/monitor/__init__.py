"""``TruAccMonitor``: the callback (``callback``), the steps it keeps between calls
(``step_cache``) and its TensorBoard dashboards (``tensorboard``)."""
