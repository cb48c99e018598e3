"""Session 47: 8-bit caches with 2 or more query rows a KV head at D = 256 and the padded head dims (80, 96, 112),
now on the warp kernel's 8-bit few-row kernels (WD_W_8), against the CTA kernel they took before
(TURBOATTN_DECODE_KERNEL=cta, same process), a second table row on trial at one head dim (--trial-dim, the 8-bit
calls with TURBOATTN_DECODE_VARIANT=1: 2 CTAs an SM; 0: none) and SDPA's FP16 decode (best backend); 4 bits for
scale. Caches are taken in turn where they fit twice in L2 (decode.cold_caches). Runs 1, 2 and 3 used --trial-dim
256, 96 and 0 (run 3 with --name bits8_final).

    python bits8_few.py --out DIR [--trial-dim 256] [--name bits8_few]
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

# (D, B, Hq, Hkv, N, Nq): Gemma-2-9B-like (16 over 8 heads of 256) and Gemma-2-2B-like (8 over 4), one query token;
# the padded dims' MHA models verifying 2 and 4 draft tokens (Phi-2 80, Phi-3-mini 96, MPT-30B 112 at 64 heads)
SHAPES = [(256, 1, 16, 8, 32768, 1), (256, 8, 16, 8, 8192, 1), (256, 4, 8, 4, 32768, 1), (256, 1, 16, 16, 16384, 2),
          (80, 1, 32, 32, 16384, 2), (96, 1, 32, 32, 32768, 4), (96, 8, 32, 32, 8192, 2), (112, 1, 64, 64, 8192, 4)]


ap = argparse.ArgumentParser()
ap.add_argument("--out", default=os.environ.get("OUT", "."))
ap.add_argument("--trial-dim", type=int, default=256, help="head dim whose 8-bit calls also run variant 1 (0: none)")
ap.add_argument("--name", default="bits8_few", help="the JSON file's name, without .json")
args = ap.parse_args()
decode.L2_BYTES = torch.cuda.get_device_properties(0).L2_cache_size
rows = []
for D, B, Hq, Hkv, N, Nq in SHAPES:
    decode.D, decode.NQ = D, Nq
    q, k, v = decode.make_inputs(B, Hq, Hkv, N)
    sd = decode.sdpa_times(q, k, v)
    ref = sd.pop("_ref").float()
    best = min(x["ms"] for x in sd.values() if isinstance(x, dict) and "ms" in x)
    row = {"D": D, "B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "Nq": Nq, "sdpa_best_ms": best,
           "sdpa": {n: x.get("ms") if isinstance(x, dict) else x for n, x in sd.items()}}
    for bits in (8, 4):
        caches = decode.cold_caches(k, v, bits)
        ms, out, plan = decode.turbo_time_env(q, caches)
        row[f"{bits}bit_ms"], row[f"{bits}bit_plan"], row[f"{bits}bit_x"] = ms, plan, best / ms
        row[f"{bits}bit_rel_l2_vs_sdpa"] = float((out.float() - ref).norm() / ref.norm())
        row[f"{bits}bit_nbytes"] = caches[0].nbytes
        ms2, out2, _ = decode.turbo_time_env(q, caches, {"TURBOATTN_DECODE_KERNEL": "cta"})
        row[f"{bits}bit_cta_ms"] = ms2
        row[f"{bits}bit_cta_rel_l2_vs_warp"] = float((out2.float() - out.float()).norm() / out.float().norm())
        if bits == 8 and D == args.trial_dim:
            ms3, out3, plan3 = decode.turbo_time_env(q, caches, {"TURBOATTN_DECODE_VARIANT": "1"})
            row["8bit_v1_ms"], row["8bit_v1_ctas"] = ms3, plan3["ctas_per_sm"]
            row["8bit_v1_rel_l2_vs_v0"] = float((out3.float() - out.float()).norm() / out.float().norm())
        del caches
    rows.append(row)
    v1 = f", 2-CTA row {row['8bit_v1_ms']:.3f}" if "8bit_v1_ms" in row else ""
    print(f"D={D} ({B},{Hq},{Hkv},{N}) Nq={Nq}: SDPA best {best:.3f} ms; 8-bit {row['8bit_ms']:.3f} "
          f"({row['8bit_x']:.2f}x, warp={row['8bit_plan']['warp']}, rt={row['8bit_plan']['rows_per_item']}){v1}, "
          f"CTA kernel {row['8bit_cta_ms']:.3f} ({best / row['8bit_cta_ms']:.2f}x); 4-bit {row['4bit_ms']:.3f} "
          f"({row['4bit_x']:.2f}x); rel L2 vs SDPA 8-bit {row['8bit_rel_l2_vs_sdpa']:.4f}; "
          f"CTA vs warp 8-bit {row['8bit_cta_rel_l2_vs_warp']:.1e}", flush=True)
    del q, k, v
    torch.cuda.empty_cache()
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, args.name + ".json"), "w") as fh:
    json.dump({"device": torch.cuda.get_device_name(0), "rows": rows}, fh, indent=1)
