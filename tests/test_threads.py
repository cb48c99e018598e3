"""Calls from several Python threads at once give the same bits as serial calls, and long C loops
release the GIL (another Python thread keeps running while one call is in C)."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import turboattn as ta


def inputs(seed, n=200, d=64):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((1, 4, n, d)).astype(np.float16)
    k = rng.standard_normal((1, 2, n, d)).astype(np.float16)
    v = rng.standard_normal((1, 2, n, d)).astype(np.float16)
    return q, k, v


def work(seed):
    q, k, v = inputs(seed)
    dense = ta.flashq_attention(q, k, v, causal=True)
    cache = ta.quantize_kv(k, v, bits=4, frac_2bit=0.5)
    decode = ta.flashq_attention(q[:, :, -3:], kv=cache, causal=True)
    return dense, decode, cache.k_codes[: cache.n_blocks].copy()


def test_concurrent_calls_match_serial_bits():
    seeds = list(range(12))
    serial = [work(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(work, seeds))
    for s, (a, b) in enumerate(zip(serial, parallel)):
        for x, y in zip(a, b):
            assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), f"seed {s} differs between serial and threaded"


def test_long_call_releases_the_gil(monkeypatch):
    """A second thread that wakes every millisecond keeps waking while a long call is in C. If the call
    held the GIL, that thread could not run between the call's start and end: its largest gap between
    wake-ups would be the whole call."""
    monkeypatch.setenv("TURBOATTN_NUM_THREADS", "1")  # one C thread: long enough on any core count
    q, k, v = inputs(99, n=3072, d=128)
    stamps = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    ta.flashq_attention(q, k, v)
    t1 = time.perf_counter()
    done.set()
    t.join()
    inside = [t0] + [s for s in stamps if t0 < s < t1] + [t1]
    largest_gap = max(b - a for a, b in zip(inside, inside[1:]))
    assert t1 - t0 > 0.05, "the call is too short to tell; use larger inputs"
    assert largest_gap < 0.5 * (t1 - t0), f"no wake-up for {largest_gap*1e3:.0f} ms of a {(t1-t0)*1e3:.0f} ms call"
