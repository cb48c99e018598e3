"""Session 47, runs 8-9: 8-bit caches at D = 128 on their default rows against another row of the table
(TURBOATTN_DECODE_VARIANT=--variant), the two in turn, twice, in one process. Run 8 (--variant 3): the default rows
then were the one-row and few-row kernels of every width (3 CTAs an SM), and variant 3 trial rows that hold the 8-bit
path alone at 2 CTAs an SM, as the 8-bit few-row kernels at D = 80-112 and 256 now run. Run 9 (--variant 1): those
rows are now the default, and variant 1 the rows of every width.

    python bits8_d128.py --out DIR [--variant 3]
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

# (B, Hq, Hkv, N): one row a KV head (MHA), 2 (GQA 2:1) and 4 (GQA 4:1)
SHAPES = [(1, 32, 32, 32768), (8, 32, 32, 8192), (1, 32, 16, 32768), (4, 32, 16, 16384), (1, 32, 8, 32768),
          (8, 32, 8, 32768), (16, 32, 8, 8192)]

ap = argparse.ArgumentParser()
ap.add_argument("--out", default=os.environ.get("OUT", "."))
ap.add_argument("--variant", default="3", help="the table row timed against the default (TURBOATTN_DECODE_VARIANT)")
args = ap.parse_args()
decode.L2_BYTES = torch.cuda.get_device_properties(0).L2_cache_size
decode.D = 128
rows = []
for B, Hq, Hkv, N in SHAPES:
    q, k, v = decode.make_inputs(B, Hq, Hkv, N)
    sd = decode.sdpa_times(q, k, v)
    sd.pop("_ref")
    best = min(x["ms"] for x in sd.values() if isinstance(x, dict) and "ms" in x)
    caches = decode.cold_caches(k, v, 8)
    row = {"B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "sdpa_best_ms": best, "default_ms": [], "trial_ms": []}
    for _ in range(2):
        ms, out, plan = decode.turbo_time_env(q, caches)
        ms3, out3, plan3 = decode.turbo_time_env(q, caches, {"TURBOATTN_DECODE_VARIANT": args.variant})
        row["default_ms"].append(ms), row["trial_ms"].append(ms3)
    row["default_ctas"], row["trial_ctas"] = plan["ctas_per_sm"], plan3["ctas_per_sm"]
    row["trial_rel_l2_vs_default"] = float((out3.float() - out.float()).norm() / out.float().norm())
    rows.append(row)
    print(f"({B},{Hq},{Hkv},{N}) 8-bit: SDPA best {best:.3f} ms; default {row['default_ms'][0]:.3f} "
          f"{row['default_ms'][1]:.3f} ({plan['ctas_per_sm']} CTAs); variant {args.variant} {row['trial_ms'][0]:.3f} "
          f"{row['trial_ms'][1]:.3f} ({plan3['ctas_per_sm']} CTAs); rel L2 {row['trial_rel_l2_vs_default']:.0e}",
          flush=True)
    del q, k, v, caches
    torch.cuda.empty_cache()
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "bits8_d128.json"), "w") as fh:
    json.dump({"device": torch.cuda.get_device_name(0), "rows": rows}, fh, indent=1)
