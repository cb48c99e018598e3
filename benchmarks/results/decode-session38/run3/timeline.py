"""Session 38 run 3: when the chained residual split runs (diagnostic build r38chainT prints globaltimer stamps every
8th call: "own" = an item's start and the end of its own split, for b = 0 and the first and last splits; "chain" = the
chained residual's start, own end, q done, end; "sep" = a residual item of its own: start, q done, image waited, end).
argv: the build's directory. Prints the stamps relative to the earliest start, in us, summarised. Run 11 reuses it on
r38selfT ("sep": start, q done, image built or waited for, end) with TL_SHAPES="B,Hq,Hkv,N;..." and TL_KNOB (the
TURBOATTN_DECODE_RESIDUAL value of each shape's second call; run 3's: the four shapes below and "warp") and TL_LABEL
(the first call's name)."""
import math, os, re, subprocess, sys

CHILD = r'''
import math, sys, torch
sys.path.insert(0, sys.argv[1])
from turboattn import _C, cuda_kv
B, Hq, Hkv, N = (int(x) for x in sys.argv[2].split(","))
g = torch.Generator(device="cuda").manual_seed(N + B)
k = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
v = torch.randn(B, Hkv, N, 128, device="cuda", dtype=torch.float16, generator=g)
k[..., :4] *= 20
q = torch.randn(B, Hq, 1, 128, device="cuda", dtype=torch.float16, generator=g)
cache, out = cuda_kv.quantize_kv_cuda(k, v, bits=4), torch.empty_like(q)
for _ in range(8):
    _C.cuda_attention_kv(q, cache, out, None, 1 / math.sqrt(128), False, False, 8, False)
torch.cuda.synchronize()
'''

def run(build, shape, env):
    e = dict(os.environ, **env)
    p = subprocess.run([sys.executable, "-c", CHILD, build, shape], capture_output=True, text=True, env=e)
    rows = []
    for line in p.stdout.splitlines():
        m = re.match(r"T (\w+) split (\d+) tile (\d+) b (\d+) h (\d+) : (\d+) (\d+) (\d+) (\d+)", line)
        if m:
            rows.append((m.group(1), int(m.group(2)), [int(x) for x in m.groups()[5:]]))
    if not rows:
        print(p.stdout[-2000:], p.stderr[-2000:])
        return
    t0 = min(r[2][0] for r in rows)
    us = lambda t: (t - t0) / 1000 if t else float("nan")
    for tag in ("own", "chain", "sep"):
        for first in ((True, False) if tag == "own" else (None,)):
            sel = [r for r in rows if r[0] == tag and (first is None or (r[1] == 0) == first)]
            if not sel:
                continue
            cols = list(zip(*[[us(t) for t in r[2]] for r in sel]))
            desc = " | ".join(f"{min(c):6.1f} {sorted(c)[len(c)//2]:6.1f} {max(c):6.1f}" for c in cols if not all(math.isnan(x) for x in c))
            name = tag + ("" if first is None else (" split0" if first else " last"))
            print(f"  {name:12s} n={len(sel):4d}  (min med max per stamp) {desc}")

build = sys.argv[1]
shapes = os.environ.get("TL_SHAPES", "1,32,32,32805;16,32,8,8229;8,32,8,32805;1,32,8,131109").split(";")
for shape in shapes:
    for env in ({}, {"TURBOATTN_DECODE_RESIDUAL": os.environ.get("TL_KNOB", "warp")}):
        print(shape, env or os.environ.get("TL_LABEL", "chained"))
        run(build, shape, env)
