"""Reference counting and memory: many calls of each public function leave RSS and the number of live
Python objects where they were. A leak of one small output per call (>= 1 KiB here) would add >= 10 MiB
over 10k calls, so a 4 MiB RSS tolerance separates "leaks" from allocator noise (measured noise on the
dev machine: < 1 MiB)."""
import gc
import os

import numpy as np
import pytest

import turboattn as ta

CALLS = 10_000
RSS_TOLERANCE_MIB = 4.0
OBJECT_TOLERANCE = 200  # gc-tracked objects; caches (e.g. NumPy's, hypothesis') settle during warm-up

pytestmark = pytest.mark.skipif(os.environ.get("TURBOATTN_SANITIZED") == "1",
                                reason="ASan's allocator changes RSS behaviour; this test measures the plain build")


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def small_inputs(seed):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((1, 2, 8, 16)).astype(np.float32)
    k = rng.standard_normal((1, 1, 70, 16)).astype(np.float32)
    v = rng.standard_normal((1, 1, 70, 16)).astype(np.float32)
    k[..., 3] *= 20.0
    return q, k, v


def bad_call(q, k, v):
    try:
        ta.flashq_attention(q, k.astype(np.int32), v)
    except TypeError:
        return
    raise AssertionError("int32 k was accepted")


def nan_call(q, k, v):
    k = k.copy()
    k[0, 0, 5, 1] = np.nan
    try:
        ta.flashq_attention(q, k, v)
    except ValueError:
        return
    raise AssertionError("NaN in k was accepted")


CASES = {
    "flashq_attention": lambda q, k, v: ta.flashq_attention(q, k, v, causal=True, return_lse=True),
    "flashq_attention_kv": lambda q, k, v: ta.flashq_attention(q, kv=ta.quantize_kv(k, v, bits=4), causal=True),
    "quantize_int8": lambda q, k, v: ta.quantize_int8(k),
    "quantize_kv_append": lambda q, k, v: ta.quantize_kv(k, v, bits=[2]).append(k[:, :, :3], v[:, :, :3]),
    "dequantize": lambda q, k, v: ta.quantize_kv(k, v, bits=2).dequantize(),
    "sas_softmax": lambda q, k, v: ta.sas_softmax(q),
    "error_path_dtype": bad_call,
    "error_path_nan": nan_call,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_steady_memory_and_objects(name):
    fn = CASES[name]
    q, k, v = small_inputs(len(name))
    for _ in range(500):  # warm-up: first-call caches, allocator arenas
        fn(q, k, v)
    gc.collect()
    rss0, objs0 = rss_mib(), len(gc.get_objects())
    for _ in range(CALLS):
        fn(q, k, v)
    gc.collect()
    grown_rss, grown_objs = rss_mib() - rss0, len(gc.get_objects()) - objs0
    assert grown_rss < RSS_TOLERANCE_MIB, f"{name}: RSS grew {grown_rss:.2f} MiB over {CALLS} calls"
    assert grown_objs < OBJECT_TOLERANCE, f"{name}: {grown_objs} more live objects after {CALLS} calls"
