"""Ctrl-C in a subprocess: the shared procedure of the reliability tests."""
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path


def interrupt_call(setup: str, call: str, wait: float = 1.0):
    """Run ``setup`` then ``call`` (a long computation) in a fresh interpreter, send
    SIGINT ``wait`` seconds into ``call``; returns (stdout, stderr, seconds from the
    signal to the end of the process).  stdout holds "interrupted" when ``call``
    raised KeyboardInterrupt, "finished" when it ran to its end."""
    script = textwrap.dedent(setup) + textwrap.dedent(f"""
        print("start", flush=True)
        try:
            {call}
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(0)
        print("finished", flush=True)
    """)
    # the test modules import the helpers of tests/_support (as the conftest lets them)
    head = f"import sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
    proc = subprocess.Popen([sys.executable, "-c", head + script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd="/")
    if proc.stdout.readline().strip() != "start":      # reap it before failing
        proc.kill()
        out, err = proc.communicate(timeout=60)
        raise AssertionError(f"the subprocess did not start its call:\n{err}")
    time.sleep(wait)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return out, err, time.monotonic() - t0
