#!/bin/bash
# session 24 run 1 (H100): two forms of the paired SAS codes in the four-CTA wgmma row, A/B in one build, and
# prefill.py's two timing methods on the same machine.
# - Rows (D = 128): 0 = the default (FORM 0), 9 = NT_FMA (nt = m_new - S in one FMA a score), 10 = INV_POW2
#   (sas_code_pair, 2^-n on inv's exponent), 11 = both. D = 64: 0 = default, 6 = both.
# - SASS: instructions of each FORM's SAS kernel (cuobjdump), to check the cut before the timings.
# - Checks: the CUDA parity file (every row against the CPU).
# - Timings: prefill-v15/ab.py in alternating processes, three rounds.
# - prefill.py at D = 128, the record method and --settled 300, twice each, alternating.
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $OUT/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"; grep -c "up to date" $OUT/build.log
cuobjdump -sass build/temp.linux-x86_64-cpython-312/cuda/attn_prefill.o > $OUT/sass.txt 2>&1
python3 - $OUT/sass.txt <<'PY' | tee $OUT/sass_counts.txt
import re, sys
name, arch, counts = None, "", {}
for line in open(sys.argv[1]):
    a = re.search(r"arch = (\S+)", line)
    if a:
        arch = a.group(1); name = None; continue
    m = re.search(r"Function : (\S+)", line)
    if m and arch == "sm_90a":
        name = m.group(1); counts[name] = 0; continue
    if name and re.match(r"\s+/\*[0-9a-f]{4}\*/\s+\S", line):
        counts[name] += 1
for k, v in counts.items():
    m = re.match(r"_Z14prefill_kernelILi(\d+)ELi4ELi(\d)ELi(\d)ELi(\d)ELi2ELi1ELi1ELi(\d)E", k)
    if m and m.group(4) in "02":
        print(f"D={m.group(1)} minb={m.group(2)} stages={m.group(3)} exp2={m.group(4)} form={m.group(5)}: {v} instructions")
PY
timeout 240 python3 -m pytest -q -x -p no:cacheprovider tests/test_cuda_parity.py > $OUT/pytest_parity.log 2>&1
rc=$?; echo "parity rc=$rc: $(tail -1 $OUT/pytest_parity.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $OUT/pytest_parity.log | head -20
[ $rc -eq 0 ] || exit 1
export AB_CASES=128:4096:1,128:4096:0,128:16384:0
for i in 1 2 3; do
  for v in 0 9 10 11; do TURBOATTN_PREFILL_VARIANT=$v python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab.txt
export AB_CASES=64:4096:0,64:4096:1
for i in 1 2; do
  for v in 0 6; do TURBOATTN_PREFILL_VARIANT=$v python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $OUT/ab64.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
for i in 1 2; do
  python3 benchmarks/prefill.py --dims 128 --no-ceilings --out $OUT/record$i 2>&1 | grep "^N="
  python3 benchmarks/prefill.py --dims 128 --no-ceilings --settled 300 --out $OUT/settled$i 2>&1 | grep "^N="
  echo "prefill round $i done ($(( $(date +%s) - t0 )) s)"
done
for f in record1 settled1 record2 settled2; do echo "== $f"; grep "^| [0-9]" $OUT/$f/prefill.md; done
