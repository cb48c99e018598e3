"""Where a prefill kernel's warps stall, by loop region, from an Nsight Compute source export
(`MODE=source bash benchmarks/gpu_profile_prefill.sh` writes source_sass_v<i>.csv; .csv.gz works too).

Prints the stall-reason shares, the main loop cut at its landmarks (barrier, first QK IMMA, first row-max
shuffle, first F2FP of the softmax, first PV IMMA) with each region's share of samples and instructions
executed per warp and key block (normalised by the barrier's execution count), and the most executed
opcodes. Written for the barrier-pipeline kernels (it looks for BAR.SYNC).

    python benchmarks/ncu_source_regions.py benchmarks/results/prefill-v4/run9-h100-source/source_sass.csv.gz
"""
import gzip
import csv, sys
opener = gzip.open if sys.argv[1].endswith(".gz") else open
rows = list(csv.reader(opener(sys.argv[1], "rt")))
hdr = rows[1]; data = rows[2:]
isrc = hdr.index("Source"); iall = hdr.index("Warp Stall Sampling (All Samples)"); iex = hdr.index("Instructions Executed")
cols = ['stall_wait','stall_short_sb','stall_math','stall_not_selected','stall_barrier','stall_branch_resolving','stall_long_sb','stall_dispatch','stall_selected']
ic = [hdr.index(c) for c in cols]
tot = sum(int(r[iall]) for r in data if r[iall].isdigit())
print("total samples", tot, {c: round(100*sum(int(r[i]) for r in data if r[i].isdigit())/tot,1) for c, i in zip(cols, ic)})
# find loop: instructions executed >= 1,000,000; mark regions by key opcodes
hot = [(n, r) for n, r in enumerate(data) if int(r[iex] or 0) >= 900000]
marks = []
for n, r in hot:
    src = r[isrc]
    if "BAR.SYNC" in src: marks.append((n, "barrier"))
    if "IMMA.16832.S8.S8" in src and not any(m[1]=="QK" for m in marks): marks.append((n, "QK"))
    if "SHFL.BFLY" in src and not any(m[1]=="rowmax" for m in marks): marks.append((n, "rowmax"))
    if "F2FP" in src and not any(m[1]=="softmax" for m in marks): marks.append((n, "softmax"))
    if "IMMA.16832.U8.S8" in src and not any(m[1]=="PV" for m in marks): marks.append((n, "PV"))
marks.sort()
print(marks)
# warp-blocks = executions of the loop's barrier (every warp passes it once per key block)
wb = next(int(data[n][iex]) for n, name in marks if name == "barrier")
bounds = marks + [(hot[-1][0]+1, "end")]
for (a, name), (b, _) in zip(bounds, bounds[1:]):
    samp = sum(int(data[n][iall]) for n in range(a, b) if data[n][iall].isdigit())
    ex = sum(int(data[n][iex] or 0) for n in range(a, b))
    print(f"{name:10s} rows {a}-{b} samples {100*samp/tot:5.1f}% instr-exec {ex/wb:7.1f} per warp-block")
from collections import Counter
c = Counter()
for r in data:
    op = r[isrc].split()
    if not op: continue
    o = op[1] if op[0].startswith("@") else op[0]
    c[o.split(".")[0]] += int(r[iex] or 0)
print({k: round(v/wb, 1) for k, v in c.most_common(22)})
