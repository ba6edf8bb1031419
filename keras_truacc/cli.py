"""The ``truacc`` command: ``truacc demo`` and ``truacc inspect MODEL.keras``."""

from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    from keras_truacc.demo import CASES

    parser = argparse.ArgumentParser(
        prog="truacc",
        description="The accuracy you see is the accuracy you mean.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="train small models on scikit-learn's digits and show Keras's accuracy beside the true one",
        description="Train the seed question's set-up (and others with --case) on scikit-learn's "
        "load_digits, with Keras's progress bar, the monitor's warnings, a final table, "
        "TensorBoard logs and PNG plots. Nothing is downloaded.",
    )
    demo.add_argument("--epochs", type=int, default=20, help="epochs per model (default: 20)")
    demo.add_argument(
        "--out", default="truacc-demo",
        help="folder for the TensorBoard logs and the PNG plots (default: ./truacc-demo)",
    )
    demo.add_argument(
        "--case", choices=CASES, default="seed",
        help="seed: binary vs categorical crossentropy on 10 classes (the classic question); "
        "logits: Dense(1) logits thresholded at 0.5; multilabel: argmax on multi-hot labels; "
        "padded: padding counted by 'accuracy'; imbalance: a model no better than the majority class",
    )
    demo.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    inspect = sub.add_parser(
        "inspect", help="report on every output of a saved .keras model",
        description="Load a saved model (with its compile config) and print, for each output, "
        "the correct accuracy, what each compiled accuracy metric computes, and the fix.",
    )
    inspect.add_argument("path", help="path to a .keras file saved with model.save()")
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from keras_truacc.demo import run_demo

        return run_demo(args.case, args.epochs, args.out, verbose=2 if args.quiet else 1)
    if args.command == "inspect":
        import keras

        from keras_truacc.inspection import inspect

        if not os.path.exists(args.path):
            print(f"truacc inspect: no file at {args.path!r}", file=sys.stderr)
            return 2
        model = keras.models.load_model(args.path)
        if not getattr(model, "compiled", False) and getattr(model, "loss", None) is None:
            print("truacc inspect: the model was saved without a compile config; "
                  "the report reads activations and shapes only.", file=sys.stderr)
        print(inspect(model))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
