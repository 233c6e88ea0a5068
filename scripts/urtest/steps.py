# SPDX-License-Identifier: GPL-2.0
"""Long steps print what they do and how long they took; a failed one shows its log's end."""
import re
import subprocess
import sys
import time
from pathlib import Path


class StepFailed(Exception):
    pass


def say(msg=""):
    print(msg, flush=True)


def fmt_secs(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s"


INTERESTING = re.compile(r"error|Error|ERROR|warning: unused|\*\*\*")


def show_failure(log, lines=25):
    text = Path(log).read_text(errors="replace").splitlines()
    picked = [l for l in text if INTERESTING.search(l)][-20:]
    for line in picked:
        say("    " + line)
    for line in text[-lines:]:
        say("    | " + line)


def run(tag, what, log, cmd, **kwargs):
    """Runs cmd with its output in `log`; prints "[tag] what ... time". Raises StepFailed."""
    t0 = time.monotonic()
    print(f"[{tag}] {what} ... ", end="", flush=True)
    with open(log, "wb") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            **kwargs).returncode
    took = fmt_secs(time.monotonic() - t0)
    if rc == 0:
        say(took)
        return
    say(f"FAILED after {took} (exit {rc}); last lines of {log}:")
    show_failure(log)
    raise StepFailed(f"{what}: exit {rc}, see {log}")


def call(tag, what, fn, *args, **kwargs):
    """Runs a Python step with the same reporting; returns its result."""
    t0 = time.monotonic()
    print(f"[{tag}] {what} ... ", end="", flush=True)
    try:
        result = fn(*args, **kwargs)
    except Exception as err:
        say(f"FAILED after {fmt_secs(time.monotonic() - t0)}: {err}")
        raise StepFailed(f"{what}: {err}") from err
    say(fmt_secs(time.monotonic() - t0))
    return result


def logged(tag, what, log, fn, *args):
    """Runs fn(out, *args), where `out` is `log` opened for writing (pass it as stdout of the
    commands fn runs); reports like run(). Returns fn's result."""
    t0 = time.monotonic()
    print(f"[{tag}] {what} ... ", end="", flush=True)
    try:
        with open(log, "w") as out:
            result = fn(out, *args)
    except Exception as err:
        say(f"FAILED after {fmt_secs(time.monotonic() - t0)}: {err}; last lines of {log}:")
        show_failure(log)
        raise StepFailed(f"{what}: {err}") from err
    say(fmt_secs(time.monotonic() - t0))
    return result


def die(msg):
    print(f"error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)
