"""Session 25 (prefill-v22 run 4): warp-instructions per warp-block by opcode in two ncu source exports
(gpu_profile_prefill.sh MODE=source), side by side. argv: label=file.csv[.gz] ... and the number of warp-blocks
(a warp's pass over one 64-key block) of the profiled launch as WARP_BLOCKS (default 1048576: 4k, B = 2, D = 128)."""
import collections, csv, gzip, os, sys


def load(path):
    rows = csv.reader((gzip.open if path.endswith(".gz") else open)(path, "rt"))
    next(rows)
    head = next(rows)
    count, src = head.index("Instructions Executed"), head.index("Source")
    ops = collections.Counter()
    for row in rows:
        if len(row) <= count:
            continue
        words = row[src].strip().split()
        if not words:
            continue
        op = words[1] if words[0].startswith("@") else words[0]
        ops[op.rstrip(";")] += int(row[count] or 0)
    return ops


blocks = int(os.environ.get("WARP_BLOCKS", 1048576))
runs = [(arg.split("=", 1)[0], load(arg.split("=", 1)[1])) for arg in sys.argv[1:]]
keys = sorted(set().union(*(ops for _, ops in runs)), key=lambda k: -sum(ops[k] for _, ops in runs))
print("%-24s" % "opcode" + "".join("%10s" % label for label, _ in runs))
for k in keys:
    if any(ops[k] / blocks > 1 for _, ops in runs):
        print("%-24s" % k + "".join("%10.1f" % (ops[k] / blocks) for _, ops in runs))
print("%-24s" % "total" + "".join("%10.1f" % (sum(ops.values()) / blocks) for _, ops in runs))
