"""TensorBoard output for the monitor (being written: see issue 4)."""


class DashboardWriter:
    """Writes the monitor's figures to a TensorBoard log directory.

    Contract used by ``TruAccMonitor``:
    - ``DashboardWriter(log_dir)``
    - ``write_epoch(epoch, series, diagnoses)``: ``series`` is
      ``{"train"|"validation": {name: value}}`` where names are log keys without
      the ``val_`` prefix (``"true_accuracy"``, ``"majority_baseline"``,
      ``"binary_accuracy"``, ``"flag_true_accuracy"``...); ``diagnoses`` is a list
      of ``monitor.Mismatch`` (epoch, split, key, reported, true, cause, fix)
      first seen at this epoch.
    - ``close()``
    """

    def __init__(self, log_dir):
        raise NotImplementedError("TensorBoard dashboards are not written yet")
