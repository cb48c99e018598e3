"""Where the per-warp decode kernel spends its instructions, by basic block, from an Nsight Compute source
export (`MODE=source bash benchmarks/gpu_stalls_decode.sh` writes source_sass_<bits>.csv.gz).

Cuts the SASS into basic blocks (runs of equal execution count), and prints the heaviest ones with their
instructions per warp and 64-token block, their share of stall samples and their main opcodes, then the
stall-reason shares of the whole kernel. warp_blocks = B * Hkv * N / 64 for one query row per KV head.

    python benchmarks/ncu_decode_regions.py benchmarks/results/decode-v5/run27-h100-ncu-source/source_sass_4_1x32x32.csv.gz 16384
"""
import collections
import csv
import gzip
import re
import sys


def num(x):
    try:
        return int(x.replace(",", ""))
    except ValueError:
        return 0


def main(path, warp_blocks, top=40):
    rows = list(csv.reader(gzip.open(path, "rt") if path.endswith(".gz") else open(path)))
    hi = next(i for i, r in enumerate(rows) if "Source" in r)
    hdr, data = rows[hi], rows[hi + 1:]
    i_src, i_all = hdr.index("Source"), hdr.index("Warp Stall Sampling (All Samples)")
    i_ex = hdr.index("Instructions Executed")
    ex = [num(r[i_ex]) for r in data]
    samples = [num(r[i_all]) for r in data]
    total_ex, total_samples = sum(ex), sum(samples) or 1
    print(f"instructions per warp-block {total_ex / warp_blocks:.0f}, stall samples {total_samples}")
    blocks, start = [], 0
    for i in range(1, len(data) + 1):
        if i == len(data) or ex[i] != ex[start] or re.search(r"\bBRA\b|EXIT", data[i - 1][i_src]):
            blocks.append((start, i))
            start = i
    agg = []
    for a, b in blocks:
        e = sum(ex[a:b])
        if e:
            ops = collections.Counter(re.sub(r"^@!?U?P\w+\s+", "", data[n][i_src]).split()[0].split(".")[0]
                                      for n in range(a, b))
            agg.append((e, sum(samples[a:b]), a, b, ops))
    agg.sort(key=lambda x: -x[0])
    cum = 0
    for e, s, a, b, ops in agg[:top]:
        cum += e
        print(f"rows {a:5d}-{b:5d} n={b - a:4d} runs/wb={ex[a] / warp_blocks:6.2f} instr/wb={e / warp_blocks:7.1f} "
              f"samples={100 * s / total_samples:5.1f}% cum={100 * cum / total_ex:5.1f}%", dict(ops.most_common(6)))
    reasons = [c for c in hdr if c.startswith("stall_") and "Not Issued" not in c]
    stalls = {c: sum(num(r[hdr.index(c)]) for r in data) for c in reasons}
    print({c: round(100 * v / total_samples, 1) for c, v in stalls.items() if v > 0.01 * total_samples})
    print("by stall samples (the region's three largest reasons, % of all samples):")
    for e, s, a, b, ops in sorted(agg, key=lambda x: -x[1])[:top // 2]:
        why = sorted(((sum(num(data[n][hdr.index(c)]) for n in range(a, b)), c) for c in reasons), reverse=True)[:3]
        print(f"rows {a:5d}-{b:5d} instr/wb={e / warp_blocks:7.1f} samples={100 * s / total_samples:5.1f}%",
              " ".join(f"{c[6:]}={100 * v / total_samples:.1f}" for v, c in why), dict(ops.most_common(4)))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
