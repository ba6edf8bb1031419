"""The ``truacc`` command (``command``) and what it runs: ``inspect`` on a saved model
(``model_files``), ``check`` and ``run`` on a user's script (``script_check``,
``script_runner``), ``demo``, and JSON reports (``report_json``)."""

from keras_truacc.cli.command import main

__all__ = ["main"]
