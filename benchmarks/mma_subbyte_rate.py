"""Is a 4-bit tensor-core product a way to fewer instructions per code on this GPU? Rate of mma.sync with 8-bit
operands (m16n8k32, what the decode kernel issues) against 4-bit operands (m16n8k64, twice the codes a register).

    python benchmarks/mma_subbyte_rate.py --out DIR

Each warp runs ITER rounds of 8 independent mma chains on register operands (no memory traffic); the grid fills
every SM with 8 warps. Reports mma instructions and multiply-adds per SM per clock cycle (the clock read with
clock64 inside the kernel) and the time. The decode kernel spends one 8-bit lane per code, so a 2-bit block costs
it as many mma operands (and masks) as a 4-bit block (NOTES-decode, session 35); 4-bit operands would halve both,
if the hardware runs them at the 8-bit instruction rate. Writes DIR/mma_subbyte_rate.json.
"""
import argparse
import json
import os
import sys

SRC = r"""
extern "C" __global__ void rate(unsigned seed, int iters, unsigned *out, long long *cycles)
{
    unsigned a0 = seed ^ threadIdx.x, a1 = a0 * 3u, a2 = a0 * 5u, a3 = a0 * 7u, b0 = a0 * 11u, b1 = a0 * 13u;
    int acc[8][4];
#pragma unroll
    for (int c = 0; c < 8; c++) acc[c][0] = acc[c][1] = acc[c][2] = acc[c][3] = c;
    long long t0 = clock64();
    for (int it = 0; it < iters; it++) {
#pragma unroll
        for (int c = 0; c < 8; c++)
            asm volatile(MMA " {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                         : "+r"(acc[c][0]), "+r"(acc[c][1]), "+r"(acc[c][2]), "+r"(acc[c][3])
                         : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
    long long t1 = clock64();
    int r = 0;
#pragma unroll
    for (int c = 0; c < 8; c++) r ^= acc[c][0] ^ acc[c][1] ^ acc[c][2] ^ acc[c][3];
    if (r == 0x1234567) out[0] = r;
    if (threadIdx.x == 0) cycles[blockIdx.x] = t1 - t0;
}
"""

FORMS = {  # name: (PTX instruction, multiply-adds per instruction)
    "u8.s8 m16n8k32": ("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32", 16 * 8 * 32),
    "u4.s4 m16n8k64": ("mma.sync.aligned.m16n8k64.row.col.s32.u4.s4.s32", 16 * 8 * 64),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import cupy
    dev = cupy.cuda.Device(0)
    sms = dev.attributes["MultiProcessorCount"]
    res = {"command": " ".join(sys.argv), "sm_count": sms, "forms": {}}
    out = cupy.zeros(1, dtype=cupy.uint32)
    iters, warps = 4096, 8
    for name, (ptx, macs) in FORMS.items():
        try:
            k = cupy.RawKernel(SRC, "rate", options=(f'-DMMA="{ptx}"',))
            cyc = cupy.zeros(sms, dtype=cupy.int64)
            k((sms,), (32 * warps,), (cupy.uint32(1), cupy.int32(iters), out, cyc))  # warm-up, compile
            cupy.cuda.Device().synchronize()
            start, stop = cupy.cuda.Event(), cupy.cuda.Event()
            start.record()
            k((sms,), (32 * warps,), (cupy.uint32(1), cupy.int32(iters), out, cyc))
            stop.record()
            stop.synchronize()
            ms = cupy.cuda.get_elapsed_time(start, stop)
            n_mma = iters * 8 * warps  # per SM
            c = float(cyc.get().mean())
            res["forms"][name] = {"ms": ms, "cycles": c, "mma_per_sm_clk": n_mma / c,
                                  "macs_per_sm_clk": n_mma * macs / c}
        except Exception as exc:  # the form may not exist for this GPU
            res["forms"][name] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        print(name, json.dumps(res["forms"][name]), flush=True)
    with open(os.path.join(args.out, "mma_subbyte_rate.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
