"""Session 47: head dims 32 and 48 (Pythia-14m/-31m, TinyStories-33M) on the warp kernel's D = 64 one-row and few-row
forms, against the CTA kernel they took before (TURBOATTN_DECODE_KERNEL=cta, same process) and SDPA's FP16 decode
(best backend), at 4, 2 and 8 bits; D = 64 beside them for scale. Caches are taken in turn where they fit twice in L2
(decode.cold_caches).

    python small_dims.py --out DIR
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
sys.path.insert(0, ROOT)

import torch  # noqa: E402

import decode  # noqa: E402

# (B, Hq, Hkv, N, Nq): the small models' own shapes (8 or 16 heads, MHA, 2k tokens, batches of 1 and 16), and two of
# the shapes at these dims
SHAPES = [(1, 8, 8, 2048, 1), (16, 16, 16, 2048, 1), (1, 32, 32, 32768, 1), (8, 32, 8, 32768, 1), (4, 16, 16, 8192, 4)]


ap = argparse.ArgumentParser()
ap.add_argument("--out", default=os.environ.get("OUT", "."))
args = ap.parse_args()
decode.L2_BYTES = torch.cuda.get_device_properties(0).L2_cache_size
rows = []
for D in (32, 48, 64):
    for B, Hq, Hkv, N, Nq in SHAPES:
        decode.D, decode.NQ = D, Nq
        q, k, v = decode.make_inputs(B, Hq, Hkv, N)
        sd = decode.sdpa_times(q, k, v)
        ref = sd.pop("_ref").float()
        best = min(x["ms"] for x in sd.values() if isinstance(x, dict) and "ms" in x)
        row = {"D": D, "B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "Nq": Nq, "sdpa_best_ms": best,
               "sdpa": {n: x.get("ms") if isinstance(x, dict) else x for n, x in sd.items()}}
        line = f"D={D} ({B},{Hq},{Hkv},{N}) Nq={Nq}: SDPA best {best:.4f} ms"
        for bits in (4, 2, 8):
            caches = decode.cold_caches(k, v, bits)
            ms, out, plan = decode.turbo_time_env(q, caches)
            ms2, out2, _ = decode.turbo_time_env(q, caches, {"TURBOATTN_DECODE_KERNEL": "cta"})
            row[f"{bits}bit"] = {"ms": ms, "x": best / ms, "warp": plan["warp"], "rows_per_item": plan["rows_per_item"],
                                 "cta_ms": ms2, "cta_x": best / ms2, "nbytes": caches[0].nbytes,
                                 "rel_l2_vs_sdpa": float((out.float() - ref).norm() / ref.norm()),
                                 "cta_rel_l2_vs_warp": float((out2.float() - out.float()).norm() / out.float().norm())}
            r = row[f"{bits}bit"]
            line += (f"; {bits}-bit {ms:.4f} ({r['x']:.2f}x, warp={plan['warp']}) CTA {ms2:.4f} ({r['cta_x']:.2f}x)"
                     f" dL2 {r['cta_rel_l2_vs_warp']:.0e}")
            del caches
        rows.append(row)
        print(line, flush=True)
        del q, k, v
        torch.cuda.empty_cache()
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "small_dims.json"), "w") as fh:
    json.dump({"device": torch.cuda.get_device_name(0), "rows": rows}, fh, indent=1)
