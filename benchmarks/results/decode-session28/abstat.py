"""Session 28: means of the base/new rounds of an abdec.py log (argv[1]), with each round's difference."""
import re, statistics as st, sys

d, order = {}, []
for line in open(sys.argv[1]).read().splitlines():
    lab, rest = line.split(" us: ")
    kind = lab.strip().rstrip("0123456789")
    for part in rest.split(" | "):
        shape, vals = part.split(" ", 1)
        for m in re.finditer(r"(\db \w+) ([\d.]+)", vals):
            key = (shape, m.group(1))
            if key not in order:
                order.append(key)
            d.setdefault(key + (kind,), []).append(float(m.group(2)))
for s, f in order:
    b, n = d[(s, f, "base")], d[(s, f, "new")]
    print(f"{s:18s} {f:9s} base {st.mean(b):6.1f} new {st.mean(n):6.1f} {100 * (st.mean(n) / st.mean(b) - 1):+5.1f}%  "
          "rounds new-base: " + ", ".join(f"{x - y:+.1f}" for x, y in zip(n, b)))
