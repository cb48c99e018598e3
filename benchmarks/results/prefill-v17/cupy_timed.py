"""The timing helper of session 20's CuPy experiments (prefill-v17 runs 3, 4 and 8; each script once had its own
copy): the median milliseconds of fn() between two CUDA events, after three warm-up calls."""
import statistics

import cupy as cp


def timed(fn, reps=20):
    for _ in range(3):
        fn()
    cp.cuda.Device().synchronize()
    ts = []
    for _ in range(reps):
        a, b = cp.cuda.Event(), cp.cuda.Event()
        a.record(); fn(); b.record(); b.synchronize()
        ts.append(cp.cuda.get_elapsed_time(a, b))
    return statistics.median(ts)
