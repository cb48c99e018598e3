"""Timing of CUDA work from Python: median milliseconds between CUDA events on the legacy default stream, several
functions taking turns. No turboattn import here, so that a script can time two builds of it in one process
(results/decode-session29/abinproc.py); prefill.py re-exports these for the older session scripts."""
import statistics
import time

import torch


def interleaved_ms(fns, reps, warmup=3, settle_ms=0.0):
    """median_ms for several functions whose timed runs take turns (rep i of each, then rep i + 1). Timed one
    after the other, the first of several kernel variants came out 3-6 % slower than the same kernel timed later;
    in turns the effect shrank to 0-2 % (NOTES-prefill, v11). settle_ms > 0: before the timed runs the functions
    are also called (in turns) for that long, so that the GPU's clock settles at what they draw rather than at
    what the calls before them drew (NOTES-prefill v18 run 15: the clock follows the power of the last calls)."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    torch.cuda.synchronize()
    end = time.perf_counter() + settle_ms / 1e3
    while time.perf_counter() < end:
        for fn in fns:
            fn()
        torch.cuda.synchronize()
    times = [[] for _ in fns]
    for _ in range(reps):
        for fn, t in zip(fns, times):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            t.append(start.elapsed_time(stop))
    return [(statistics.median(t), t) for t in times]


def median_ms(fn, reps, warmup=3, settle_ms=0.0):
    return interleaved_ms([fn], reps, warmup, settle_ms)[0]


def back_to_back_ms(fn, reps=30, rounds=5, warmup=5):
    """The GPU's time a call: `reps` calls enqueued back to back between one pair of CUDA events, divided by reps;
    the median of `rounds` such runs. Set against median_ms's single calls, the difference is what a call's host
    work leaves the GPU idle (NOTES-decode, sessions 33 and 35)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    runs = []
    for _ in range(rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps):
            fn()
        b.record()
        b.synchronize()
        runs.append(a.elapsed_time(b) / reps)
    return statistics.median(runs)
