"""Calls from several Python threads at once give the same bits as serial calls, and long C loops
release the GIL (another Python thread keeps running while one call is in C)."""
import threading
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


def test_long_call_releases_the_gil():
    q, k, v = inputs(99, n=1536, d=128)
    ticks = [0]
    busy = threading.Event()
    done = threading.Event()

    def counter():
        busy.set()
        while not done.is_set():
            ticks[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    busy.wait()
    before = ticks[0]
    ta.flashq_attention(q, k, v)  # hundreds of milliseconds in C
    during = ticks[0] - before
    done.set()
    t.join()
    # With the GIL held for the whole call the counter could only run at the call's edges (a handful
    # of switch intervals, ~5 ms each, a few thousand ticks at most); released, it runs the whole time.
    assert during > 20_000, f"the counter advanced only {during} times during the call"
