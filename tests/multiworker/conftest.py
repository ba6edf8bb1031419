# The worker scripts set their backend, TF_CONFIG or a distributed runtime up at
# import: pytest's doctest collection must not import them into its own process.
# (Every script here but the importable helpers, launch.py and shards.py.)
collect_ignore = ["jax_worker.py", "torch_rank.py", "keras3_mwms.py", "tf_keras_worker.py"]
