"""A corpus of real-world Keras models (keras-io examples, TensorFlow tutorials), as
acceptance tests for keras-truacc.

Each module here other than ``harness`` is one case, adapted from a public example
(its header says from where, what was kept and what was changed). A case module
provides:

- ``EPOCHS``: how many epochs the harness trains it.
- ``make_data(rng)``: a dict with ``x`` (and ``y`` unless ``x`` is a ``tf.data``
  dataset), ``val`` (what ``fit`` gets as ``validation_data``; ``None`` when the
  case uses ``validation_split``) and ``fit`` (extra keyword arguments for
  ``fit``: ``batch_size``, ``sample_weight``, ``class_weight``,
  ``validation_split``, and ``callbacks``: the case's own, as its source writes
  them; the harness puts ``TruAccMonitor`` after them). Anything else the case needs later (validation arrays
  for the reference) sits under other keys. Synthetic, small, learnable, from
  ``rng`` (a seeded ``numpy.random.Generator``); nothing is downloaded.
- ``build(extra, data)``: builds and compiles the model like the example.
  ``extra(name="truacc_auto", **overrides)`` returns a fresh list holding
  ``truacc.auto(name=name, **overrides)``: the case appends it to its metrics
  (per output for multi-output models, with a different name per output where
  Keras would not prefix it), or, for a custom ``train_step`` with its own
  metric list, binds it (``.bind(model)``) and adds it to that list.
- ``reference(model, data)``: ``{name: value}``, the true accuracy of each
  classification output on the validation data, from ``model.predict`` with
  numpy only (``float("nan")`` for a regression output).
- ``EXPECT``: what the harness asserts (see ``harness.check``)::

      keys      {log key: reference name}  truacc figures that must equal the reference
      keras     {log key: reference name}  Keras's own right metrics, compared the
                                           same way: a check of the reference itself
      present   [log key, ...]             keys that must be in the logs
      absent    [log key, ...]             keys that must not be in the logs
      per_output  [reference name, ...]    distinct ``val_*true_accuracy`` keys must
                                           equal each of these (unnamed outputs)
      warnings  [Warn(...), ...]           the warnings allowed, and which must fire
      wrong     {log key, ...}             what ``truacc.inspect(model).wrong`` lists

Run it: ``python -m tests.corpus.harness [--json] [CASE ...]``.
"""
