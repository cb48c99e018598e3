#!/bin/bash
# session 6 run 6: the whole GPU suite on commit 5dc8373 plus the BNHD case of the non-finite-q test
rm -rf build turboattn/_C*.so && OUT=$OUT STAGES="test" bash benchmarks/gpu_check.sh
# result: 611 passed, 2 skipped (two-GPU tests), H100
