"""Session 18 (prefill-v16 run 1): per-CTA clocks of the attention kernel (a diagnostic build: prefill_args.trace,
TURBOATTN_PREFILL_TRACE=<file>), at N = 4k and 16k, D = 128, exact and SAS. Where does a 4k CTA's time go
against a 16k one's: prologue, first block, the loop, the epilogue, and the SM slots left idle between CTAs."""
import os, sys, statistics
import numpy as np
import torch
from turboattn import flashq_attention
outdir = sys.argv[1]
for D, N, causal, sm in [(128, 4096, False, "exact"), (128, 16384, False, "exact"), (128, 4096, False, "sas"),
                         (128, 4096, True, "exact")]:
    B = 32768 // N
    g = torch.Generator(device="cuda").manual_seed(N + D)
    q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
    out = torch.empty_like(q)
    for _ in range(3):
        flashq_attention(q, k, v, causal=causal, out=out, softmax=sm)
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); flashq_attention(q, k, v, causal=causal, out=out, softmax=sm); e.record(); e.synchronize()
    plain = s.elapsed_time(e)
    path = f"{outdir}/trace_{N}_{sm}_{int(causal)}.bin"
    os.environ["TURBOATTN_PREFILL_TRACE"] = path
    flashq_attention(q, k, v, causal=causal, out=out, softmax=sm)
    torch.cuda.synchronize()
    del os.environ["TURBOATTN_PREFILL_TRACE"]
    t = np.fromfile(path, dtype=np.uint64).reshape(-1, 8).astype(np.int64)
    g0, c1, c2, c3, c4, c5, smid, g7 = t.T
    span = (g7.max() - g0.min()) / 1e3
    dur = (g7 - g0) / 1e3
    clk_per_ns = np.median((c5 - c1) / np.maximum(g7 - g0, 1))
    nkb = N // 64 if not causal else None
    def us(x): return np.median(x) / clk_per_ns / 1e3
    # slot occupancy per SM over the kernel span: 3 slots
    idle = 0.0; first_starts = []
    t0 = g0.min(); t1 = g7.max()
    for sm_i in np.unique(smid):
        m = smid == sm_i
        ev = sorted([(a, 1) for a in g0[m]] + [(b, -1) for b in g7[m]])
        run, last = 0, t0
        for tt, d in ev:
            idle += (3 - run) * (tt - last); run += d; last = tt
        idle += (3 - run) * (t1 - last)
    n_sm = len(np.unique(smid))
    idle_frac = idle / (3 * n_sm * (t1 - t0))
    # gaps: for each CTA that is not in the first wave, start minus the latest end on the same SM before it
    gaps = []
    for sm_i in np.unique(smid):
        m = np.where(smid == sm_i)[0]
        ends = np.sort(g7[m]); starts = np.sort(g0[m])
        for st in starts[3:]:
            prev = ends[ends <= st]
            if len(prev): gaps.append((st - prev[-1]) / 1e3)
    print(f"N={N} {sm} causal={int(causal)}: call {plain:.3f} ms, kernel span {span:.1f} us, CTAs {len(t)} on {n_sm} SMs, "
          f"CTA duration median {np.median(dur):.2f} us (p10 {np.percentile(dur,10):.2f}, p90 {np.percentile(dur,90):.2f}), "
          f"clock {clk_per_ns:.3f} GHz", flush=True)
    print(f"   parts (median us): entry->Q ready {us(c2-c1):.3f}, first block {us(c3-c2):.3f}, "
          f"other blocks {us(c4-c3):.2f} ({us(c4-c3)/max((nkb or 1)-1,1)*1e3:.1f} ns/block), epilogue {us(c5-c4):.3f}; "
          f"slot-idle fraction {idle_frac*100:.2f} %, start gap after an end median {np.median(gaps):.3f} us p90 {np.percentile(gaps,90):.3f}",
          flush=True)
    # first wave: how synchronised the CTAs of an SM are
    fw = g0 < g0.min() + 2000
    print(f"   first wave: {fw.sum()} CTAs started within 2 us; last CTA start to kernel end {(t1 - g0.max())/1e3:.1f} us", flush=True)
    del q, k, v, out
    torch.cuda.empty_cache()
