/* Hopper warpgroup MMA (wgmma, sm_90a only) for the prefill kernel: shared-memory matrix descriptors and the
 * three INT8 products it issues. A warpgroup is 4 consecutive warps starting at a warp index divisible by 4;
 * all 128 threads must reach every call below together.
 *
 * Why the tiles need no new layout: the pre-pass's K, Q and V^T images (prefill_tiles.cuh) already are the
 * K-major swizzled layouts wgmma reads. A 128-byte row with 16-byte chunk c at c ^ (row & 7) is the 128-byte
 * swizzle; a 64-byte row with chunk c at c ^ ((row >> 1) & 3) is the 64-byte swizzle. The hardware applies
 * the swizzle to absolute shared addresses, so each tile starts on a 1024-byte boundary.
 *
 * The register fragments are those of mma.sync m16n8k32, one 16-row slab per warp: the accumulator of
 * n-tile i is d[i][0..3] (rows g, g, g+8, g+8; columns 2t, 2t+1), and A from registers is the m16n8k32 A
 * fragment. So the softmax code and V^T's key order are shared with the mma.sync kernel unchanged. */
#ifndef TA_WGMMA_CUH
#define TA_WGMMA_CUH

#include <stdint.h>

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define TA_WGMMA 1
#else
#define TA_WGMMA 0
#endif

/* Descriptor of a K-major operand whose rows are `row_bytes` (64 or 128) long and swizzled to that width,
 * starting `k_byte` bytes into the rows of the tile at shared address `tile`. Fields: start address >> 4
 * (bits 0-13), leading byte offset >> 4 (16-29; unused by swizzled K-major layouts, 1 by convention),
 * stride byte offset >> 4 (32-45: eight rows, the distance between 8-row core-matrix groups), swizzle mode
 * (62-63: 1 = 128-byte, 2 = 64-byte). */
__device__ __forceinline__ uint64_t ta_wg_desc(uint32_t tile, int row_bytes, int k_byte)
{
    uint64_t start = ((tile + (uint32_t)k_byte) >> 4) & 0x3FFF;
    uint64_t stride = (uint64_t)(8 * row_bytes) >> 4;
    uint64_t swizzle = row_bytes == 128 ? 1 : 2;
    return start | (1ull << 16) | (stride << 32) | (swizzle << 62);
}

/* The same descriptor `bytes` further (16-byte multiples): the start field is an address >> 4 and shared
 * addresses stay below 2^18, so adding to the whole word never carries out of the field. One add per k-step or
 * stage instead of rebuilding the word (the rebuilt descriptors were about 60 of a block's 640 instructions). */
__device__ __forceinline__ uint64_t ta_wg_desc_at(uint64_t desc, uint32_t bytes) { return desc + (bytes >> 4); }

/* One inline-PTX statement of the sm_90a pass; elsewhere nothing (no kernel that calls it is launched there). */
#if TA_WGMMA
#define TA_SM90A_ASM(...) asm volatile(__VA_ARGS__)
#else
#define TA_SM90A_ASM(...) ((void)0)
#endif

__device__ __forceinline__ void ta_wg_fence() { TA_SM90A_ASM("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void ta_wg_commit() { TA_SM90A_ASM("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
/* Waits until at most N committed groups of this warpgroup are still running (groups complete in order). */
template <int N> __device__ __forceinline__ void ta_wg_wait()
{
    TA_SM90A_ASM("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

/* Shared-memory writes by ordinary stores (the Q tile) made visible to the tensor cores' reads. */
__device__ __forceinline__ void ta_fence_proxy_async() { TA_SM90A_ASM("fence.proxy.async.shared::cta;\n" ::: "memory"); }

/* Moves registers between the warpgroups of a CTA (the kernel needs a register cap at entry:
 * __launch_bounds__(threads, 1)). */
template <int REGS> __device__ __forceinline__ void ta_setmaxnreg_dec()
{
    TA_SM90A_ASM("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(REGS));
}
template <int REGS> __device__ __forceinline__ void ta_setmaxnreg_inc()
{
    TA_SM90A_ASM("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(REGS));
}

#define TA_WG_ACC8(d, i) "+r"(d[i][0]), "+r"(d[i][1]), "+r"(d[i][2]), "+r"(d[i][3])
#define TA_WG_ACC32(d) TA_WG_ACC8(d, 0), TA_WG_ACC8(d, 1), TA_WG_ACC8(d, 2), TA_WG_ACC8(d, 3), TA_WG_ACC8(d, 4), \
                       TA_WG_ACC8(d, 5), TA_WG_ACC8(d, 6), TA_WG_ACC8(d, 7)
#define TA_WG_ACC64(d) TA_WG_ACC32(d), TA_WG_ACC8(d, 8), TA_WG_ACC8(d, 9), TA_WG_ACC8(d, 10), TA_WG_ACC8(d, 11), \
                       TA_WG_ACC8(d, 12), TA_WG_ACC8(d, 13), TA_WG_ACC8(d, 14), TA_WG_ACC8(d, 15)
#define TA_WG_R32 "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26," \
                  "%27,%28,%29,%30,%31}"
#define TA_WG_R64 "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26," \
                  "%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,"   \
                  "%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}"

/* d = A(64x32 s8, shared) * B(32x64 s8, shared) + (ACCUMULATE ? d : 0): one k-step of S = Q K^T for the
 * warpgroup's 64 rows. */
template <int ACCUMULATE> __device__ __forceinline__ void ta_wg_qk(int32_t (&d)[8][4], uint64_t a_desc, uint64_t b_desc)
{
#if TA_WGMMA
    asm volatile("wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8 " TA_WG_R32 ", %32, %33, %34;\n"
                 : TA_WG_ACC32(d) : "l"(a_desc), "l"(b_desc), "n"(ACCUMULATE));
#else
    __trap();
#endif
}

/* d = A(64x32 u8, registers: the m16n8k32 A fragment of each warp) * B(32xN s8, shared) + (ACCUMULATE ? d : 0):
 * one k-step of P V, N = D channels (the N of one product: 64 or 128). */
template <int N, int ACCUMULATE> struct ta_wg_pv_n {
    static __device__ __forceinline__ void run(int32_t (&)[N / 8][4], const uint32_t (&)[4], uint64_t)
    {
        __trap(); /* no wgmma row for this width; the kernel table never launches one */
    }
};

template <int ACCUMULATE> struct ta_wg_pv_n<64, ACCUMULATE> {
    static __device__ __forceinline__ void run(int32_t (&d)[8][4], const uint32_t (&a)[4], uint64_t b_desc)
    {
#if TA_WGMMA
        asm volatile("wgmma.mma_async.sync.aligned.m64n64k32.s32.u8.s8 " TA_WG_R32 ", {%32,%33,%34,%35}, %36, %37;\n"
                     : TA_WG_ACC32(d) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b_desc), "n"(ACCUMULATE));
#else
        __trap();
#endif
    }
};

template <int ACCUMULATE> struct ta_wg_pv_n<128, ACCUMULATE> {
    static __device__ __forceinline__ void run(int32_t (&d)[16][4], const uint32_t (&a)[4], uint64_t b_desc)
    {
#if TA_WGMMA
        asm volatile("wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8 " TA_WG_R64 ", {%64,%65,%66,%67}, %68, %69;\n"
                     : TA_WG_ACC64(d) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b_desc), "n"(ACCUMULATE));
#else
        __trap();
#endif
    }
};

template <int N, int ACCUMULATE>
__device__ __forceinline__ void ta_wg_pv(int32_t (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t b_desc)
{
    ta_wg_pv_n<N, ACCUMULATE>::run(d, a, b_desc);
}

#endif
