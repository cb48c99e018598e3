/* What the CUDA stages share: error checking that turns a CUDA failure into a ta_status with the
 * runtime's text, the inline PTX wrappers (cp.async, ldmatrix, INT8 mma.sync) and the bit tricks that
 * keep integer <-> float conversions off the slow conversion pipe. Device code only; the launchers'
 * C declarations live in each stage's .cuh. */
#ifndef TA_CUDA_COMMON_CUH
#define TA_CUDA_COMMON_CUH

#include <cuda_runtime.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "cuda_capture.h"
#include "ta_consts.h"
#include "ta_status.h"

/* Every runtime call and every launch goes through one of these: the first failure is recorded with its
 * site and CUDA's own text. TA_CUDA_TRY then returns TA_ERR_CUDA from the launcher (RuntimeError in Python);
 * TA_CUDA_CHECK gives TA_OK or TA_ERR_CUDA, for a launcher with cleanup to do after a failure. (TRY names the
 * call itself, so the message shows the call as written, before its macros expand.) A failed call also stays
 * the thread's "last error", which the next call's launch check (cudaGetLastError) would report as its own:
 * it is cleared here (a sticky error, a faulted context, is reported by every later call anyway). */
static inline int ta_cuda_check_(cudaError_t err, const char *what, const char *file, int line)
{
    if (err == cudaSuccess) return TA_OK;
    cudaGetLastError();
    if (ta_is_capture_error(err))
        ta_set_error("%s (CUDA error in %s (%s:%d): %s)", TA_CAPTURE_WHY, what, file, line, cudaGetErrorString(err));
    else
        ta_set_error("CUDA error in %s (%s:%d): %s", what, file, line, cudaGetErrorString(err));
    return TA_ERR_CUDA;
}

/* At a call's entry: a failure left as the last error (by a path that did not report it through the two
 * functions above) is not this call's. The runtime is linked statically, so the last error is turboattn's own. */
static inline void ta_cuda_clear_stale_error(void) { cudaGetLastError(); }
#define TA_CUDA_CHECK(call) ta_cuda_check_((call), #call, __FILE__, __LINE__)
#define TA_CUDA_TRY(call)                                                                                  \
    do {                                                                                                   \
        if (ta_cuda_check_((call), #call, __FILE__, __LINE__) != TA_OK) return TA_ERR_CUDA;                \
    } while (0)

/* Per-device state (scratch, flags, raised shared-memory limits) is kept for this many GPUs. */
#define TA_MAX_DEVICES 64

/* Makes device_id current for the calls that follow and gives the caller's device back in ta_device_leave,
 * so that data on cuda:1 works whatever device the program has current, and turboattn never changes it. */
static inline int ta_device_enter(int device_id, int *prev)
{
    if (device_id < 0 || device_id >= TA_MAX_DEVICES) {
        ta_set_error("CUDA device %d is beyond the %d this build supports", device_id, TA_MAX_DEVICES);
        return TA_ERR_INVALID;
    }
    ta_cuda_clear_stale_error();
    TA_CUDA_TRY(cudaGetDevice(prev));
    if (*prev != device_id) TA_CUDA_TRY(cudaSetDevice(device_id));
    return TA_OK;
}

static inline void ta_device_leave(int device_id, int prev)
{
    if (prev != device_id) cudaSetDevice(prev);
}

/* int32 <-> float through the float's mantissa. For |x| < 2^22 the float 1.5 * 2^23 + x has ulp 1, so
 * its bit pattern is TA_MAGIC_BITS + x exactly: an integer add (or an mma accumulator initialised to
 * TA_MAGIC_BITS) plus one FADD replaces I2F, which runs at 1/8 of the FP32 rate on sm_80/sm_90. The same
 * float rounds a value in [0, 2^22) to the nearest integer, ties to even, like rintf. */
#define TA_MAGIC_F 12582912.0f
#define TA_MAGIC_BITS 0x4B400000

__device__ __forceinline__ float ta_magic_to_float(int32_t biased) { return __int_as_float(biased) - TA_MAGIC_F; }

/* ---- asynchronous global -> shared copies ---------------------------------------------------------- */

__device__ __forceinline__ uint32_t ta_smem_addr(const void *p) { return (uint32_t)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void ta_cp_async16(void *smem, const void *gmem)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(ta_smem_addr(smem)), "l"(gmem));
}
__device__ __forceinline__ void ta_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void ta_cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

/* ---- mbarriers and bulk copies (producer/consumer pipelines without CTA-wide barriers) -----------------
 * A stage's "full" barrier completes when its bytes have landed, its "empty" barrier when every consumer
 * warp is done with it. Waiting on parity P returns once the phase with that parity has completed. On
 * sm_90 one thread fills a stage with cp.async.bulk and the transaction count; on sm_80 the 32 lanes of
 * the producer warp use cp.async and arrive when their copies land (so "full" counts 32 arrivals there). */

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define TA_BULK_COPY 1
#define TA_FULL_ARRIVALS 1
#else
#define TA_BULK_COPY 0
#define TA_FULL_ARRIVALS 32
#endif

__device__ __forceinline__ void ta_mbar_init(uint64_t *bar, int count)
{
    asm volatile("mbarrier.init.shared.b64 [%0], %1;\n" ::"r"(ta_smem_addr(bar)), "r"(count) : "memory");
}

/* Makes the initialised barriers visible to the bulk-copy unit; a __syncthreads() follows. */
__device__ __forceinline__ void ta_mbar_init_fence()
{
#if TA_BULK_COPY
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
}

__device__ __forceinline__ void ta_mbar_arrive(uint64_t *bar)
{
    asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.shared.b64 state, [%0];\n}\n" ::"r"(ta_smem_addr(bar)) : "memory");
}

__device__ __forceinline__ void ta_mbar_wait(uint64_t *bar, uint32_t parity)
{
    uint32_t done = 0, addr = ta_smem_addr(bar);
    do {
#if TA_BULK_COPY
        asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done) : "r"(addr), "r"(parity) : "memory");
#else
        asm volatile("{\n.reg .pred p;\nmbarrier.test_wait.parity.shared.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done) : "r"(addr), "r"(parity) : "memory");
#endif
    } while (!done);
}

/* Copies `bytes` (a multiple of 16, both addresses 16-byte aligned) from global to shared memory and
 * counts them against `bar`, whose phase then needs ta_mbar_expect first (sm_90 only). */
__device__ __forceinline__ void ta_mbar_expect(uint64_t *bar, uint32_t bytes)
{
#if TA_BULK_COPY
    asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.expect_tx.shared::cta.b64 state, [%0], %1;\n}\n" ::"r"(
                     ta_smem_addr(bar)), "r"(bytes) : "memory");
#endif
}
__device__ __forceinline__ void ta_bulk_copy(void *smem, const void *gmem, uint32_t bytes, uint64_t *bar)
{
#if TA_BULK_COPY
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(
                     ta_smem_addr(smem)), "l"(gmem), "r"(bytes), "r"(ta_smem_addr(bar)) : "memory");
#endif
}

/* sm_80: one arrival on `bar` once every cp.async this thread issued so far has landed. */
__device__ __forceinline__ void ta_cp_async_arrive(uint64_t *bar)
{
    asm volatile("cp.async.mbarrier.arrive.noinc.shared.b64 [%0];\n" ::"r"(ta_smem_addr(bar)) : "memory");
}

/* ---- tensor-core fragments ---------------------------------------------------------------------------- */

/* Four 8x16-byte matrices; lane l gives the row address of matrix l/8, row l%8, and receives word l%4 of
 * row l/4 of each matrix: for 8-bit data that is exactly the m16n8k32 A/B fragment layout. */
__device__ __forceinline__ void ta_ldmatrix_x4(uint32_t r[4], uint32_t addr)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}

/* D = A(16x32 s8, row) * B(32x8 s8, col) + C, int32. */
__device__ __forceinline__ void ta_mma_s8s8(int32_t c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* D = A * B + c (c in every element): starts a chain from the magic without a move per accumulator. */
__device__ __forceinline__ void ta_mma_s8s8_from(int32_t d[4], const uint32_t a[4], uint32_t b0, uint32_t b1, int32_t c)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%10,%10,%10,%10};\n"
                 : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "r"(c));
}

__device__ __forceinline__ void ta_mma_u8s8_from(int32_t d[4], const uint32_t a[4], uint32_t b0, uint32_t b1, int32_t c)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%10,%10,%10,%10};\n"
                 : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "r"(c));
}

/* D = A(16x32 u8, row) * B(32x8 s8, col) + C, int32: P codes times V codes. */
__device__ __forceinline__ void ta_mma_u8s8(int32_t c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* The decode products on rebuilt cache codes (INT8 + 128, unsigned): q codes (s8) times keys, P codes (u8)
 * times values (D = A * B + C, int32). */
#define TA_MMA_8BIT(name, at, bt)                                                                          \
    __device__ __forceinline__ void name(int32_t c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)      \
    {                                                                                                      \
        asm volatile("mma.sync.aligned.m16n8k32.row.col.s32." at "." bt ".s32 {%0,%1,%2,%3}, "            \
                     "{%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"                                            \
                     : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])                                      \
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));                      \
    }
TA_MMA_8BIT(ta_mma_s8u8, "s8", "u8")
TA_MMA_8BIT(ta_mma_u8u8, "u8", "u8")

/* ---- SPEC section 1 on the GPU, one block ---------------------------------------------------------------
 * 127 / amax and amax / 127 as C rounds them (no contraction, no fast division), and a code as nearbyintf(x * inv)
 * clamped to +-127. A block whose amax is below FLT_MIN (127 / amax would overflow) is all zero with scale 0, as
 * the CPU stores it: ta_s1_inv gives 0 there, so every code is 0. */
__device__ __forceinline__ bool ta_s1_zero(float amax) { return !(amax >= FLT_MIN); }
__device__ __forceinline__ float ta_s1_inv(float amax) { return ta_s1_zero(amax) ? 0.0f : __fdiv_rn((float)TA_INT8_MAX, amax); }
__device__ __forceinline__ float ta_s1_scale(float amax) { return ta_s1_zero(amax) ? 0.0f : __fdiv_rn(amax, (float)TA_INT8_MAX); }
__device__ __forceinline__ int ta_s1_code(float x, float inv)
{
    return min(TA_INT8_MAX, max(-TA_INT8_MAX, __float2int_rn(__fmul_rn(x, inv))));
}

/* ---- programmatic dependent launch (sm_90; no-ops elsewhere) ------------------------------------------
 * A grid that calls ta_pdl_trigger lets the next kernel of the stream, launched with programmatic stream
 * serialization, start before it finishes; that kernel's ta_pdl_wait returns once this grid has finished and its
 * memory is visible. A kernel not launched that way returns from ta_pdl_wait at once. */
__device__ __forceinline__ void ta_pdl_trigger(void)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ void ta_pdl_wait(void)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

/* Host side: waits until a kernel writes `value` into the mapped host word `word`, spinning on it, which answers
 * within microseconds of the write where an event or a blocking copy costs a synchronisation. `way_out`, an event
 * recorded after that kernel, ends the wait when the kernel never writes: its error, or cudaErrorUnknown when it
 * ended without writing. After cudaSuccess the kernel's earlier writes to mapped memory are visible too (it
 * writes them, fences, then writes `word`). Decode's q check and append()'s tokens use it. */
static inline cudaError_t ta_wait_mapped_word(const volatile unsigned *word, unsigned value, cudaEvent_t way_out)
{
    for (unsigned spin = 1;; spin++) {
        if (*word == value) break;
        if (spin % 256 != 0) continue;
        const cudaError_t err = cudaEventQuery(way_out);
        if (err == cudaErrorNotReady) continue;
        if (err != cudaSuccess) return err;
        if (*word == value) break;
        return cudaErrorUnknown;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return cudaSuccess;
}

/* A launch on the legacy default stream, as a programmatic dependent launch behind the kernel before it when pdl
 * (sm_90; the caller checks). attr must live until cudaLaunchKernelEx has returned. */
static inline cudaLaunchConfig_t ta_launch_config(dim3 grid, dim3 block, size_t smem, int pdl, cudaLaunchAttribute *attr)
{
    cudaLaunchConfig_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.gridDim = grid, cfg.blockDim = block, cfg.dynamicSmemBytes = smem, cfg.stream = cudaStreamLegacy;
    memset(attr, 0, sizeof *attr);
    attr->id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr->val.programmaticStreamSerializationAllowed = 1;
    cfg.attrs = attr;
    cfg.numAttrs = pdl ? 1 : 0;
    return cfg;
}

/* 2^t for softmax="exact" on the SFU (prefill and decode kernels): ex2.approx.ftz, within 2 ulp as CUDA's exp2f.
 * exp2f wraps the same MUFU in a rescale for results below 2^-126 (an FSETP and two FMULs: four instructions a
 * score instead of one; with exp2_code, 8-16 % of the prefill kernels' time on an H100, NOTES-prefill v12). C
 * keeps exp2f; outputs agree within SPEC section 6's 2e-3 (docs/DESIGN.md). Flushing those results to 0
 * changes nothing a p8 code or a row sum can show: a P~ below 2^-126 gives a nonzero code only in a block whose
 * p_max is below 2^-117, and such a block's whole share of its row is below 2^-117 of the share of the block that
 * set the row's maximum. alpha below 2^-126 likewise scales an accumulator that the new block outweighs by 2^126. */
__device__ __forceinline__ float exp2_sfu(float t)
{
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(t));
    return r;
}

/* 1 / x on the SFU (rcp.approx.ftz, within 1 ulp; +inf -> 0, 0 -> +inf), where a rounding of a whole row's scale
 * is harmless (the prefill kernels' deferred rescale). */
__device__ __forceinline__ float rcp_approx(float x)
{
    float r;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

#endif
