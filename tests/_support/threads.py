"""Run a test's work on several Python threads at once."""
import threading


def run_threads(work, n):
    """Call ``work(k)`` for k = 0 .. n-1, each on its own thread, all started before any
    is joined; return the exceptions the calls raised (an empty list when none did)."""
    errors = []

    def run(k):
        try:
            work(k)
        except Exception as e:      # pragma: no cover - returned to the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return errors
