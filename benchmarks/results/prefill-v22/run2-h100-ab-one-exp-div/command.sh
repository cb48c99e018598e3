#!/bin/bash
# session 25 run 2 (H100): the tree with run 1's SIGN + DEFER as the only paired SAS form (row 0), and two per-row cuts, A/B
# as rows of one build.
# - Rows (D = 128): 0 = the new default (w = T - nt, sign-mask sparsity, deferred rescale), 9 = ONE_EXP (one paired
#   SAS EXP2 a thread for alpha and p_max: one of them is 1), 10 = ONE_DIV (one division sequence a quad instead of
#   two divergent ones), 11 = both. D = 64: 0, 6, 7, 8 alike.
# - SASS: instruction counts of each kind's kernel (cuobjdump).
# - Checks: the whole GPU suite with the A/B rows added to its row tables (sed on this copy only).
# - Timings: prefill-v15/ab.py in alternating processes (exact: the same kernel in every row, the control).
set -uo pipefail
cd "$(dirname "$0")/../../../.."
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
t0=$(date +%s)
R=$OUT/r; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > $R/build.log 2>&1; echo "build rc=$? ($(( $(date +%s) - t0 )) s)"
cuobjdump -sass build/temp.linux-x86_64-cpython-312/cuda/attn_prefill.o > $R/sass.txt 2>&1
python3 - $R/sass.txt <<'PY' | tee $R/sass_counts.txt
import re, sys, collections
name, arch, counts = None, "", {}
for line in open(sys.argv[1]):
    a = re.search(r"arch = (\S+)", line)
    if a:
        arch = a.group(1); name = None; continue
    m = re.search(r"Function : (\S+)", line)
    if m and arch == "sm_90a":
        name = m.group(1); counts[name] = collections.Counter(); continue
    o = re.match(r"\s+/\*[0-9a-f]{4,}\*/\s+(@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)", line)
    if name and o:
        counts[name][o.group(2)] += 1
for k, c in counts.items():
    m = re.match(r"_Z14prefill_kernelILi(\d+)ELi4ELi(\d)ELi(\d)ELi(\d)ELi2ELi1ELi1E", k)
    if m and m.group(2) == "4":
        print(f"D={m.group(1)} kind={m.group(4)}: {sum(c.values())} instructions; " +
              " ".join(f"{o}={c[o]}" for o in ("FSETP", "FSEL", "PRMT", "LOP3", "FADD", "FMUL", "MUFU", "IMAD", "HFMA2")))
PY
sed -i 's/^PREFILL_VARIANTS = .*/PREFILL_VARIANTS = {64: 9, 128: 12, 256: 2}/; s/^WGMMA_VARIANTS = .*/WGMMA_VARIANTS = {64: (0, 5, 6, 7, 8), 128: (0, 1, 2, 3, 9, 10, 11)}/; s/^EDGE_ROWS = .*/EDGE_ROWS = {64: (0, 1, 5, 6, 7, 8), 128: (0, 1, 2, 3, 4, 9, 10, 11)}/' tests/test_cuda_parity.py
grep -E "^(PREFILL_VARIANTS|WGMMA_VARIANTS|EDGE_ROWS)" tests/test_cuda_parity.py
timeout 300 python3 -m pytest -q -p no:cacheprovider tests --ignore=tests/test_notebooks.py > $R/pytest_gpu.log 2>&1
rc=$?; echo "GPU suite rc=$rc: $(tail -1 $R/pytest_gpu.log) ($(( $(date +%s) - t0 )) s)"; grep -E "^(FAILED|ERROR)|^E  " $R/pytest_gpu.log | head -20
git checkout tests/test_cuda_parity.py 2>/dev/null
if [ $rc -eq 0 ]; then
export AB_CASES=128:4096:1,128:4096:0,128:16384:0
for i in 1 2 3; do
  for v in 0 9 10 11; do TURBOATTN_PREFILL_VARIANT=$v python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $R/ab.txt
export AB_CASES=64:4096:0,64:4096:1
for i in 1 2; do
  for v in 0 6 7 8; do TURBOATTN_PREFILL_VARIANT=$v python3 benchmarks/results/prefill-v15/ab.py r$i 2>&1 | grep -v warn; done
done | tee $R/ab64.txt
echo "ab done ($(( $(date +%s) - t0 )) s)"
fi
gzip -9 $R/sass.txt
tar czf $OUT/run.tgz -C $OUT r
