# SPDX-License-Identifier: MIT
"""fit releases the GIL, Ctrl-C stops it within a second with a usable map,
and the progress callable is called at most a few times a second."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import som

# Online training long enough to be interrupted on a loaded machine: it is
# stopped long before the end.
LONG = dict(grid=(20, 20), algorithm="online", iterations=50_000_000)


def data(n=20000, dim=8):
    return np.random.default_rng(0).random((n, dim), dtype=np.float32)


def test_other_threads_run_while_fit_runs():
    X = data(50000, 16)
    ticks = []
    done = threading.Event()

    def fit():
        som.SOM(grid=(30, 30), epochs=10).fit(X)
        done.set()

    worker = threading.Thread(target=fit)
    start = time.monotonic()
    worker.start()
    while not done.is_set():  # pure Python: runs only while fit lets go of the GIL
        ticks.append(time.monotonic())
        time.sleep(0.001)
    worker.join()
    took = time.monotonic() - start
    assert took > 0.2, "fit too short to tell (%.2f s)" % took
    # the loop ran all through the fit, with no gap a held GIL would make
    gaps = np.diff([start] + ticks)
    assert len(ticks) > 20 and gaps.max() < took / 2, (len(ticks), gaps.max(), took)


def interrupt_after(delay, how):
    main = threading.main_thread().ident
    sent = {}

    def send():
        time.sleep(delay)
        sent["at"] = time.monotonic()
        if how == "pthread_kill":
            signal.pthread_kill(main, signal.SIGINT)
        else:
            os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=send, daemon=True)
    t.start()
    return sent, t


@pytest.mark.parametrize("how", ["pthread_kill", "kill"])
def test_keyboard_interrupt_stops_fit_within_a_second(how):
    X = data()
    m = som.SOM(**LONG)
    sent, t = interrupt_after(1.0, how)
    with pytest.raises(KeyboardInterrupt):
        m.fit(X)
    stopped = time.monotonic()
    t.join()
    assert "at" in sent
    assert stopped - sent["at"] < 1.0, "fit went on %.2f s after SIGINT" % (stopped - sent["at"])
    # the map of the last completed step: usable, and honest about it
    assert 0 < m.fitted_steps < m.n_steps == 50_000_000
    assert m.bmus(X[:10]).shape == (10,)
    assert np.isfinite(m.codebook).all()
    again = som.SOM.from_bytes(m.to_bytes())
    assert again.grid == (20, 20)


def test_interrupt_during_mapping():
    X = np.random.default_rng(1).random((400000, 16), dtype=np.float32)
    m = som.SOM(grid=(40, 40), epochs=1).fit(X[:2000])
    sent, t = interrupt_after(0.2, "pthread_kill")
    start = time.monotonic()
    try:
        while time.monotonic() - start < 5:
            m.transform(X[:60000])
    except KeyboardInterrupt:
        pass
    else:
        pytest.fail("no KeyboardInterrupt in 5 s")
    assert time.monotonic() - sent["at"] < 1.0
    t.join()


def test_progress_is_called_a_few_times_a_second():
    X = data()
    calls = []
    start = time.monotonic()
    m = som.SOM(grid=(20, 20), algorithm="online", iterations=400_000).fit(
        X, progress=lambda p: calls.append((time.monotonic(), dict(p))))
    took = time.monotonic() - start
    assert calls, "never called"
    assert calls[-1][1]["step"] == calls[-1][1]["n_steps"] == 400_000 == m.fitted_steps
    assert len(calls) <= took * 5 + 2, (len(calls), took)
    steps = [c[1]["step"] for c in calls]
    assert steps == sorted(steps)
    assert set(calls[0][1]) == {"step", "n_steps", "pass", "n_passes", "sigma", "alpha", "qe", "te"}


def test_progress_exception_stops_fit_and_propagates():
    X = data()

    def boom(p):
        raise RuntimeError("stop here")

    m = som.SOM(grid=(20, 20), algorithm="online", iterations=5_000_000)
    with pytest.raises(RuntimeError, match="stop here"):
        m.fit(X, progress=boom)
    assert m.fitted_steps < m.n_steps
    assert m.bmus(X[:3]).shape == (3,)


def test_progress_true_without_tqdm_writes_stderr(capsys):
    som.SOM(grid=(5, 5), epochs=2).fit(data(500), progress=True)
    err = capsys.readouterr().err
    assert "som fit" in err or "it/s" in err or "step" in err
