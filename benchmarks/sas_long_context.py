"""SAS over long, flat softmaxes (CPU, the executable spec): decode error against float64 attention as the
number of keys grows, for Gaussian q, k, v with two x20 key channels (one query token, 4 query heads on one KV
head, D = 128). SAS drops every score more than `sas_threshold` (base 2) below the row maximum; when the softmax
is flat over many keys, the dropped scores carry much of the mass, and the error grows with N where the exact
softmax's does not as fast. Prints one line per (seed, N).

    python benchmarks/sas_long_context.py [--n 549,4096,32768,307200] [--seeds 0,1]
"""
import argparse

import numpy as np

import turboattn as ta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="549,4096,32768,307200")
    ap.add_argument("--seeds", default="0,1")
    args = ap.parse_args()
    print("seed, N: rel L2 against float64 (4-bit and 8-bit caches; SAS thresholds 8 and 12; exact)")
    for seed in (int(s) for s in args.seeds.split(",")):
        for n in (int(s) for s in args.n.split(",")):
            rng = np.random.default_rng(seed)
            k = rng.standard_normal((1, 1, n, 128)).astype(np.float32)
            k[..., [3, 100]] *= 20.0
            v = rng.standard_normal((1, 1, n, 128)).astype(np.float32)
            q = rng.standard_normal((1, 4, 1, 128)).astype(np.float32)
            ref = ta.reference_attention(q, k, v)
            row = {}
            for bits in (4, 8):
                cache = ta.quantize_kv(k.astype(np.float16), v.astype(np.float16), bits=bits)
                for name, kw in (("sas8", {}), ("sas12", {"sas_threshold": 12}), ("exact", {"softmax": "exact"})):
                    out = ta.flashq_attention(q.astype(np.float16), kv=cache, **kw).astype(np.float64)
                    row[f"{bits}-bit {name}"] = round(ta.rel_l2(out, ref), 4)
            print(seed, n, row, flush=True)


if __name__ == "__main__":
    main()
