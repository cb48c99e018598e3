"""Decode kernel knobs on the GPU: blocks per split (0 = automatic) and the kernel variant
(TURBOATTN_DECODE_VARIANT, the rows of attn_decode_warp.cu's table) for the benchmark shapes at 4 and 2 bits.

    python benchmarks/decode_sweep.py --out DIR [--variants 0,1] [--bps 0,4,8,16] [--bits 4,2]

Writes DIR/decode_sweep.json and prints one line per setting. Times: CUDA-event medians (decode.py's timer)
of the kernel-only binding with a preallocated output.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

import decode  # noqa: E402
from turboattn import _C  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--variants", default="0,1", help="TURBOATTN_DECODE_VARIANT values, comma-separated")
    ap.add_argument("--bps", default="0,4,8,16", help="blocks per split, comma-separated (0: the plan's)")
    ap.add_argument("--bits", default="4,2", help="cache bit widths, comma-separated")
    args = ap.parse_args()
    variants = args.variants.split(",")
    bps_list = [int(x) for x in args.bps.split(",")]
    decode.L2_BYTES = torch.cuda.get_device_properties(0).L2_cache_size
    rows = []
    for B, Hq, Hkv, N in decode.CONFIGS:
        q, k, v = decode.make_inputs(B, Hq, Hkv, N)
        for bits in [int(x) for x in args.bits.split(",")]:
            caches = decode.cold_caches(k, v, bits)  # copies taken in turn where one fits in L2 (decode.py)
            cache = caches[0]
            for variant in variants:
                os.environ["TURBOATTN_DECODE_VARIANT"] = variant
                for bps in bps_list:
                    _C.decode_blocks_per_split(bps)
                    t, _ = decode.turbo_time(q, caches)
                    row = {"B": B, "Hq": Hq, "Hkv": Hkv, "N": N, "bits": bits, "variant": variant, "bps": bps,
                           "ms": t["ms"], "GBps": cache.nbytes / (t["ms"] * 1e-3) / 1e9}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            _C.decode_blocks_per_split(0)
            del cache
        del q, k, v
        torch.cuda.empty_cache()
    os.environ.pop("TURBOATTN_DECODE_VARIANT", None)
    with open(os.path.join(args.out, "decode_sweep.json"), "w") as fh:
        json.dump({"device": torch.cuda.get_device_name(0), "command": " ".join(sys.argv), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
