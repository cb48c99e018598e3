#!/bin/bash
# session 20 run 15 (H100): SM clock and power in blocks and in turns (clocks.py), with nvidia-smi sampling every
# 20 ms. Tree 900314c (objects carried).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1; echo "build rc=$?"
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu --format=csv,noheader -lms 20 > $OUT/smi.csv 2>&1 &
smi=$!
python3 benchmarks/results/prefill-v17/run15-h100-clocks/clocks.py 2>&1 | grep -v -i warn | tee $OUT/phases.txt
kill $smi
python3 - "$OUT" <<'PY'
import sys, datetime, statistics
out = sys.argv[1]
rows = []
for line in open(f"{out}/smi.csv"):
    p = [x.strip() for x in line.split(",")]
    try:
        t = datetime.datetime.strptime(p[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
        rows.append((t, float(p[1].split()[0]), float(p[2].split()[0]), float(p[3])))
    except (ValueError, IndexError):
        pass
for line in open(f"{out}/phases.txt"):
    if not line.startswith("phase"):
        continue
    _, name, t0, t1, *rest = line.split()
    sel = [r for r in rows if float(t0) <= r[0] <= float(t1)]
    if sel:
        print(f"{name:12s} samples {len(sel):4d}  SM clock median {statistics.median(r[1] for r in sel):6.0f} MHz  "
              f"power median {statistics.median(r[2] for r in sel):5.0f} W  temp {statistics.median(r[3] for r in sel):.0f} C  | {' '.join(rest)}")
PY
