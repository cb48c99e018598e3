#!/bin/bash
# Session 40 run 10 (H200): t8 (t8.diff): work items of 8 query rows instead of 16 when a KV head has more than 8
# (D = 128, 4- and 2-bit caches), so that each takes the two-quad few-row form (WD_FEW8) rather than the general
# row of 9-16 rows. Timed against the final tree (carry40c.tgz) in one process with 1 (controls), 2, 4 and 16 query
# tokens a call (abn.py's new ABN_NQ), then t8's KV, decode-step and graph tests and decode.py --nq 4 on t8 (t8nq4/). Objects in
# var40e.tgz.
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
tar xzf build/carry40c.tgz && tar xzf build/var40e.tgz
rm -f turboattn/_C*.so # a warm machine keeps the last run's library
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log # 0: the carried objects were used
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
for nq in 1 2 4 16; do
    case $nq in
        1) S="1,32,32,32768;8,32,8,32768" ;;
        2) S="1,32,8,32768;1,64,8,32768;8,64,8,32768" ;;
        4) S="1,32,8,32768;8,32,8,32768;1,32,32,32768" ;;
        16) S="1,32,8,32768;1,32,32,32768" ;;
    esac
    echo "== ABN_NQ=$nq"
    ABN_NQ=$nq ABN_SHAPES="$S" VARS="t8" FORMS=4s,2s ROUNDS=4 LOGS=$OUT timeout 120 bash benchmarks/ab_variants.sh 2>&1
done | tee $OUT/ab.txt
mkdir -p /tmp/v_t8/benchmarks && cp benchmarks/*.py /tmp/v_t8/benchmarks/ && rm -rf /tmp/v_t8/tests && cp -r tests /tmp/v_t8/ &&
    cd /tmp/v_t8 && TURBOATTN_CUDA=1 timeout 150 python3 -m pytest -q -x tests/test_cuda_kv.py tests/test_decode_step.py \
    tests/test_cuda_graphs.py 2>&1 | tail -2 | tee $OUT/tests.txt
timeout 60 python3 benchmarks/decode.py --nq 4 --configs "1,32,8,32768;8,32,8,32768" --out $OUT/t8nq4 2>&1 |
    grep -v -i warn | tail -4
