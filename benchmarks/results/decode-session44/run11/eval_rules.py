"""Session 44 run 11, offline: the plan's blocks per split rule (dec_warp_plan's count, reimplemented) and floors on it,
judged against the forced blocks per split of runs 6, 9, 10 and 11 (33 shapes, with and without 37 residual rows):
for each rule, the mean and worst of (time at the rule's choice) / (best time measured). "floor a/b": the count is at
least a without residual rows and b with them. Usage: python3 eval_rules.py"""
import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
from parse_bps import parse, table
S = __import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), '..') + '/'
data = []  # (D, B, Hq, Hkv, N, plan c none, t, plan c res, t, none{c:t}, res{c:t})
def add(path, Ds):
    for i, e in enumerate(table(parse(path))):
        data.append((Ds(i),) + e)
add(S+'run9/bps64.txt', lambda i: 64)
add(S+'run10/bps.txt', lambda i: 128 if i < 7 else 64)
add(S+'run11/bps.txt', lambda i: 128 if i < 12 else 64)
add(S+'run6/bps.txt', lambda i: 128)
SM = 132
def choose(D, B, Hq, Hkv, N, has_res, rule):
    ratio = Hq // Hkv
    rt = -(-ratio // -(-ratio // 4)) if ratio > 4 else ratio
    tiles = -(-ratio // rt)
    ctas = 4 if D == 64 else 3
    slots = SM * ctas * 4
    nb = N // 64
    ips = tiles * B * Hkv
    cap = 12 * 1024 // (rt * 64 * 4) if D != 64 else 16 * 1024 // (rt*64*4)
    best = None; bps = 1
    for c in range(1, max(cap, 1) + 1):
        items = -(-nb // c) * ips
        waves = -(-items // slots)
        cost = rule(c, waves, items, slots, ips, has_res)
        if best is None or cost <= best:
            best, bps = cost, c
        if c >= nb: break
    return bps
def cur(c, waves, items, slots, ips, has_res):
    res_items = ips if has_res else 0  # approximates res_ok
    return waves * (c + 1) + (2 if has_res and res_items > waves * slots - items else 0)
def floor_rule(m0, m1):
    def r(c, waves, items, slots, ips, has_res):
        return max(cur(c, waves, items, slots, ips, has_res), m1 if has_res else m0)
    return r
rules = {'current': cur}
for m0 in (2, 3):
    for m1 in (4, 5, 6, 7):
        rules[f'floor {m0}/{m1}'] = floor_rule(m0, m1)
for name, rule in rules.items():
    tot = {0: [0, 0, 0], 1: [0, 0, 0]}
    worst = {0: (0, None), 1: (0, None)}
    for D, key, p0, t0, p1, t1, none, r37 in data:
        B, Hq, Hkv, N, bits = key
        for has_res, tab, pc, pt in ((0, none, p0, t0), (1, r37, p1, t1)):
            c = choose(D, B, Hq, Hkv, N, has_res, rule)
            t = tab.get(c, pt if c == pc else None)
            if t is None:
                tot[has_res][2] += 1
                continue
            b = min(list(tab.values()) + [pt])
            tot[has_res][0] += t / b; tot[has_res][1] += 1
            if t / b > worst[has_res][0]: worst[has_res] = (t / b, (D, key[:4], c))
    print(f"{name:12s} none: mean {tot[0][0]/max(tot[0][1],1):.3f} n {tot[0][1]} missing {tot[0][2]} worst {worst[0][0]:.3f} {worst[0][1]} | res: mean {tot[1][0]/max(tot[1][1],1):.3f} n {tot[1][1]} missing {tot[1][2]} worst {worst[1][0]:.3f} {worst[1][1]}")
print("reproduction of the current plan:")
bad = 0
for D, key, p0, t0, p1, t1, none, r37 in data:
    B, Hq, Hkv, N, bits = key
    c0 = choose(D, B, Hq, Hkv, N, 0, cur); c1 = choose(D, B, Hq, Hkv, N, 1, cur)
    if (c0, c1) != (p0, p1):
        bad += 1; print("  mismatch", D, key[:4], (c0, c1), (p0, p1))
print("mismatches", bad, "of", len(data))
