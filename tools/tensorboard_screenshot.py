"""Screenshot TensorBoard's Custom Scalars tab after a short real fit with the monitor.

Trains the ``seed`` demo case (``keras_truacc.cli.demo.build_case("seed")``: a small
CNN on scikit-learn's digits, softmax + ``binary_crossentropy`` +
``binary_accuracy``) with ``TruAccMonitor(log_dir=...)`` beside Keras's own
``TensorBoard`` callback, starts TensorBoard on 127.0.0.1, opens the Custom
Scalars tab in headless Chromium and saves the page as a PNG.

By default the browser is driven over the DevTools protocol (``--remote-debugging-pipe``,
no extra package): once the charts are drawn, the pointer rests on the last
step of the validation chart, so TensorBoard's tooltip names every line and its
value (reported ``binary_accuracy``, ``true_accuracy``, ``majority_baseline``).
``--plain`` takes a one-shot ``--screenshot`` instead (charts, no tooltip).

    python3 tools/tensorboard_screenshot.py        # -> docs/tensorboard-custom-scalars.png
    python3 tools/tensorboard_screenshot.py --epochs 5 --out /tmp/shot.png --keep-logs /tmp/logs

Needs Chromium (Debian: ``apt-get install -y chromium``), scikit-learn and
tensorboard. Nothing is downloaded. The TensorBoard server is always stopped.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import pathlib
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "tensorboard-custom-scalars.png"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def train(log_dir, epochs):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import keras_truacc as truacc
    from keras_truacc.cli.demo import build_case

    keras.utils.set_random_seed(0)
    setup = build_case("seed")[0]  # binary_crossentropy + binary_accuracy on a softmax
    print(f"training: {setup.title}, {epochs} epochs -> {log_dir}")
    monitor = truacc.TruAccMonitor(log_dir=log_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", truacc.TruAccWarning)  # the summary says it all
        history = setup.model.fit(
            setup.x, setup.y, epochs=epochs, batch_size=64, validation_split=0.2, verbose=0,
            callbacks=[keras.callbacks.TensorBoard(log_dir), monitor],
        )
    return history.history


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout, proc, must_contain=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"TensorBoard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read().decode()
            if must_contain is None or must_contain in body:
                return body
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer (with {must_contain!r}) within {timeout}s")


def find_chromium(given):
    for name in ([given] if given else CHROMIUM_NAMES):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("Chromium not found: apt-get install -y chromium (or pass --chromium PATH)")


BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)


def plain_screenshot(chromium, url, out, size, budget_ms):
    """One shot: ``chromium --screenshot`` after ``--virtual-time-budget`` ms."""
    with tempfile.TemporaryDirectory(prefix="truacc-chromium-") as profile:
        args = [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                f"--virtual-time-budget={budget_ms}", f"--screenshot={out}", url]
        done = subprocess.run(args, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not pathlib.Path(out).is_file():
        raise RuntimeError(f"Chromium failed ({done.returncode}):\n{done.stderr[-2000:]}")


class DevTools:
    """Chromium driven over ``--remote-debugging-pipe``: JSON messages ending in NUL,
    commands on the browser's fd 3, answers on its fd 4."""

    def __init__(self, chromium, size, profile, timeout=60):
        self.timeout = timeout
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Move the browser's ends above 3 and 4, so the redirections below can't clobber
        # them (bash: dash reads one-digit fds only).
        a = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)
        args = [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
                "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{a} 4>&{b} {a}<&- {b}>&-', "bash", *args],
            pass_fds=(a, b), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(a)
        os.close(b)
        self._out, self._in = to_browser_w, from_browser_r
        self._buffer, self._id = b"", 0

    def send(self, method, session=None, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._in], [], [], left)[0]:
                    raise TimeoutError(f"no answer from Chromium to {method}")
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe (exit {self.proc.poll()})")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:  # anything else is an event
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def close(self):
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# The charts live in shadow DOMs: walk them to find the Custom Scalars line charts.
FIND_CHARTS = r"""
(() => {
  const found = [];
  const walk = (root, inCard) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const card = inCard || tag === 'tf-custom-scalar-multi-line-chart-card';
      if (card && tag === 'vz-line-chart2') {
        const r = el.getBoundingClientRect();
        const drawn = (el.shadowRoot || el).querySelectorAll('path.line, path').length;
        found.push([r.x, r.y, r.width, r.height, drawn]);
      }
      if (el.shadowRoot) walk(el.shadowRoot, card);
    }
  };
  walk(document, false);
  return JSON.stringify(found);
})()
"""


def devtools_screenshot(chromium, url, out, size, timeout=60):
    """Loads the tab, waits for both charts, rests the pointer on the last step of
    the validation chart (so the tooltip names each line) and captures the page."""
    width, height = (int(v) for v in size.split(","))
    with tempfile.TemporaryDirectory(prefix="truacc-chromium-") as profile:
        browser = DevTools(chromium, size, profile)
        try:
            target = browser.send("Target.createTarget", url="about:blank")["targetId"]
            page = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            browser.send("Emulation.setDeviceMetricsOverride", session=page, width=width,
                         height=height, deviceScaleFactor=1, mobile=False)
            browser.send("Page.navigate", session=page, url=url)
            deadline = time.monotonic() + timeout
            while True:
                value = browser.send("Runtime.evaluate", session=page, expression=FIND_CHARTS,
                                     returnByValue=True)["result"].get("value", "[]")
                charts = json.loads(value)
                if len(charts) >= 2 and all(c[2] > 0 and c[4] > 0 for c in charts):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the Custom Scalars charts never appeared: {charts}")
                time.sleep(0.5)
            time.sleep(3)  # the scalars arrive after the chart frames
            x, y, w, h = charts[-1][:4]  # the last chart is the validation split
            for fraction in (0.5, 0.8, 0.97):  # a real pointer path, ending on the last step
                browser.send("Input.dispatchMouseEvent", session=page, type="mouseMoved",
                             x=x + w * fraction, y=y + h * 0.5)
                time.sleep(0.3)
            time.sleep(1)
            shot = browser.send("Page.captureScreenshot", session=page, format="png")
            pathlib.Path(out).write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="PNG to write")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--keep-logs", metavar="DIR",
                        help="write the logs here and keep them (default: a temporary dir)")
    parser.add_argument("--plain", action="store_true",
                        help="chromium --screenshot, without the tooltip")
    parser.add_argument("--budget", type=int, default=20000,
                        help="with --plain: Chromium --virtual-time-budget, in ms")
    parser.add_argument("--window-size", default="1400,900")
    parser.add_argument("--chromium", help="the browser binary")
    args = parser.parse_args(argv)

    chromium = find_chromium(args.chromium)
    tmp = None
    if args.keep_logs:
        logs = pathlib.Path(args.keep_logs).resolve()
    else:
        tmp = tempfile.TemporaryDirectory(prefix="truacc-tb-")
        logs = pathlib.Path(tmp.name) / "logs"
    server = None
    try:
        history = train(str(logs / "seed-0"), args.epochs)  # the run name truacc demo writes
        print("last epoch: val_binary_accuracy %.4f, val_true_accuracy %.4f, "
              "val_majority_baseline %.4f" % (history["val_binary_accuracy"][-1],
                                              history["val_true_accuracy"][-1],
                                              history["val_majority_baseline"][-1]))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            # relative --logdir: the page shows "logs", not a temporary path
            [sys.executable, "-m", "tensorboard.main", "--logdir", logs.name,
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=logs.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(base + "/data/plugin/custom_scalars/layout", 90, server, '"truacc"')
        out = pathlib.Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        url = base + "/?darkMode=false#custom_scalars"
        print(f"screenshot of {url} -> {out}")
        if args.plain:
            plain_screenshot(chromium, url, str(out), args.window_size, args.budget)
        else:
            devtools_screenshot(chromium, url, str(out), args.window_size)
        print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
