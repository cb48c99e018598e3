"""Session 29 (this machine, 2 CPU cores, no GPU): the CPU path, quantize_kv and one decode step of [1, 8, 8192, 128]
k, v and [1, 32, 1, 128] q, best of 15 calls (before.txt: 5), for the package under argv[1]
(the tree at 7cc02aa in _s0, built with TURBOATTN_CUDA=0, against the working tree)."""
import sys, time, numpy as np
sys.path.insert(0, sys.argv[1])
import turboattn as ta
rng = np.random.default_rng(0)
k = rng.standard_normal((1, 8, 8192, 128)).astype(np.float16)
v = rng.standard_normal((1, 8, 8192, 128)).astype(np.float16)
q = rng.standard_normal((1, 32, 1, 128)).astype(np.float16)
for bits in (4, 2):
    ts = []
    for _ in range(15):
        t = time.perf_counter(); c = ta.quantize_kv(k, v, bits=bits); ts.append(time.perf_counter() - t)
    td = []
    for _ in range(15):
        t = time.perf_counter(); ta.flashq_attention(q, kv=c); td.append(time.perf_counter() - t)
    print(sys.argv[1].split('/')[-1] or 'x', bits, "quantize_kv ms %.1f" % (1000 * min(ts)), "decode ms %.1f" % (1000 * min(td)))
