"""Session 46 (from session 45's steppdl.py): the residual rows' block in the combine (the plan since session 46)
against a residual split where the plan before put it (TURBOATTN_DECODE_RESIDUAL=split). A generation loop as
benchmarks/decode_loop.py runs it (one flashq_attention(q, kv=cache, k_new=..., v_new=...) per layer and token,
the host synchronised at each token's end), the two settings alternating token by token over one window (residual
rows 1 to 60, so that every step is a fused one), two passes in the two orders. Prints the median wall time a token
of each, and the GPU's busy time a token (profiler) of each over 8 more tokens; the largest relative difference of the
settings' outputs on the same step (twin caches of one layer; the folds' order differs, so not bit-equal).
Runs 10-11 ran it on trees without the combine's placement: the plan key residual_in_combine is read with a default
(run 10 ran a copy with that one change, folded back here).
Usage: python3 steppdl.py "B,Hq,Hkv,N,D[,bits[,layers]];..." """
import os
import statistics
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", ".."))  # the repository
import turboattn  # noqa: E402
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

# name -> TURBOATTN_DECODE_RESIDUAL (None: unset). STEP_SETTINGS="name:value,..." (an empty value: unset) replaces
# them; the last is the baseline of the percentages.
SETTINGS = {"comb": None, "split": "split"}
KNOB = "TURBOATTN_DECODE_RESIDUAL"
if os.environ.get("STEP_SETTINGS"):
    SETTINGS = {n: (v or None) for n, v in (x.split(":") for x in os.environ["STEP_SETTINGS"].split(","))}


def setting(name):
    if SETTINGS[name] is None:
        os.environ.pop(KNOB, None)
    else:
        os.environ[KNOB] = SETTINGS[name]


def make(B, Hq, Hkv, N, D, bits, layers, g, tokens):
    out = []
    for _ in range(layers):
        k = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
        v = torch.randn(B, Hkv, N, D, device="cuda", dtype=torch.float16, generator=g)
        k[..., :4] *= 20
        out.append({"cache": quantize_kv_cuda(k, v, bits=bits),
                    "k_new": torch.randn(tokens, B, Hkv, 1, D, device="cuda", dtype=torch.float16, generator=g),
                    "v_new": torch.randn(tokens, B, Hkv, 1, D, device="cuda", dtype=torch.float16, generator=g),
                    "q": torch.randn(tokens, B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g),
                    "out": torch.empty(B, Hq, 1, D, device="cuda", dtype=torch.float16)})
        del k, v
    return out


def token(layers, t):
    for L in layers:
        turboattn.flashq_attention(L["q"][t], kv=L["cache"], k_new=L["k_new"][t], v_new=L["v_new"][t], out=L["out"])


def busy_ms(layers, first, count):
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for t in range(first, first + count):
            token(layers, t)
            torch.cuda.synchronize()
    spans = sorted((e.time_range.start, e.time_range.end) for e in prof.events()
                   if e.device_type == torch.autograd.DeviceType.CUDA)
    total, end = 0.0, float("-inf")
    for a, b in spans:
        if b > end:
            total += b - max(a, end)
            end = b
    return total / 1e3 / count


def twins_diff(B, Hq, Hkv, D, bits, g):
    """One layer's cache once a setting; the same 5 steps under each: the largest relative L2 difference of the
    outputs from the first setting's."""
    k = torch.randn(B, Hkv, 64 * 40 + 3, D, device="cuda", dtype=torch.float16, generator=g)
    v = torch.randn_like(k)
    caches = {n: quantize_kv_cuda(k.clone(), v.clone(), bits=bits) for n in SETTINGS}
    worst = 0.0
    for _ in range(5):
        q = torch.randn(B, Hq, 1, D, device="cuda", dtype=torch.float16, generator=g)
        kn = torch.randn(B, Hkv, 1, D, device="cuda", dtype=torch.float16, generator=g)
        vn = torch.randn_like(kn)
        outs = []
        for n in SETTINGS:
            setting(n)
            outs.append(torch.from_dlpack(turboattn.flashq_attention(q, kv=caches[n], k_new=kn, v_new=vn)).float())
        for o in outs[1:]:
            worst = max(worst, float((o - outs[0]).norm() / outs[0].norm()))
    return worst


def main():
    g = torch.Generator(device="cuda").manual_seed(46)
    for spec in sys.argv[1].split(";"):
        f = [int(x) for x in spec.split(",")]
        B, Hq, Hkv, N, D = f[:5]
        bits = f[5] if len(f) > 5 else 4
        n_layers = f[6] if len(f) > 6 else 32
        tokens = 2 * 64 + 32
        # two passes of 60 tokens each over one window: N + 1 .. N + 60, then a fill step, then the next window
        layers = make(B, Hq, Hkv, N + 1, D, bits, n_layers, g, tokens)
        plan = None
        wall = {n: [] for n in SETTINGS}
        t = 0
        names = list(SETTINGS)
        for order in (names, names[::-1]):
            for i in range(60):
                name = order[i % len(order)]
                setting(name)
                torch.cuda.synchronize()
                t0 = time.perf_counter()
                token(layers, t)
                torch.cuda.synchronize()
                if i >= 4:
                    wall[name].append((time.perf_counter() - t0) * 1e3)
                if plan is None:
                    p = _C.decode_last_plan()
                    plan = (f"warp={p['warp']} res_warp={p['residual_in_warp_kernel']} "
                            f"res_comb={p.get('residual_in_combine', 0)} bps={p['blocks_per_split']} rt={p['rows_per_item']}")
                t += 1
            while layers[0]["cache"].n_residual != 1:  # to the next window's first row, untimed
                token(layers, t)
                t += 1
        busy = {}
        for name in SETTINGS:
            setting(name)
            busy[name] = busy_ms(layers, t, 8)
            t += 8
        med = {n: statistics.median(w) for n, w in wall.items()}
        diff = twins_diff(B, Hq, Hkv, D, bits, g)
        base = names[-1]
        parts = [f"{n} {med[n]:.3f} ms a token ({100 * (med[n] / med[base] - 1):+.1f} %), GPU busy {busy[n]:.3f} "
                 f"({100 * (busy[n] / busy[base] - 1):+.1f} %), {1e3 * med[n] / n_layers:.1f} us a layer"
                 for n in names]
        print(f"{spec:28s} {plan}  " + "; ".join(parts) + f"; outputs differ by {diff:.1e}", flush=True)
        setting(names[0])
        del layers
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
