#!/bin/bash
# Session 47 run 7 (H200): runs 5-6 had D = 64's few-row shapes 8-10 % above the session 40 record, in another
# process. Same machine, device calls in turn: the tree before this session (38b4936: its setup.py, csrc, turboattn
# and decode.py copied to oldtree/, not committed; build/carry47old.tgz its objects) and the final tree
# (carry47d.tgz), each in two processes, at the record's shapes, warm (the record's way).
#   bash command.sh old | new
cd "$(dirname "$0")/../../../.."
set -uo pipefail
export PYTHONUNBUFFERED=1
if [ "$1" = old ]; then
    cd oldtree && tar xzf ../build/carry47old.tgz
else
    tar xzf build/carry47d.tgz
fi
rm -f turboattn/_C*.so
TURBOATTN_CUDA=1 python3 setup.py -q build_ext --inplace > /tmp/build.log 2>&1 || { echo build failed; tail /tmp/build.log; }
grep -c "nvcc -c" /tmp/build.log
for p in 1 2; do
    mkdir -p $OUT/$1-$p
    timeout 120 python3 benchmarks/decode.py --d 64 --warm --out $OUT/$1-$p 2>&1 | grep -v -i warn | grep "^| [0-9]" | cut -d'|' -f1-6,9-11
done
