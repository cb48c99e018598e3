"""Session 17 (prefill-v15): one process's median times (in turns) of turboattn prefill at one TURBOATTN_PREPASS_CTAS setting
(argv: label; the setting comes from the environment). Same cases and method as prefill-v13 run 5's ab.py.
AB_SHOW lists the settings the output line names, as name=VARIABLE pairs separated by commas; the default names
session 17's two. Session 18 (prefill-v16) used AB_SHOW=old_epilogue=TURBOATTN_S18_OLD_EPILOGUE. AB_CASES, if set,
replaces the cases: D:N:causal triples separated by commas (session 20, prefill-v17: the causal sizes)."""
import os, sys, statistics
import torch
label = sys.argv[1]
import turboattn
from turboattn import flashq_attention
cases = [(128, 4096, False), (128, 16384, False), (128, 4096, True), (64, 4096, False), (128, 1024, False)]
if os.environ.get("AB_CASES"):
    cases = [(int(d), int(n), bool(int(c))) for d, n, c in (x.split(":") for x in os.environ["AB_CASES"].split(","))]
res = []
for D, N, causal in cases:
    B = 32768 // N
    g = torch.Generator(device="cuda").manual_seed(N + D)
    q, k, v = (torch.randn(B, 32, N, D, device="cuda", dtype=torch.float16, generator=g) for _ in range(3))
    out = torch.empty_like(q)
    fns = [lambda sm=sm: flashq_attention(q, k, v, causal=causal, out=out, softmax=sm) for sm in ("exact", "sas")]
    for f in fns:
        for _ in range(3):
            f()
    torch.cuda.synchronize()
    times = [[], []]
    for _ in range(10):
        for f, t in zip(fns, times):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); f(); e.record(); e.synchronize()
            t.append(s.elapsed_time(e))
    res.append(f"D={D} N={N} c={int(causal)} exact {statistics.median(times[0]):.3f} sas {statistics.median(times[1]):.3f}")
    del q, k, v, out
    torch.cuda.empty_cache()
show = os.environ.get("AB_SHOW", "ctas=TURBOATTN_PREPASS_CTAS,variant=TURBOATTN_PREFILL_VARIANT")
settings = " ".join(f"{name}={os.environ.get(var, 'default')}" for name, var in (x.split("=", 1) for x in show.split(",")))
print(f"{label:6s} {settings}: " + " | ".join(res), flush=True)
