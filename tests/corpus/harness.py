"""Run the corpus cases on the current Keras backend and check them against their EXPECT.

    python -m tests.corpus.harness [--json] [CASE ...]
    KERAS_BACKEND=jax XLA_FLAGS=--xla_backend_optimization_level=0 python -m tests.corpus.harness

prints a markdown table (case, backend, seconds, reference, truacc's figures,
warnings, inspect's WRONG list, verdict), or with ``--json`` one line
``@@CORPUS-JSON@@{...}`` holding every case's result and failures (what
``tests/test_corpus.py`` reads from its JAX subprocess, run with the XLA flag
above: the corpus is compile-bound). The exit status is 0 whether or not cases
fail; a crash inside a case is reported as that case's failure and the next
case runs.

A case's result is a plain dict: the last epoch's History logs, the numpy
references, the truacc warnings that fired during build and fit, the keys
``truacc.inspect(model)`` marked WRONG, timings. ``check(case, result)`` turns
it into a list of failure messages (empty: the case passes).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pkgutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_truacc as truacc  # noqa: E402

JSON_MARK = "@@CORPUS-JSON@@"
TOLERANCE = 1e-6
SEED = 0
_NOT_CASES = {"harness", "conftest"}


@dataclasses.dataclass(frozen=True)
class Warn:
    """One expected (or allowed) warning.

    ``category``: the name of a ``keras_truacc`` warning class; a fired warning of
    that class or a subclass matches. ``contains``: a substring of its message.
    ``required``: it must fire (at least once, or exactly ``count`` times).
    A warning that fires and matches no ``Warn`` of the case is a failure.
    """

    category: str
    contains: str = ""
    required: bool = True
    count: int | None = None

    def matches(self, fired: dict) -> bool:
        return self.category in fired["mro"] and self.contains in fired["message"]

    def describe(self) -> str:
        times = f" exactly {self.count}x" if self.count is not None else ""
        need = "required" if self.required else "allowed"
        return f"{self.category}({self.contains!r}, {need}{times})"


def case_names() -> list[str]:
    """Every case module in this package, sorted."""
    here = os.path.dirname(os.path.abspath(__file__))
    return sorted(
        m.name
        for m in pkgutil.iter_modules([here])
        if not m.name.startswith("_") and m.name not in _NOT_CASES
    )


def load(name: str):
    return importlib.import_module(f"{__package__ or 'tests.corpus'}.{name}")


def extra(name: str = "truacc_auto", **overrides) -> list:
    """The harness's extra metrics: a fresh list on every call."""
    return [truacc.auto(name=name, **overrides)]


def _fresh_keras_state() -> None:
    keras.utils.clear_session()
    keras.utils.set_random_seed(SEED)
    keras.config.set_dtype_policy("float32")


def _plain(value):
    """JSON-friendly floats (NaN kept as NaN)."""
    try:
        return float(np.asarray(value).reshape(()))
    except Exception:
        return repr(value)


def _fired(w: warnings.WarningMessage) -> dict:
    return {
        "category": w.category.__name__,
        "mro": [c.__name__ for c in w.category.__mro__],
        "message": str(w.message),
    }


def run_case(name: str) -> dict:
    """Build, fit (with ``TruAccMonitor``), reference and inspect one case."""
    result = {
        "case": name,
        "backend": keras.backend.backend(),
        "logs": {},
        "reference": {},
        "warnings": [],
        "inspect_wrong": None,
        "inspect_error": None,
        "error": None,
        "seconds": None,
        "timing": {},
    }
    start = time.perf_counter()
    try:
        _fresh_keras_state()
        module = load(name)
        data = module.make_data(np.random.default_rng(SEED))
        timing = result["timing"]
        mark = time.perf_counter()

        def lap(what):
            nonlocal mark
            now = time.perf_counter()
            timing[what] = round(now - mark, 2)
            mark = now

        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            model = module.build(extra, data)
            lap("build")
            fit_kwargs = dict(data.get("fit", {}))
            # The case's own callbacks, as its source writes them; the monitor last.
            callbacks = list(fit_kwargs.pop("callbacks", []))
            callbacks.append(truacc.TruAccMonitor(summary=False))
            history = model.fit(
                data["x"],
                data.get("y"),
                validation_data=data.get("val"),
                epochs=module.EPOCHS,
                verbose=0,
                callbacks=callbacks,
                **fit_kwargs,
            )
            lap("fit")
        result["warnings"] = [
            _fired(w) for w in seen if issubclass(w.category, truacc.TruAccWarning)
        ]
        result["logs"] = {k: _plain(v[-1]) for k, v in history.history.items() if v}
        result["reference"] = {k: _plain(v) for k, v in module.reference(model, data).items()}
        lap("reference")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                report = truacc.inspect(model)
            result["inspect_wrong"] = sorted(m.key for m in report.wrong)
        except Exception as error:  # inspect must not raise: a failure, not a crash
            result["inspect_error"] = f"{type(error).__name__}: {error}"
        lap("inspect")
    except Exception:
        result["error"] = traceback.format_exc(limit=8)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def _close(a, b) -> bool:
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= TOLERANCE


def check(name: str, result: dict) -> list[str]:
    """Failure messages for one case's result against its EXPECT (empty: pass)."""
    expect = load(name).EXPECT
    if result.get("error"):
        return [f"crashed: {result['error'].strip().splitlines()[-1]}\n{result['error']}"]
    logs, ref = result["logs"], result["reference"]
    failures = []

    def compare(key, ref_name, what):
        if key not in logs:
            failures.append(f"{what}: '{key}' missing from the logs (keys: {sorted(logs)})")
        elif not _close(logs[key], ref[ref_name]):
            failures.append(
                f"{what}: '{key}' = {logs[key]:.6f}, reference '{ref_name}' = {ref[ref_name]:.6f}"
            )

    for key, ref_name in expect.get("keys", {}).items():
        compare(key, ref_name, "truacc value")
    for key, ref_name in expect.get("keras", {}).items():
        compare(key, ref_name, "REFERENCE CHECK (Keras's own right metric)")
    for key in expect.get("present", []):
        if key not in logs:
            failures.append(f"'{key}' missing from the logs (keys: {sorted(logs)})")
    for key in expect.get("absent", []):
        if key in logs:
            failures.append(f"'{key}' should not be logged (value {logs[key]})")
    per_output = expect.get("per_output", [])
    if per_output:
        candidates = [k for k in logs if k.startswith("val_") and k.endswith("true_accuracy")]
        unused = list(candidates)
        for ref_name in per_output:
            hit = next((k for k in unused if _close(logs[k], ref[ref_name])), None)
            if hit is None:
                failures.append(
                    f"no val_*true_accuracy key equals reference '{ref_name}' = "
                    f"{ref[ref_name]:.6f} (candidates: { {k: logs[k] for k in candidates} })"
                )
            else:
                unused.remove(hit)
    patterns = expect.get("warnings", [])
    for fired in result["warnings"]:
        if not any(p.matches(fired) for p in patterns):
            failures.append(f"unexpected {fired['category']}: {fired['message']}")
    for p in patterns:
        n = sum(p.matches(f) for f in result["warnings"])
        if p.count is not None and n != p.count:
            failures.append(f"expected {p.describe()}, fired {n}x")
        elif p.required and p.count is None and n == 0:
            failures.append(f"expected {p.describe()}, never fired")
    if result.get("inspect_error"):
        failures.append(f"truacc.inspect(model) raised {result['inspect_error']}")
    elif set(result.get("inspect_wrong") or []) != set(expect.get("wrong", set())):
        failures.append(
            f"inspect WRONG = {sorted(result.get('inspect_wrong') or [])}, "
            f"expected {sorted(expect.get('wrong', set()))}"
        )
    return failures


def run(names=None) -> list[dict]:
    out = []
    for name in names or case_names():
        result = run_case(name)
        result["failures"] = check(name, result)
        out.append(result)
    return out


def _fmt(value) -> str:
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        return str(value)


def table(results) -> str:
    rows = [
        "| case | backend | s | reference | truacc | warnings fired | inspect WRONG | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        expect = load(r["case"]).EXPECT
        ref = ", ".join(f"{k} {_fmt(v)}" for k, v in r["reference"].items()) or "-"
        ours = ", ".join(
            f"{k} {_fmt(r['logs'][k]) if k in r['logs'] else 'missing'}"
            for k in expect.get("keys", {})
        ) or "-"
        fired = "; ".join(
            f"{w['category']}: {w['message'][:70]}" for w in r["warnings"]
        ) or "none"
        wrong = r["inspect_error"] or ", ".join(r["inspect_wrong"] or []) or "none"
        verdict = "pass" if not r["failures"] else "FAIL: " + " / ".join(
            f.splitlines()[0][:140] for f in r["failures"]
        )
        cells = [r["case"], r["backend"], _fmt(r["seconds"]), ref, ours, fired, wrong, verdict]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    unknown = set(args.cases) - set(case_names())
    if unknown:
        parser.error(f"unknown cases: {sorted(unknown)}; known: {case_names()}")
    start = time.perf_counter()
    results = run(args.cases or None)
    total = round(time.perf_counter() - start, 1)
    if args.json:
        # On a line of its own: a case may leave a line unfinished (a callback that prints).
        sys.stdout.write("\n" + JSON_MARK + json.dumps({"seconds": total, "results": results}) + "\n")
    else:
        print(table(results))
        failed = [r["case"] for r in results if r["failures"]]
        print(
            f"\n{len(results) - len(failed)}/{len(results)} passed on "
            f"{keras.backend.backend()} in {total} s" + (f"; failing: {', '.join(failed)}" if failed else "")
        )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
