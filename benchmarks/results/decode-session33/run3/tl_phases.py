"""Reads tl_clocks.py's output (session 33 run 3): per shape, the phases of a warp's item in us (median, 10th and
90th percentile), the call's span, and a timeline in 2 us bins: warps in each phase, and the rate at which the
warps in phase 1 (keys) and phase 2 (values) read their bytes, each warp's bytes spread evenly over its phase."""
import statistics, sys


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def block_bytes(bits, D=128):
    """One block's codes, steps and zeros, and its scale (D = 128: the same for keys and values)."""
    return D * 64 * bits // 8 + 2 * D + 4


sections, cur = [], None
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    if f[0] == "MARK":
        cur = (tuple(int(x) for x in f[1:]), [])
        sections.append(cur)
    elif f[0] == "END":
        cur = None
    elif f[0] == "TL" and cur is not None:
        cur[1].append([int(x) for x in f[1:]])
for (B, Hq, Hkv, N, bits), rows in sections:
    if not rows:
        print(f"({B},{Hq},{Hkv},{N}) {bits}-bit: no lines")
        continue
    g0 = min(r[6] for r in rows)
    warps = []
    for split, tile, b, h, sm, nb, gs, gdur, cpro, cp1, clb, cp2 in rows:
        rate = (cpro + cp1 + clb + cp2) / max(gdur, 1)  # cycles per ns
        t0 = (gs - g0) / 1000
        ph = [cpro / rate / 1000, cp1 / rate / 1000, clb / rate / 1000, cp2 / rate / 1000]
        warps.append((t0, ph, nb, rate))
    span = max(t0 + sum(ph) for t0, ph, _, _ in warps)
    print(f"== ({B},{Hq},{Hkv},{N}) {bits}-bit: {len(warps)} items, blocks per item {statistics.median([w[2] for w in warps])}, "
          f"span {span:.1f} us, SM clock {statistics.median([w[3] for w in warps]):.2f} GHz")
    for i, name in enumerate(["prologue", "phase 1 (keys)", "look-back", "phase 2 (values)"]):
        xs = [w[1][i] for w in warps]
        print(f"  {name:17s} median {statistics.median(xs):6.2f} us  p10 {pct(xs, 0.1):6.2f}  p90 {pct(xs, 0.9):6.2f}")
    starts = [w[0] for w in warps]
    print(f"  start            median {statistics.median(starts):6.2f} us  p90 {pct(starts, 0.9):6.2f}  max {max(starts):6.2f}")
    bb = block_bytes(bits)
    print("  t(us)  pro  keys  lb  vals  keys TB/s  vals TB/s  total TB/s")
    ends = sorted(t0 + sum(ph) for t0, ph, _, _ in warps)
    stop = ends[int(0.99 * (len(ends) - 1))]  # the timeline ends when 99 % of the warps have ended
    print(f"  99 % of the warps ended by {stop:.1f} us; the last {len(ends) - int(0.99 * (len(ends) - 1)) - 1} by {span:.1f} us")
    if stop > 1000:  # two waves: the second started behind the first's printf output (run 3), so no timeline
        print("  timeline omitted: this call's clocks are not usable")
        continue
    t = 0.0
    while t < stop + 2:
        n = [0, 0, 0, 0]
        kr = vr = 0.0
        for t0, ph, nb, _ in warps:
            a = t0
            for i in range(4):
                e = a + ph[i]
                ov = max(0.0, min(e, t + 2) - max(a, t))
                if ov > 0:
                    n[i] += ov / 2
                    if i == 1 and ph[1] > 0:
                        kr += nb * bb * ov / ph[1]
                    if i == 3 and ph[3] > 0:
                        vr += nb * bb * ov / ph[3]
                a = e
        # bytes in the bin / 2 us -> TB/s
        print(f"  {t:5.0f} {n[0]:5.0f} {n[1]:5.0f} {n[2]:4.0f} {n[3]:5.0f}  {kr / 2e6:8.2f}  {vr / 2e6:8.2f}  {(kr + vr) / 2e6:8.2f}")
        t += 2
