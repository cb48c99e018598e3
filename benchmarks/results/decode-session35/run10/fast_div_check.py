"""Session 35, run 10 (not kept): exhaustive check, on the GPU, of the two divisions of the decode softmax step done
without a division (dec_div255 and dec_255_div of dv.diff, in attn_decode_common.cuh): against CUDA's IEEE division,
bit for bit,

- x / 255 for every float x in (0, 1] (the step's P scale ps = p_max / 255; p_max = EXP2 of a value <= 0);
- 255 / x for every float x in [2^-24, 1] (the step's inverse scale under SAS, whose p_max is a float16 value:
  the smallest positive one is 2^-24), which covers every float16 value in (0, 1].

    python benchmarks/results/decode-session35/run10/fast_div_check.py HEADER   (a header with dv.diff applied)

Prints the number of inputs where the fast form differs (0 is the pass) and exits 1 otherwise. The forms are copied
here from the header at run time, so the check runs the code the kernels compile.
"""
import re
import sys

HEADER = "_diag/src_dv/csrc/attn_decode_common.cuh"  # where run 10 had dv.diff applied

KERNEL = r"""
FORMS
extern "C" __global__ void check(unsigned lo, unsigned hi, int which, unsigned long long *bad, unsigned *first)
{
    for (unsigned long long b = lo + blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; b <= hi;
         b += (unsigned long long)gridDim.x * blockDim.x) {
        const float x = __uint_as_float((unsigned)b);
        const float want = which == 0 ? x / 255.0f : 255.0f / x;
        const float got = which == 0 ? dec_div255(x) : dec_255_div(x);
        if (__float_as_uint(want) != __float_as_uint(got)) {
            atomicAdd(bad, 1ull);
            atomicMin(first, (unsigned)b);
        }
    }
}
"""


def forms(header):
    """The two helpers' definitions, cut out of the header (each from its `__device__` line to its closing brace)."""
    text = open(header).read()
    out = []
    for name in ("dec_div255", "dec_255_div"):
        m = re.search(r"__device__ __forceinline__ float " + name + r"\(float x\)\n\{.*?\n\}", text, re.S)
        if not m:
            sys.exit(f"{name} not found in {header}")
        out.append(m.group(0))
    return "\n".join(out)


def main():
    import cupy
    src = KERNEL.replace("FORMS", forms(sys.argv[1] if len(sys.argv) > 1 else HEADER))
    k = cupy.RawKernel(src, "check")
    ok = True
    for which, lo, hi, what in ((0, 1, 0x3F800000, "x / 255, x in (0, 1]"),
                                (1, 0x33800000, 0x3F800000, "255 / x, x in [2^-24, 1]")):
        bad = cupy.zeros(1, dtype=cupy.uint64)
        first = cupy.full(1, 0xFFFFFFFF, dtype=cupy.uint32)
        k((1024,), (256,), (cupy.uint32(lo), cupy.uint32(hi), cupy.int32(which), bad, first))
        n = int(bad.get()[0])
        print(f"{what}: {hi - lo + 1} inputs, {n} differ" + (f" (first 0x{int(first.get()[0]):08x})" if n else ""))
        ok &= n == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
