"""Session 34: what makes the tail of a decode call, from session 33's per-warp clocks (run3/tl_raw.txt.gz, one line
per work item: split, tile, b, h, SM, blocks, globaltimer start, ns, then clock64 cycles of the prologue, phase 1,
look-back and phase 2). For the one-row shapes it prints how phase 2's length varies with phase 1, the SM and the
split, and what balancing the second halves of the value phases between a CTA's four warps would leave of the span
(a simulation, not a measurement).

    python benchmarks/results/decode-session34/tail_stats.py [path to tl_raw.txt.gz]
"""
import collections
import gzip
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "..", "decode-session33", "run3", "tl_raw.txt.gz")


def sections(path):
    """[(shape and bits, rows)] in the file's order; rows as float arrays, one column per field."""
    out, cur = [], None
    for line in gzip.open(path, "rt"):
        f = line.split()
        if not f:
            continue
        if f[0] == "MARK":
            cur = (tuple(int(x) for x in f[1:]), [])
            out.append(cur)
        elif f[0] == "END":
            cur = None
        elif f[0] == "TL" and cur is not None:
            cur[1].append([float(x) for x in f[1:]])
    return [(key, np.array(rows).T) for key, rows in out if rows]


def phases(cols):
    """Start of phase 2 and the lengths of phases 1 and 2, in us (clock64 cycles at each warp's own clock rate)."""
    split, tile, b, h, sm, nb, gs, gdur, cpro, cp1, clb, cp2 = cols
    rate = (cpro + cp1 + clb + cp2) / np.maximum(gdur, 1)  # cycles per ns
    t0 = (gs - gs.min()) / 1000
    p1, p2 = cp1 / rate / 1000, cp2 / rate / 1000
    return t0 + (cpro + cp1 + clb) / rate / 1000, p1, p2


def within(x, groups):
    """x less its group's mean."""
    sums = collections.defaultdict(list)
    for xi, gi in zip(x, groups):
        sums[gi].append(xi)
    mean = {k: np.mean(v) for k, v in sums.items()}
    return x - np.array([mean[gi] for gi in groups])


def r2(x, groups):
    return 1 - (within(x, groups) ** 2).sum() / ((x - x.mean()) ** 2).sum()


def balanced_span(sm, s2, p2, own, restart_us=0.5, seed=1):
    """Each warp does the first half of its phase 2 and then takes pending second halves of its CTA (four warps of
    one SM, drawn at random). A second half takes restart_us more than half the phase 2 of its own item (own: the
    slowness is the item's) or of a random item (the slowness is the moment's, not the item's)."""
    rng = random.Random(seed)
    by_sm = collections.defaultdict(list)
    for i, s in enumerate(sm):
        by_sm[s].append(i)
    ends = []
    for idx in by_sm.values():
        rng.shuffle(idx)
        for c in range(0, len(idx), 4):
            cta = idx[c:c + 4]
            free = [s2[i] + p2[i] / 2 for i in cta]
            for avail, i in sorted((s2[i] + p2[i] / 2, i) for i in cta):
                w = min(range(len(free)), key=free.__getitem__)
                free[w] = max(free[w], avail) + p2[i if own else rng.randrange(len(p2))] / 2 + restart_us
            ends.append(max(free))
    return max(ends)


def main(path):
    for key, cols in sections(path):
        if key[0] != 1 or key[1] != key[2]:
            continue  # the one-row shapes: one wave, clocks usable
        split, sm, nb = cols[0], cols[4], cols[5]
        s2, p1, p2 = phases(cols)
        full = nb == np.median(nb)
        end = s2 + p2
        print(f"{key}: {len(p2)} items; phase 2 median {np.median(p2):.2f} us, sd {p2[full].std():.2f} "
              f"(items of {int(np.median(nb))} blocks)")
        print(f"  corr(phase 1, phase 2), full items: {np.corrcoef(p1[full], p2[full])[0, 1]:+.3f}; within an SM: "
              f"{np.corrcoef(within(p1[full], sm[full]), within(p2[full], sm[full]))[0, 1]:+.3f}")
        print(f"  phase 2 variance explained by the SM {r2(p2[full], sm[full]):.3f}, by the split "
              f"{r2(p2[full], split[full]):.3f}")
        print(f"  span {end.max():.2f} us, 99 % of items ended by {np.percentile(end, 99):.2f}, median end "
              f"{np.median(end):.2f}")
        for own in (True, False):
            spans = [balanced_span(sm, s2, p2, own, seed=k) for k in range(3)]
            print(f"  second halves balanced within each CTA (simulated, a half as slow as {'its own' if own else 'a random'}"
                  " item's): span " + ", ".join(f"{x:.2f}" for x in spans))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else RAW)
