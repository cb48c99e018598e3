"""Session 29: means over the rounds of an abdec.py log (argv[1]) for every label against the label "base", with each
round's difference (labels are the run names without their round number)."""
import re, statistics as st, sys

d, order, kinds = {}, [], []
for line in open(sys.argv[1]).read().splitlines():
    if " us: " not in line:
        continue
    lab, rest = line.split(" us: ")
    kind = lab.strip().rstrip("0123456789")
    if kind not in kinds:
        kinds.append(kind)
    for part in rest.split(" | "):
        shape, vals = part.split(" ", 1)
        for m in re.finditer(r"(\db \w+) ([\d.]+)", vals):
            key = (shape, m.group(1))
            if key not in order:
                order.append(key)
            d.setdefault(key + (kind,), []).append(float(m.group(2)))
for s, f in order:
    b = d[(s, f, "base")]
    line = f"{s:18s} {f:9s} base {st.mean(b):6.1f}"
    for k in kinds:
        if k == "base":
            continue
        n = d[(s, f, k)]
        line += f" | {k} {st.mean(n):6.1f} {100 * (st.mean(n) / st.mean(b) - 1):+5.1f}% (" + \
            ", ".join(f"{x - y:+.1f}" for x, y in zip(n, b)) + ")"
    print(line)
