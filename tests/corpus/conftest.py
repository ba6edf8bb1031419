# The corpus modules are cases run by tests/test_corpus.py through the harness,
# not test modules: keep pytest's --doctest-modules from importing them twice
# (once as ``corpus.<case>``, once as ``tests.corpus.<case>``).
collect_ignore_glob = ["*.py"]
