"""Reads resplan.py's output (session 42 run 4) into the plan's choices and the times at each forced blocks per split."""
import re
def parse(path, D=128):
    """[(shape, plans, times)] in file order; a shape seen again (another head dim's invocation) starts a new entry."""
    out = []
    cur = None
    for line in open(path):
        m = re.match(r"\((\d+),(\d+),(\d+),(\d+)\) (\d)-bit (no residual|37 residual): plan (\{.*\})", line)
        if m:
            key = tuple(int(x) for x in m.groups()[:4]) + (int(m.group(5)),)
            if m.group(6) == "no residual":
                cur = {"key": key, "plans": {}, "t": None}
                out.append(cur)
            cur["plans"][m.group(6)] = eval(m.group(7))
            continue
        if " us: " not in line: continue
        tag, rest = line.split(" us: ")
        d = {}
        for p in rest.split("|"):
            p = p.strip(); name, val = p.rsplit(" ", 1); d[name] = float(val)
        cur["t"] = d
    return out
def table(out):
    res = []
    for e in out:
        d = e["t"]
        none = {int(k.split()[-1]): v for k, v in d.items() if k.startswith('none bps')}
        r37 = {int(k.split()[-1]): v for k, v in d.items() if k.startswith('37 bps')}
        res.append((e["key"], e["plans"]["no residual"]["blocks_per_split"], d["none, plan"], e["plans"]["37 residual"]["blocks_per_split"], d["37, plan"], none, r37))
    return res
