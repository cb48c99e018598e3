"""How many instructions a 64-token block may cost before a per-warp pipeline stops hiding them under its bytes.

    python benchmarks/decode_budget.py --out DIR

A synthetic stand-in for the warp decode kernel's shape (no decoding): each warp streams its own contiguous run of
blocks through a shared-memory stage with cp.async (16-byte chunks, every lane), STAGES blocks in flight, and after
each block's wait spends K warp-instructions on it: four independent IMAD chains over the words it read from
the stage (the FMA pipe's integer half rate), or two FFMA and two LOP3 chains (two pipes, one instruction a cycle).
The grid is the kernel's: CTAS CTAs of four warps on each SM, one wave. Sweeping K at the byte counts of a
4-bit and a 2-bit cache gives the GPU time against instructions per block. The "budget" is the largest K whose time
stays within 10 % of K = 0. Compare it with the decode kernel's measured instructions per block (ncu, NOTES-decode).

Times are the GPU's per call, 30 calls back to back between two CUDA events (median of 5). Writes
DIR/decode_budget.json and DIR/decode_budget.md.
"""
import argparse
import json
import os
import sys

import torch

from timing import back_to_back_ms

# One half block (the key or the value half of a 64-token block of one head, D = 128) in bytes, with its metadata,
# rounded to whole 512-byte rows of the warp's 16-byte chunks; and the cache's total bytes at (1,32,32,32k).
HALF_BYTES = {4: 4352, 2: 2304}
TOTAL_BYTES = {4: 142737952, 2: 75629088}
# (MIX, STAGES, CTAs per SM): the IMAD stream in the decode kernel's grid (12 warps an SM) with 2 and 3 stages and at
# 16 warps; the mixed stream at the kernel's grid
FORMS = [(0, 2, 3), (0, 2, 4), (0, 3, 3), (0, 3, 4), (1, 2, 3), (1, 3, 3)]

SRC = r"""
extern "C" __global__ void pipe(const unsigned char *__restrict__ src, long long halves, unsigned *out)
{
    extern __shared__ __align__(16) unsigned char smem[];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const long long warps = (long long)gridDim.x * (blockDim.x >> 5), w = blockIdx.x * (long long)(blockDim.x >> 5) + warp;
    const long long lo = halves * w / warps, hi = halves * (w + 1) / warps; /* the warp's run of blocks */
    unsigned char *stage = smem + (size_t)warp * STAGES * BLK;
    constexpr int CH = BLK / 16 / 32; /* 16-byte chunks a lane per block */
    auto issue = [&](long long j) {
        const unsigned char *g = src + j * BLK;
        unsigned char *s = stage + (j % STAGES) * BLK;
#pragma unroll
        for (int c = 0; c < CH; c++) {
            const int off = 16 * (lane + 32 * c);
            unsigned sa = (unsigned)__cvta_generic_to_shared(s + off);
            asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(sa), "l"(g + off));
        }
        asm volatile("cp.async.commit_group;");
    };
    for (int p = 0; p < STAGES - 1; p++) {
        if (lo + p < hi) issue(lo + p);
        else asm volatile("cp.async.commit_group;");
    }
    unsigned a0 = lane, a1 = lane + 1, a2 = lane + 2, a3 = lane + 3;
    float f0 = 1.0f + lane, f1 = 2.0f;
    for (long long j = lo; j < hi; j++) {
        asm volatile("cp.async.wait_group %0;" ::"n"(STAGES - 2));
        __syncwarp();
        const uint4 *s = (const uint4 *)(stage + (j % STAGES) * BLK);
        uint4 v = s[lane];
#pragma unroll
        for (int c = 1; c < CH; c++) {
            uint4 u = s[lane + 32 * c];
            v.x ^= u.x, v.y ^= u.y, v.z ^= u.z, v.w ^= u.w;
        }
        __syncwarp(); /* the slot is read: it may be refilled */
        if (j + STAGES - 1 < hi) issue(j + STAGES - 1);
        else asm volatile("cp.async.commit_group;");
#if MIX /* two FFMA chains (FMA pipe) and two LOP3 chains (ALU pipe): K instructions that can issue every cycle */
        const float fx = __uint_as_float((v.x & 0x007fffffu) | 0x3f000000u), fy = __uint_as_float(v.y & 0x3fffffffu);
#pragma unroll 4
        for (int k = 0; k < K / 4; k++) {
            f0 = fmaf(f0, fx, fy), f1 = fmaf(f1, fx, fy);
            a2 = (a2 ^ v.z) & k, a3 = (a3 ^ v.w) | k; /* one LOP3 each */
        }
#else /* four IMAD chains: K instructions on the FMA pipe's integer half rate */
#pragma unroll 4
        for (int k = 0; k < K / 4; k++) {
            a0 = a0 * v.x + k, a1 = a1 * v.y + k, a2 = a2 * v.z + k, a3 = a3 * v.w + k;
        }
#endif
        a0 ^= v.x;
    }
    const unsigned r = a0 ^ a1 ^ a2 ^ a3 ^ __float_as_uint(f0) ^ __float_as_uint(f1);
    if (r == 0x9e3779b9u) out[blockIdx.x] = r;
}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import cupy
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    ks = [0, 128, 256, 384, 512, 640, 768, 1024]
    res = {"device": props.name, "command": " ".join(sys.argv), "rows": []}
    out = cupy.zeros(sms * 8, dtype=cupy.uint32)
    for bits in (4, 2):
        blk = HALF_BYTES[bits]
        halves = TOTAL_BYTES[bits] // blk
        buf = cupy.random.randint(0, 2**31 - 1, halves * blk // 4, dtype=cupy.int32).view(cupy.uint8)
        for mix, stages, ctas in FORMS:
                smem = 4 * stages * blk
                for k in ks:
                    kern = cupy.RawKernel(SRC, "pipe", options=(f"-DSTAGES={stages}", f"-DBLK={blk}", f"-DK={k}",
                                                                  f"-DMIX={mix}", "-std=c++17"))
                    kern.max_dynamic_shared_size_bytes = smem
                    grid = sms * ctas

                    def fn():
                        kern((grid,), (128,), (buf, cupy.int64(halves), out), shared_mem=smem)
                    ms = back_to_back_ms(fn)
                    row = {"bits": bits, "mix": mix, "stages": stages, "warps_per_sm": 4 * ctas, "k_per_half": k,
                           "k_per_block": 2 * k, "gpu_us": ms * 1e3,
                           "TBps": halves * blk / (ms * 1e-3) / 1e12}
                    res["rows"].append(row)
                    print(json.dumps(row), flush=True)
        del buf
        cupy.get_default_memory_pool().free_all_blocks()
    with open(os.path.join(args.out, "decode_budget.json"), "w") as f:
        json.dump(res, f, indent=1)
    lines = [f"# Instructions a block may cost under its bytes, {res['device']}", "",
             f"Command: `{res['command']}`. GPU us per call (30 back to back) of a stream of (1,32,32,32k)'s cache "
             "bytes through per-warp cp.async stages, K warp-instructions a 64-token block (two halves).", "",
             "| bits | stream | stages | warps/SM | " + " | ".join(f"K={2 * k}" for k in ks) +
             " | budget (<= +10 %) |", "|---|---|---|---|" + "---|" * len(ks) + "---|"]
    for bits in (4, 2):
        for mix, stages, ctas in FORMS:
            rows = [r for r in res["rows"] if r["bits"] == bits and r["mix"] == mix and r["stages"] == stages and
                    r["warps_per_sm"] == 4 * ctas]
            base = rows[0]["gpu_us"]
            # the largest K before the first one past +10 %
            budget = 0
            for r in rows:
                if r["gpu_us"] > 1.1 * base:
                    break
                budget = r["k_per_block"]
            lines.append(f"| {bits} | {'FFMA+LOP3' if mix else 'IMAD'} | {stages} | {4 * ctas} | " +
                         " | ".join(f"{r['gpu_us']:.1f}" for r in rows) + f" | {budget} |")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "decode_budget.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
