"""Session 46: 8-bit caches at the padded head dims (80, 96, 112) with one query row a KV head, now on the warp
kernel's one-row form, against the CTA kernel they took before (TURBOATTN_DECODE_KERNEL=cta, same process) and
SDPA's FP16 decode; D = 128 beside them, and 4 bits for scale.

    python bits8.py --out DIR
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
from turboattn import _C  # noqa: E402
from turboattn.cuda_kv import quantize_kv_cuda  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--out", default=os.environ.get("OUT", "."))
args = ap.parse_args()
rows = []
for D in (80, 96, 112, 128):
    decode.D = D
    for B, Hq, Hkv, N in ((1, 32, 32, 32768), (8, 32, 32, 8192), (1, 64, 64, 8192)):
        q, k, v = decode.make_inputs(B, Hq, Hkv, N)
        sd = decode.sdpa_times(q, k, v)
        ref = sd.pop("_ref").float()
        best = min(x["ms"] for x in sd.values() if "ms" in x)
        row = {"D": D, "B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "sdpa_best_ms": best,
               "sdpa": {n: x.get("ms") for n, x in sd.items()}}
        for bits in (8, 4):
            cache = quantize_kv_cuda(k, v, bits=bits)
            t, out = decode.turbo_time(q, cache)
            row[f"{bits}bit_ms"] = t["ms"]
            row[f"{bits}bit_warp"] = _C.decode_last_plan()["warp"]
            row[f"{bits}bit_x"] = best / t["ms"]
            row[f"{bits}bit_rel_l2_vs_sdpa"] = float((out.float() - ref).norm() / ref.norm())
            row[f"{bits}bit_nbytes"] = cache.nbytes
            os.environ["TURBOATTN_DECODE_KERNEL"] = "cta"
            t2, out2 = decode.turbo_time(q, cache)
            del os.environ["TURBOATTN_DECODE_KERNEL"]
            row[f"{bits}bit_cta_ms"] = t2["ms"]
            row[f"{bits}bit_cta_rel_l2_vs_warp"] = float((out2.float() - out.float()).norm() / out.float().norm())
            del cache
        rows.append(row)
        print(f"D={D} ({B},{Hq},{Hkv},{N}): SDPA best {best:.3f} ms; 8-bit {row['8bit_ms']:.3f} ms "
              f"({row['8bit_x']:.2f}x, warp={row['8bit_warp']}), CTA kernel {row['8bit_cta_ms']:.3f}; "
              f"4-bit {row['4bit_ms']:.3f} ({row['4bit_x']:.2f}x), CTA {row['4bit_cta_ms']:.3f}; "
              f"rel L2 vs SDPA 8-bit {row['8bit_rel_l2_vs_sdpa']:.4f} 4-bit {row['4bit_rel_l2_vs_sdpa']:.4f}; "
              f"CTA vs warp 8-bit {row['8bit_cta_rel_l2_vs_warp']:.1e}", flush=True)
        del q, k, v
        torch.cuda.empty_cache()
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "bits8.json"), "w") as fh:
    json.dump({"device": torch.cuda.get_device_name(0), "rows": rows}, fh, indent=1)
