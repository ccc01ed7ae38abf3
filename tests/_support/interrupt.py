"""Ctrl-C in a subprocess: the shared procedure of the reliability tests."""
import signal
import subprocess
import sys
import textwrap
import time


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
    proc = subprocess.Popen([sys.executable, "-c", "import sys\n" + script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd="/")
    assert proc.stdout.readline().strip() == "start", proc.stderr.read()
    time.sleep(wait)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return out, err, time.monotonic() - t0
