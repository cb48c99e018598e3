/* SPEC sections 2-3 on the GPU: attention on INT8 codes, online softmax, uint8 P, INT8 tensor cores.
 *
 * One CTA owns 16 query rows per consumer warp of one (batch, head). It streams 64-key blocks of K and V^T
 * codes (written by quant.cu's pre-pass as tile images) through shared memory, STAGES deep. Per block:
 * S = Q K^T, the row max across each quad by shuffles, P~ by SAS EXP2 on half2 pairs, p8 against the row's
 * block maximum, then P V into a fresh int32 tile that is folded into the float accumulator with the
 * block's scale. The products run either per warp with mma.sync m16n8k32 or per warpgroup of 64 rows with
 * Hopper's wgmma (the MMA template argument; wgmma.cuh); the softmax code between them is the same.
 *
 * Cost model (why the element-wise code looks the way it does): with INT8 tensor cores the per-element work,
 * not the products, bounds the kernel. I2F/F2I and FRND run at 1/8 of the FP32 rate, so integers become
 * floats through the mantissa trick of cuda_common.cuh (accumulators start at TA_MAGIC_BITS) or I2FP, floor
 * is a round-down add of 2^23, and p8 is rounded by adding 1.5 * 2^23. Every rounding that the C path
 * performs (docs/DESIGN.md, "Float evaluation order") is written with __fmul_rn/__fadd_rn so that the
 * compiler cannot contract it into an FMA; the two accumulator updates are the only places that differ
 * from C, and only in rounding.
 *
 * The launcher picks a kernel from a table by padded head dim (64, 128, 256; other multiples of 16 are
 * zero-padded by the pre-pass), EXP2 flavour and what the GPU can run. */
#include "attn_prefill.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "attn_prefill_sas.cuh"
#include "cuda_common.cuh"
#include "prefill_tiles.cuh"
#include "quant.cuh"
#include "wgmma.cuh"
#include "sas.h"
#include "ta_consts.h"

#define KEYS TA_BK /* keys per block: the K/V quantization block */
/* How far (log2 units) a block maximum may pass the running maximum before softmax="exact" with the per-row
 * P scale moves it (block_probs): acc and l then grow by at most 2^8 between rescales, far from float's range. */
#define LAZY_MAX_LOG2 8.0f
#define MAX_SEQ (65535 * 64) /* rows of q or k: the grid's y dimension (at most 65535) counts tiles of >= 64 rows */

typedef struct {
    const int8_t *q_codes, *k_codes, *vt_codes;
    const float *q_scale, *k_scale, *v_scale;
    void *out;
    int out_dtype;
    int64_t out_stride[4];
    float *lse;
    const int *bad; /* the pre-pass's NaN/Inf flags of q, k, v: this call's input is bad where one equals epoch */
    int epoch;
    int Hq, group;                         /* group = Hq / Hkv */
    int64_t Nq, Nk, nq_pad, nk_pad, diag;  /* diag = Nk - Nq: bottom-right causal alignment */
    int D;                                 /* real head dim (the kernel's is the padded one) */
    int nqb, nkb;                          /* scale blocks per (batch, head) of q and of k / v */
    int n_qtiles;
    int tile_major;                        /* 1: 1-D grid, row tiles of head_group heads at a time (grid_tile) */
    int head_group, n_heads;               /* heads per group of the tile-major grid; n_heads = B * Hq */
    int causal, p_fixed, threshold;
    int out_rows16;                        /* out: 16-bit values, rows of exactly D contiguous values, 16-byte aligned */
    float score_scale;                     /* sm_scale * log2e, formed once in float32 as on the CPU */
} prefill_args;

/* The (batch * Hq + head, row tile) of this CTA. Head-major grids: x = batch and head, y = row tile. Tile-major
 * grids (the small-CTA rows, whose tiles each stream their head's whole K and V) run the row tiles of head_group
 * heads as consecutive CTAs, which then read the same K and V tiles from L2; within a group the tile index is the
 * slower one, so the group's longest causal tiles start first and its shortest end the grid (a list schedule of
 * longest first: v17 in NOTES-prefill). head_group = 1 is one head's tiles after another. The launcher keeps the
 * grid below 2^31 CTAs, so 32-bit arithmetic holds. */
__device__ __forceinline__ void grid_tile(const prefill_args &a, int64_t &bh, int &tile)
{
    if (!a.tile_major) {
        bh = blockIdx.x, tile = (int)blockIdx.y;
        return;
    }
    const unsigned group = (unsigned)a.head_group, span = group * (unsigned)a.n_qtiles;
    const unsigned first = blockIdx.x / span * group, within = blockIdx.x % span;
    const unsigned heads = min(group, (unsigned)a.n_heads - first); /* the last group may be short */
    tile = (int)(within / heads);
    bh = first + within % heads;
}

/* How key blocks reach shared memory (the PIPE template argument, one per kernel-table row):
 * PIPE_ALL      every thread issues cp.async for its chunks; one __syncthreads per key block.
 * PIPE_BULK     the same barrier, but thread 0 fills a stage with two bulk copies that complete a "full"
 *               mbarrier, so the other threads spend nothing on copies (sm_90; PIPE_ALL on older GPUs).
 * PIPE_PRODUCER one extra warp streams the blocks through full/empty mbarriers; the consumer warps never
 *               wait for each other, only for data (docs/DESIGN.md, "CUDA prefill pipelines"). */
enum { PIPE_ALL = 0, PIPE_PRODUCER = 1, PIPE_BULK = 2 };

/* How S = Q K^T and P V are multiplied (the MMA template argument):
 * MMA_SYNC  each warp on its own 16 rows with mma.sync m16n8k32 (sm_80 and later);
 * MMA_WG    each warpgroup on its 64 rows with wgmma (sm_90a), Q and the tiles read straight from shared
 *           memory (wgmma.cuh), P from registers; needs QSM = 1 and either the producer pipeline (several
 *           warpgroups per CTA) or, for a CTA of one warpgroup, the bulk pipeline. */
enum { MMA_SYNC = 0, MMA_WG = 1 };

/* Warps that feed the pipeline: one producer warp, or for wgmma a whole producer warpgroup, because
 * setmaxnreg (which hands its registers to the consumers) works per warpgroup. Without it the compiler caps a
 * 9-warp CTA at 168 registers and the look-ahead S tile spills. */
__host__ __device__ constexpr int prefill_producer_warps(int pipe, int mma)
{
    return pipe == PIPE_PRODUCER ? (mma == MMA_WG ? 4 : 1) : 0;
}
/* Registers per thread after setmaxnreg (multiples of 8, at most 240): the producer warpgroup keeps 40 and
 * the consumer warps share the rest of the SM's 64 K (8 warps: 232; 12 warps: 152). */
#define WG_PRODUCER_REGS 40
__host__ __device__ constexpr int wg_consumer_regs(int consumer_warps)
{
    const int regs = (65536 - 128 * WG_PRODUCER_REGS) / (32 * consumer_warps) / 8 * 8;
    return regs > 240 ? 240 : regs;
}

/* ---- filling a pipeline stage: the K tile and the V^T tile of one 64-key block ------------------------ */

/* All threads of the CTA copy 16-byte chunks with cp.async (the barrier pipeline). Fixed trip counts, so
 * the loops unroll and each thread's offsets are constants. */
template <int D, int THREADS>
__device__ __forceinline__ void stage_fill_all(uint8_t *stage, const int8_t *k_blk, const int8_t *vt_blk)
{
    constexpr int CHUNKS = KEYS * D / 16, PER_THREAD = (CHUNKS + THREADS - 1) / THREADS; /* per tile */
#pragma unroll
    for (int i = 0; i < PER_THREAD; i++) {
        int c = threadIdx.x + i * THREADS;
        if (PER_THREAD * THREADS == CHUNKS || c < CHUNKS) {
            ta_cp_async16(stage + c * 16, k_blk + c * 16);
            ta_cp_async16(stage + (CHUNKS + c) * 16, vt_blk + c * 16);
        }
    }
}

/* The producer warp fills a stage and signals `full`: one bulk copy per tile on sm_90, cp.async by its
 * 32 lanes elsewhere. */
template <int D>
__device__ __forceinline__ void stage_fill_producer(uint8_t *stage, const int8_t *k_blk, const int8_t *vt_blk,
                                                    uint64_t *full, int lane)
{
    constexpr int TILE = KEYS * D;
#if TA_BULK_COPY
    if (lane == 0) {
        ta_mbar_expect(full, 2 * TILE);
        ta_bulk_copy(stage, k_blk, TILE, full);
        ta_bulk_copy(stage + TILE, vt_blk, TILE, full);
    }
#else
#pragma unroll 4
    for (int c = lane; c < 2 * TILE / 16; c += 32)
        ta_cp_async16(stage + c * 16, c < TILE / 16 ? k_blk + c * 16 : vt_blk + (c - TILE / 16) * 16);
    ta_cp_async_arrive(full);
#endif
}

/* ---- S = Q K^T ----------------------------------------------------------------------------------------- */

/* mma.sync: S = Q K^T of one block for the warp's 16 rows, accumulators biased by the magic so that they read
 * back as floats. QSM: the Q fragments are reloaded from shared memory (4 ldmatrix) instead of living in
 * registers. */
template <int D, int QSM>
__device__ __forceinline__ void qk_sync(int32_t (&sacc)[8][4], uint32_t (&qf)[D / 32][4], const uint8_t *q_tile,
                                        const uint8_t *ks_tile, int lane)
{
    if (QSM) {
        /* Matrix m of the x4 load: rows 8 (m & 1) .. + 7, bytes 16 (m >> 1) of the k-step. */
        const int r = (lane & 7) + 8 * ((lane >> 3) & 1);
#pragma unroll
        for (int ks = 0; ks < D / 32; ks++)
            ta_ldmatrix_x4(qf[ks], ta_smem_addr(q_tile + r * D + ta_k_chunk(D, r, 2 * ks + (lane >> 4)) * 16));
    }
#pragma unroll
    for (int nt = 0; nt < 8; nt++) {
        int r = nt * 8 + (lane & 7);
#pragma unroll
        for (int kp = 0; kp < D / 64; kp++) {
            uint32_t kb[4];
            ta_ldmatrix_x4(kb, ta_smem_addr(ks_tile + r * D + ta_k_chunk(D, r, kp * 4 + (lane >> 3)) * 16));
            if (kp == 0) ta_mma_s8s8_from(sacc[nt], qf[0], kb[0], kb[1], TA_MAGIC_BITS);
            else ta_mma_s8s8(sacc[nt], qf[2 * kp], kb[0], kb[1]);
            ta_mma_s8s8(sacc[nt], qf[2 * kp + 1], kb[2], kb[3]);
        }
    }
}

/* wgmma (MMA_WG): S = Q K^T of one key block for the warpgroup's 64 rows into sacc as plain int32 dot
 * products, issued and committed but not waited for. */
template <int D>
__device__ __forceinline__ void wg_issue_qk(int32_t (&sacc)[8][4], uint64_t q_desc, uint64_t k_desc)
{
    ta_wg_fence();
    ta_wg_qk<0>(sacc, q_desc, k_desc);
#pragma unroll
    for (int ks = 1; ks < D / 32; ks++) ta_wg_qk<1>(sacc, ta_wg_desc_at(q_desc, 32 * ks), ta_wg_desc_at(k_desc, 32 * ks));
    ta_wg_commit();
}

/* An S accumulator as a float: mma.sync's are biased by the magic, wgmma's are plain (I2FP, exact below
 * 2^24; |dot| <= 127 * 127 * 256). */
template <int MMA> __device__ __forceinline__ float dot_to_float(int32_t x)
{
    return MMA == MMA_WG ? __int2float_rn(x) : ta_magic_to_float(x);
}

/* ---- one key block's softmax (SPEC sections 2-3), shared by both MMA kinds ------------------------------ */

/* Where a thread's two rows (g and g + 8 of its warp's 16) stand: running max m and this lane's share of the
 * row sum l (the quad's shares are added once at the end). */
struct row_pair {
    float m[2], l[2];
    float ginv[2]; /* the paired SAS kernels: the accumulator holds the true one times ginv (1 elsewhere) */
};

/* What a block's softmax hands to its P V: the p8 codes as the A fragments of the product, and per row the
 * accumulator's rescale alpha and the product's scale ps * sv. */
struct block_p {
    uint32_t pf[2][4];
    float alpha[2], pvs[2];
};

/* S of one block as floats (masked entries -inf; their accumulators INT32_MIN) and each row's block maximum,
 * taken on the integers (order-preserving; DPX three-way max on sm_90) and converted once, so that
 * (float)dot_max * qk_scale is max S exactly, as on the CPU. A row that sees no key of the block is "dead".
 * softmax="exact" gets t = S - m_ref instead of S, one FMA a score (m_ref: the block maximum, or with the
 * fixed P scale the new running maximum max(m_run, mx)), and the paired SAS codes nt = m_new - S; C rounds S and
 * then t or nt (docs/DESIGN.md, "CUDA float order against C"). After this sacc is no longer needed (the wgmma
 * kernel reuses it for the next block's S). */
template <int MMA, int EXP2>
__device__ __forceinline__ void block_scores(int32_t (&sacc)[8][4], float qk_scale, int key0, int Nk, bool causal,
                                             int wrow0, int row_a, int diag, int t, bool p_fixed, float threshold_f,
                                             const float (&m_run)[2], float (&s)[8][4], float (&mx)[2], bool (&dead)[2])
{
    /* Masks (causal diagonal, keys past Nk) only on the blocks that need them. Key column c of the block is
     * visible to a row when c <= that row's limit. */
    const bool masked = key0 + KEYS > Nk || (causal && key0 + KEYS - 1 > wrow0 + diag);
    if (masked) {
        int lim_a = Nk - 1 - key0, lim_b = lim_a;
        if (causal) {
            lim_a = min(lim_a, row_a + diag - key0);
            lim_b = min(lim_b, row_a + 8 + diag - key0);
        }
        lim_a -= 2 * t, lim_b -= 2 * t;
#pragma unroll
        for (int nt = 0; nt < 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int col = nt * 8 + (i & 1); /* minus 2t, folded into the limits */
                if (col > (i < 2 ? lim_a : lim_b)) sacc[nt][i] = INT32_MIN;
            }
    }

    int32_t im_a = max(sacc[0][0], sacc[0][1]), im_b = max(sacc[0][2], sacc[0][3]);
#pragma unroll
    for (int nt = 1; nt < 8; nt++) {
        im_a = __vimax3_s32(im_a, sacc[nt][0], sacc[nt][1]);
        im_b = __vimax3_s32(im_b, sacc[nt][2], sacc[nt][3]);
    }
#pragma unroll
    for (int o = 1; o <= 2; o <<= 1) {
        im_a = max(im_a, __shfl_xor_sync(0xffffffffu, im_a, o));
        im_b = max(im_b, __shfl_xor_sync(0xffffffffu, im_b, o));
    }
    dead[0] = im_a == INT32_MIN, dead[1] = im_b == INT32_MIN;
    mx[0] = dead[0] ? -INFINITY : __fmul_rn(dot_to_float<MMA>(im_a), qk_scale);
    mx[1] = dead[1] ? -INFINITY : __fmul_rn(dot_to_float<MMA>(im_b), qk_scale);

    /* softmax="exact": the FMA keeps f * qk_scale unrounded, so the block maximum's own t would be m_ref's rounding
     * error, up to |m_ref| 2^-24 above 0, and rint(255 2^t) could reach 256 once |m_ref| passes about 2^15.5. Taking
     * m_ref |m_ref| 2^-23 higher keeps every t <= 0 (a relative change of P~ below 1e-4 for |m_ref| < 1000). */
    float neg_ref[2] = {0.0f, 0.0f};
    if (EXP2 == EXP2_EXACT)
#pragma unroll
        for (int r = 0; r < 2; r++) {
            const float ref = p_fixed ? fmaxf(m_run[r], mx[r]) : mx[r];
            neg_ref[r] = dead[r] ? 0.0f : fmaf(fabsf(ref), -0x1p-23f, -ref);
        }
    /* The paired SAS codes (EXP2_SAS_FAST) get w = T - nt, nt = m_new - S, instead of S: one FMA a score against
     * w_ref = T - m_ref, where m_ref is m_new taken |m_new| 2^-23 higher and w_ref is rounded down, and C rounds S
     * and then nt (docs/DESIGN.md, "CUDA float order against C"). The raised reference keeps every nt >= 0, that is
     * w <= T (the block maximum's own nt would otherwise be m_new's rounding error, possibly below 0, and its code
     * could reach 256); the sign of w is the sparsity test (sas_code_pair_w), and masked scores are -inf. One
     * instruction a score fewer than S and then nt (NOTES-prefill v21). */
    constexpr bool W_FMA = EXP2 == EXP2_SAS_FAST;
    float w_ref[2] = {0.0f, 0.0f};
    if (W_FMA)
#pragma unroll
        for (int r = 0; r < 2; r++) {
            const float m_new = fmaxf(m_run[r], mx[r]); /* the strict running maximum, as block_probs forms it */
            w_ref[r] = dead[r] ? 0.0f : __fsub_rd(threshold_f, fmaf(fabsf(m_new), 0x1p-23f, m_new));
        }
    /* Each score is made from its accumulator in place (the two tiles are never live together: registers), and a
     * masked one is -inf (a masked accumulator times a small qk_scale is no large negative number). */
    auto score = [&](int32_t x, int r) {
        if (W_FMA) return fmaf(dot_to_float<MMA>(x), qk_scale, w_ref[r]);
        return EXP2 == EXP2_EXACT ? fmaf(dot_to_float<MMA>(x), qk_scale, neg_ref[r]) : __fmul_rn(dot_to_float<MMA>(x), qk_scale);
    };
    if (masked) {
#pragma unroll
        for (int nt = 0; nt < 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++)
                s[nt][i] = sacc[nt][i] == INT32_MIN ? -INFINITY : score(sacc[nt][i], i >> 1);
    } else {
#pragma unroll
        for (int nt = 0; nt < 8; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) s[nt][i] = score(sacc[nt][i], i >> 1);
    }
}

/* The online-softmax step of one block: new maxima, alpha, P~ by EXP2, p8 against the row's block maximum
 * (or the fixed scale), the row sums, and the fragments of P V. A dead row is left unchanged, as on the CPU:
 * alpha = 1, P = 0, and a zero P V scale so the accumulator update is exact. The MMA kind only picks the form
 * of the SAS codes (p_codes_pair). */
template <int EXP2, int MMA>
__device__ __forceinline__ void block_probs(const float (&s)[8][4], const float (&mx)[2], const bool (&dead)[2], float sv,
                                            const prefill_args &a, int lane, row_pair &rp, block_p &bp)
{
    const float threshold_f = (float)a.threshold;
    const int t = lane & 3;
    float ps[2], p_max[2], m_new[2];
    /* softmax="exact" with the per-row P scale moves the running maximum only when a block maximum passes it
     * by more than LAZY_MAX_LOG2 (docs/DESIGN.md, "Lazy running maximum"): its codes are taken against the
     * block maximum, so m only scales acc and l alike, and out = acc / l and lse do not depend on it. alpha is
     * then exactly 1 in almost every block, and P V's fold skips the rescale. The fixed P scale's codes are
     * taken against m itself, and SAS's P~ must match C bit for bit: those keep the strict maximum. */
    const float lazy = EXP2 == EXP2_EXACT && !a.p_fixed ? LAZY_MAX_LOG2 : 0.0f;
#pragma unroll
    for (int r = 0; r < 2; r++) m_new[r] = mx[r] > rp.m[r] + lazy ? mx[r] : rp.m[r];
    if (EXP2 == EXP2_SAS_FAST) {
        /* One of alpha and p_max is EXP2(0) = 1 exactly: a block that raises the maximum has m_new = mx, one that
         * does not has m_new = m. One paired EXP2 a thread makes the other (two were 1-2 % of a SAS call: v22). A
         * dead row that has seen no key yet would give -inf - -inf = NaN, and a NaN lane's n would borrow into the
         * other lane of the pair; its results are overwritten below anyway. */
        float arg[2];
        bool raised[2];
#pragma unroll
        for (int r = 0; r < 2; r++) {
            raised[r] = m_new[r] != rp.m[r];
            arg[r] = dead[r] ? 0.0f : __fsub_rn(m_new[r], raised[r] ? rp.m[r] : mx[r]);
        }
        const float2 e = __half22float2(sas_exp2_neg_pair(arg[0], arg[1], threshold_f));
        bp.alpha[0] = raised[0] ? e.x : 1.0f, bp.alpha[1] = raised[1] ? e.y : 1.0f;
        p_max[0] = raised[0] ? 1.0f : e.x, p_max[1] = raised[1] ? 1.0f : e.y;
    } else {
#pragma unroll
        for (int r = 0; r < 2; r++) {
            bp.alpha[r] = m_new[r] == rp.m[r] ? 1.0f : exp2_of<EXP2>(__fsub_rn(rp.m[r], m_new[r]), a.threshold);
            p_max[r] = exp2_of<EXP2>(__fsub_rn(mx[r], m_new[r]), a.threshold);
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++)
        if (dead[r]) bp.alpha[r] = 1.0f, p_max[r] = 0.0f;

    /* P~ -> p8, packed straight into the A fragments of P V (see prefill_tiles.cuh's V^T key order). */
    float inv[2], mref[2] = {0.0f, 0.0f};
    if (EXP2 == EXP2_EXACT) {
        /* p8 = rint(P~ 255 / p_max) = rint(255 2^(s - mx)) with the row's per-block scale, rint(255 2^(s - m_new))
         * with the fixed one: the codes need neither m_new nor a division (docs/DESIGN.md, "CUDA float order
         * against C"), s already holds that difference (block_scores), and ps = p_max / 255 is one multiply off
         * their path. */
#pragma unroll
        for (int r = 0; r < 2; r++) ps[r] = a.p_fixed ? 1.0f / (float)TA_P_MAX : __fmul_rn(p_max[r], 1.0f / (float)TA_P_MAX);
    } else if (a.p_fixed) {
        ps[0] = ps[1] = 1.0f / (float)TA_P_MAX;
        inv[0] = inv[1] = EXP2 == EXP2_SAS_FAST ? sas_inv_numerator(a.threshold) : (float)TA_P_MAX;
    } else {
        /* ps = p_max / 255 and inv = 255 / p_max, exactly rounded as on the CPU, for both rows: the four
         * lanes of the quad hold the same rows, so each divides once and they swap. p_max == 0: the whole
         * block is below the SAS threshold and contributes nothing (ps = 0); inv = 1 rather than 0 because
         * sas_code_pair_w needs a normal float, and every code is 0 either way. */
        float mine = t & 2 ? p_max[1] : p_max[0];
        /* sas_code_pair_w takes inv 2^-T: the same quotient scaled exactly (a power of two, normal floats). */
        const float num = EXP2 == EXP2_SAS_FAST ? sas_inv_numerator(a.threshold) : (float)TA_P_MAX;
        /* One division sequence for the quad (two, one for each form, were about 1.5 % of a SAS call: v22). */
        const bool odd = t & 1;
        float quotient = __fdiv_rn(odd ? mine : num, odd ? (float)TA_P_MAX : mine);
        if (!(mine > 0.0f)) quotient = odd ? 0.0f : 1.0f;
        int quad = lane & ~3;
        inv[0] = __shfl_sync(0xffffffffu, quotient, quad + 0);
        ps[0] = __shfl_sync(0xffffffffu, quotient, quad + 1);
        inv[1] = __shfl_sync(0xffffffffu, quotient, quad + 2);
        ps[1] = __shfl_sync(0xffffffffu, quotient, quad + 3);
    }
    if (EXP2 == EXP2_SAS) /* EXP2_SAS_FAST's s already holds nt = m_new - S (block_scores) */
#pragma unroll
        for (int r = 0; r < 2; r++) mref[r] = dead[r] ? 0.0f : m_new[r]; /* dead: every s is -inf */
    uint32_t pw[8][2];
#pragma unroll
    for (int nt = 0; nt < 8; nt++) {
        if (EXP2 == EXP2_EXACT) {
            pw[nt][0] = exact_codes_pair(s[nt][0], s[nt][1]);
            pw[nt][1] = exact_codes_pair(s[nt][2], s[nt][3]);
            continue;
        }
        pw[nt][0] = p_codes_pair<EXP2>(s[nt][0], s[nt][1], mref[0], inv[0], a.threshold);
        pw[nt][1] = p_codes_pair<EXP2>(s[nt][2], s[nt][3], mref[1], inv[1], a.threshold);
    }
#pragma unroll
    for (int kk = 0; kk < 2; kk++) {
        bp.pf[kk][0] = __byte_perm(pw[4 * kk][0], pw[4 * kk + 1][0], 0x5410);
        bp.pf[kk][1] = __byte_perm(pw[4 * kk][1], pw[4 * kk + 1][1], 0x5410);
        bp.pf[kk][2] = __byte_perm(pw[4 * kk + 2][0], pw[4 * kk + 3][0], 0x5410);
        bp.pf[kk][3] = __byte_perm(pw[4 * kk + 2][1], pw[4 * kk + 3][1], 0x5410);
    }
    uint32_t sum[2] = {0u, 0u};
#pragma unroll
    for (int kk = 0; kk < 2; kk++) {
        sum[0] = __dp4a(bp.pf[kk][0], 0x01010101u, sum[0]);
        sum[0] = __dp4a(bp.pf[kk][2], 0x01010101u, sum[0]);
        sum[1] = __dp4a(bp.pf[kk][1], 0x01010101u, sum[1]);
        sum[1] = __dp4a(bp.pf[kk][3], 0x01010101u, sum[1]);
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        bp.pvs[r] = dead[r] ? 0.0f : __fmul_rn(ps[r], sv);
        if (!dead[r]) rp.m[r] = m_new[r];
        rp.l[r] = __fadd_rn(__fmul_rn(bp.alpha[r], rp.l[r]), __fmul_rn(ps[r], (float)sum[r]));
    }
}

/* ---- P V ----------------------------------------------------------------------------------------------- */

/* acc = alpha acc + dot pvs for one block: the mma starts at the magic bias, so pacc read as a float is
 * dot + 1.5 * 2^23 and the bias comes off inside the first FMA. The tile loop is one basic block (no
 * branch inside), so the compiler overlaps the tiles' ldmatrix -> mma -> fold chains; a per-tile branch
 * serialised them and cost 10 % (NOTES-prefill v4). */
template <int D>
__device__ __forceinline__ void pv_accumulate(float (&acc)[D / 8][4], const uint8_t *vs_tile, const uint32_t (&pf)[2][4],
                                              const float (&pvs)[2], const float (&alpha)[2], int lane)
{
    const float bias[2] = {TA_MAGIC_F * pvs[0], TA_MAGIC_F * pvs[1]};
#pragma unroll
    for (int dn = 0; dn < D / 8; dn++) {
        int r = dn * 8 + (lane & 7);
        uint32_t vb[4];
        ta_ldmatrix_x4(vb, ta_smem_addr(vs_tile + r * KEYS + ta_vt_chunk(r, lane >> 3) * 16));
        int32_t pacc[4];
        ta_mma_u8s8_from(pacc, pf[0], vb[0], vb[1], TA_MAGIC_BITS);
        ta_mma_u8s8(pacc, pf[1], vb[2], vb[3]);
#pragma unroll
        for (int i = 0; i < 4; i++)
            acc[dn][i] = fmaf(__int_as_float(pacc[i]), pvs[i >> 1], fmaf(alpha[i >> 1], acc[dn][i], -bias[i >> 1]));
    }
}

/* The same update with the warpgroup's P V: wgmma k-steps (keys 0-31, 32-63) on the V^T tile, whose 64-byte
 * rows carry the 64-byte swizzle (wgmma.cuh), into a fresh plain int32 tile, then one wait and the fold, one
 * I2FP and one FMA an element. The rescale by alpha runs while the product is in flight, and only where a row
 * of the warp has alpha != 1 (with the lazy maximum of block_probs, almost never); DEFER (the paired SAS kernels,
 * which keep the strict maximum) puts it off until it is large (below). PARTS > 1 multiplies the
 * channels in that many products one after the other through one accumulator tile of D / PARTS channels, so
 * that the kernel fits more warps (NOTES-prefill v8). */
template <int D, int PARTS, bool DEFER>
__device__ __forceinline__ void pv_accumulate_wg(float (&acc)[D / 8][4], int32_t (&pacc)[D / 8 / PARTS][4], const block_p &bp,
                                                 uint64_t vt_desc, float (&ginv)[2])
{
    constexpr int CH = D / PARTS;
    bool rescale = __any_sync(0xffffffffu, bp.alpha[0] != 1.0f || bp.alpha[1] != 1.0f);
    float factor[2] = {bp.alpha[0], bp.alpha[1]}, pvs[2] = {bp.pvs[0], bp.pvs[1]};
    if (DEFER) {
        /* The accumulator holds the true one times ginv = 1 / (the product of alpha since the last rescale), and P V
         * adds at pvs ginv: a new maximum costs two reciprocals a thread instead of D / 2 multiplies, until ginv
         * passes 2^64 (alpha = 0, a first block or a jump past the threshold, makes it +inf at once). Then the
         * accumulator takes 1 / ginv and ginv restarts at 1. The reciprocals' ulp scale whole rows, as out = acc / l
         * does. */
        if (rescale) {
            float g[2];
#pragma unroll
            for (int r = 0; r < 2; r++) g[r] = bp.alpha[r] == 1.0f ? ginv[r] : __fmul_rn(ginv[r], rcp_approx(bp.alpha[r]));
            rescale = __any_sync(0xffffffffu, g[0] > 0x1p64f || g[1] > 0x1p64f);
#pragma unroll
            for (int r = 0; r < 2; r++) {
                factor[r] = rcp_approx(g[r]); /* +inf -> 0 */
                ginv[r] = rescale ? 1.0f : g[r];
            }
        }
#pragma unroll
        for (int r = 0; r < 2; r++) pvs[r] = __fmul_rn(pvs[r], ginv[r]);
    }
#pragma unroll
    for (int part = 0; part < PARTS; part++) {
        ta_wg_fence();
        ta_wg_pv<CH, 0>(pacc, bp.pf[0], ta_wg_desc_at(vt_desc, part * CH * KEYS));
        ta_wg_pv<CH, 1>(pacc, bp.pf[1], ta_wg_desc_at(vt_desc, part * CH * KEYS + 32));
        ta_wg_commit();
        if (part == 0 && rescale)
#pragma unroll
            for (int dn = 0; dn < D / 8; dn++)
#pragma unroll
                for (int i = 0; i < 4; i++) acc[dn][i] = __fmul_rn(acc[dn][i], factor[i >> 1]);
        ta_wg_wait<0>();
#pragma unroll
        for (int dn = 0; dn < CH / 8; dn++)
#pragma unroll
            for (int i = 0; i < 4; i++)
                acc[part * CH / 8 + dn][i] = fmaf(__int2float_rn(pacc[dn][i]), pvs[i >> 1], acc[part * CH / 8 + dn][i]);
    }
}

/* ---- the output tile -------------------------------------------------------------------------------- */

/* A one-warpgroup CTA's 64 output rows in 16-bit values (a.out_rows16: float16 or bfloat16 rows of exactly D
 * values, each 16-byte aligned), written row by row in 16-byte pieces. A thread's fragment holds two columns of
 * two rows per 8-column tile, so storing it directly puts each warp store on eight rows 16 bytes apart: about
 * 4 us of a CTA's epilogue at D = 128, as long as its prologue (NOTES-prefill v16). The values pass through a
 * stage buffer instead, which holds exactly 64 rows of D 16-bit values (2 tiles of 64 x D bytes). Piece c of
 * row r sits at piece c ^ (r & 7) of its row, so that the eight rows of a fragment store hit 32 different banks.
 * The caller has synchronised the CTA after its last block. */
template <int D>
__device__ __forceinline__ void store_tile_rows16(uint8_t *stage, const float (&acc)[D / 8][4], const float (&inv_l)[2],
                                                  const prefill_args &a, int64_t tile_base, int warp, int lane)
{
    constexpr int PIECES = D / 8, ROW_BYTES = 2 * D; /* 16-byte pieces per row */
    const int g = lane >> 2, t = lane & 3;
    const bool bf16 = a.out_dtype == TA_BF16;
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const int row = warp * 16 + g + 8 * r;
#pragma unroll
        for (int dn = 0; dn < PIECES; dn++) {
            const float o0 = __fmul_rn(acc[dn][2 * r], inv_l[r]), o1 = __fmul_rn(acc[dn][2 * r + 1], inv_l[r]);
            uint32_t w;
            if (bf16) {
                __nv_bfloat162 x = __floats2bfloat162_rn(o0, o1);
                w = *(uint32_t *)&x;
            } else {
                __half2 x = __floats2half2_rn(o0, o1);
                w = *(uint32_t *)&x;
            }
            *(uint32_t *)(stage + row * ROW_BYTES + ((dn ^ (row & 7)) * 16) + 4 * t) = w;
        }
    }
    __syncthreads();
    uint8_t *out = (uint8_t *)a.out + tile_base * 2;
#pragma unroll
    for (int k = 0; k < 64 * PIECES / 128; k++) {
        const int i = (int)threadIdx.x + 128 * k, row = i / PIECES, c = i % PIECES;
        const uint4 x = *(const uint4 *)(stage + row * ROW_BYTES + ((c ^ (row & 7)) * 16));
        *(uint4 *)(out + (int64_t)row * a.out_stride[2] * 2 + c * 16) = x;
    }
}

/* ---- the kernel ------------------------------------------------------------------------------------ */

/* Byte offset of the Q tiles (QSM rows): after the stages and the mbarriers, 1024-byte aligned (wgmma
 * reads them with the 128-byte swizzle, whose pattern repeats every 1024 bytes). */
__host__ __device__ constexpr int prefill_q_offset(int stage_bytes, int stages)
{
    return (stage_bytes + 16 * stages + 1023) / 1024 * 1024;
}

/* Dynamic shared memory the kernel asks for: its layout plus the slack to align the base to 1024 bytes. */
#define PREFILL_SMEM_ALIGN 1024

/* QSM = 1: the warp's Q codes wait in shared memory (swizzled like K) and are reloaded by ldmatrix for
 * each block's QK^T, instead of holding 16 (D = 128) registers for the whole kernel. */
template <int D, int WARPS, int MIN_BLOCKS, int STAGES, int EXP2, int PIPE_ROW, int QSM, int MMA>
__global__ void __launch_bounds__((WARPS + prefill_producer_warps(PIPE_ROW, MMA)) * 32, MIN_BLOCKS) prefill_kernel(const prefill_args a)
{
    constexpr int PIPE = PIPE_ROW == PIPE_BULK && !TA_BULK_COPY ? PIPE_ALL : PIPE_ROW;
    /* S of block j + 1 is issued during block j's softmax, into a second S tile (32 registers), except in the
     * one-warpgroup rows at D = 128 with four CTAs per SM (128 registers a thread, which that tile does not leave):
     * those issue S at the block's start and wait for it, and the other CTAs' warps cover its latency. One more
     * warp per scheduler was worth more than the look-ahead (NOTES-prefill v20). */
    constexpr bool LOOKAHEAD = !(MMA == MMA_WG && PIPE_ROW == PIPE_BULK && D == 128 && MIN_BLOCKS >= 4);
    static_assert(MMA == MMA_SYNC || (QSM && WARPS % 4 == 0 && D <= 128 &&
                                      (PIPE_ROW == PIPE_PRODUCER || (PIPE_ROW == PIPE_BULK && WARPS == 4))),
                  "the wgmma rows read Q from shared memory and are fed by the producer warpgroup, or are one "
                  "warpgroup fed by its thread 0");
    extern __shared__ __align__(128) uint8_t smem_raw[];
    uint8_t *smem = smem_raw + ((PREFILL_SMEM_ALIGN - (ta_smem_addr(smem_raw) & (PREFILL_SMEM_ALIGN - 1))) &
                                (PREFILL_SMEM_ALIGN - 1));
    constexpr int THREADS = WARPS * 32, ROWS = WARPS * 16;
    constexpr int KSTEPS = D / 32, DTILES = D / 8, TILE_BYTES = KEYS * D, STAGE_BYTES = 2 * TILE_BYTES;
    uint64_t *full = (uint64_t *)(smem + STAGES * STAGE_BYTES), *empty = full + STAGES;
    uint8_t *q_tile = smem + prefill_q_offset(STAGES * STAGE_BYTES, STAGES) + (threadIdx.x >> 5) * 16 * D;

    /* The warp index through a shuffle: the compiler then knows it is warp-uniform, and so is every branch
     * around a wgmma below (a possibly divergent one makes ptxas serialise the wgmmas, warning C7518). */
    const int warp = __shfl_sync(0xffffffffu, threadIdx.x >> 5, 0), lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    int64_t bh;
    int tile;
    grid_tile(a, bh, tile);
    const int64_t b = bh / a.Hq;
    const int h = (int)(bh % a.Hq);
    const int64_t bhk = b * (a.Hq / a.group) + h / a.group;
    /* Row indices within the sequence fit in int: the launcher refuses N >= 2^30. */
    const int q0 = (a.n_qtiles - 1 - tile) * ROWS; /* longest causal tiles first */
    const int wrow0 = q0 + warp * 16, row_a = wrow0 + g, row_b = row_a + 8;
    const int Nq = (int)a.Nq, Nk = (int)a.Nk, diag = (int)a.diag;
    const bool warp_live = wrow0 < Nq;
    /* Read now, used before the first store: a non-finite input (the host raises ValueError) leaves out and lse
     * untouched, without the host waiting for the flags between the pre-pass and this launch. */
    const int4 flags = __ldcg((const int4 *)a.bad);
    const bool refused = flags.x == a.epoch || flags.y == a.epoch || flags.z == a.epoch;
    /* The rows that skip a key block together: the warp's 16, or the warpgroup's 64 (wgmma is collective). */
    constexpr int UNIT_ROWS = MMA == MMA_WG ? 64 : 16;
    const int unit_row0 = q0 + warp / (UNIT_ROWS / 16) * UNIT_ROWS;
    const bool unit_live = unit_row0 < Nq;
    const int unit_last_row = min(unit_row0 + UNIT_ROWS - 1, Nq - 1);

    int n_kb = a.nkb;
    if (a.causal) {
        int last_key = min(q0 + ROWS, Nq) - 1 + diag;
        n_kb = last_key < 0 ? 0 : min(n_kb, last_key / KEYS + 1);
    }
    /* Block j of this head's K tiles and of its V^T tiles: TILE_BYTES each, contiguous. */
    const int8_t *k_base = a.k_codes + bhk * a.nk_pad * D, *vt_base = a.vt_codes + bhk * a.nk_pad * D;

    if (PIPE != PIPE_ALL) {
        if (threadIdx.x == 0) {
            for (int s = 0; s < STAGES; s++) {
                ta_mbar_init(&full[s], PIPE == PIPE_BULK ? 1 : TA_FULL_ARRIVALS);
                if (PIPE == PIPE_PRODUCER) ta_mbar_init(&empty[s], WARPS);
            }
            ta_mbar_init_fence();
        }
        __syncthreads();
    }
    if (PIPE == PIPE_PRODUCER && warp >= WARPS) {
        if (MMA == MMA_WG) ta_setmaxnreg_dec<WG_PRODUCER_REGS>();
        for (int j = 0, s = 0, phase = 0; warp == WARPS && j < n_kb; j++) {
            if (j >= STAGES) ta_mbar_wait(&empty[s], phase ^ 1);
            stage_fill_producer<D>(smem + s * STAGE_BYTES, k_base + (int64_t)j * TILE_BYTES,
                                   vt_base + (int64_t)j * TILE_BYTES, &full[s], lane);
            if (++s == STAGES) s = 0, phase ^= 1;
        }
        return; /* no CTA-wide barrier follows */
    }
    if (MMA == MMA_WG && PIPE == PIPE_PRODUCER) ta_setmaxnreg_inc<wg_consumer_regs(WARPS)>();
    /* One-warpgroup rows at D = 128: at the 168 registers of three CTAs per SM ptxas spilled 200-300 bytes in the
     * loop, and its spills are not monotonic in the budget (3 stages: 0 bytes at 160 for the exact and the paired
     * SAS kernels and 336 for EXP2_SAS, which takes 12 at 152), so the warpgroup hands registers back and ptxas
     * allocates for the smaller budget (NOTES-prefill v13). */
    if (MMA == MMA_WG && PIPE == PIPE_BULK && D == 128 && MIN_BLOCKS == 3) ta_setmaxnreg_dec<EXP2 == EXP2_SAS ? 152 : 160>();
    if (PIPE == PIPE_BULK && threadIdx.x == 0) {
        for (int s = 0; s < STAGES - 1 && s < n_kb; s++)
            stage_fill_producer<D>(smem + s * STAGE_BYTES, k_base + (int64_t)s * TILE_BYTES,
                                   vt_base + (int64_t)s * TILE_BYTES, &full[s], 0);
    }
    if (PIPE == PIPE_ALL) {
#pragma unroll
        for (int s = 0; s < STAGES - 1; s++) {
            if (s < n_kb)
                stage_fill_all<D, THREADS>(smem + s * STAGE_BYTES, k_base + (int64_t)s * TILE_BYTES,
                                           vt_base + (int64_t)s * TILE_BYTES);
            ta_cp_async_commit();
        }
    }

    /* The scales of the first block and of Q: loaded now, so that their latency overlaps the Q codes'. */
    const float sq = warp_live ? a.q_scale[bh * a.nqb + wrow0 / KEYS] : 0.0f;
    const float *k_scale = a.k_scale + bhk * a.nkb, *v_scale = a.v_scale + bhk * a.nkb;
    float k_scale_next = k_scale[0], v_scale_next = v_scale[0]; /* nkb >= 1 */

    uint32_t qf[KSTEPS][4];
    if (QSM) {
        /* 16 rows of D bytes, chunk c of row r at ta_k_chunk(D, r, c); rows past Nq are zero. Every load is
         * issued before the first store: a load-store loop waited for one memory latency per chunk, about 3.5 us
         * of a CTA's prologue at D = 128 (NOTES-prefill v16). */
        constexpr int PER_LANE = 16 * D / 16 / 32;
        uint4 x[PER_LANE];
#pragma unroll
        for (int k = 0; k < PER_LANE; k++) {
            const int i = lane + 32 * k, r = i / (D / 16), c = i % (D / 16);
            x[k] = make_uint4(0u, 0u, 0u, 0u);
            if (wrow0 + r < Nq) x[k] = *(const uint4 *)(a.q_codes + (bh * a.nq_pad + wrow0 + r) * D + c * 16);
        }
#pragma unroll
        for (int k = 0; k < PER_LANE; k++) {
            const int i = lane + 32 * k, r = i / (D / 16), c = i % (D / 16);
            *(uint4 *)(q_tile + r * D + ta_k_chunk(D, r, c) * 16) = x[k];
        }
        if (MMA == MMA_WG) {
            /* The warpgroup's wgmma reads all four warps' rows through the async proxy. */
            ta_fence_proxy_async();
            asm volatile("bar.sync %0, 128;\n" ::"r"(1 + warp / 4) : "memory");
        }
        __syncwarp();
    } else {
        const int8_t *qa = a.q_codes + (bh * a.nq_pad + row_a) * D, *qb = qa + 8 * D;
        bool la = row_a < Nq, lb = row_b < Nq;
#pragma unroll
        for (int ks = 0; ks < KSTEPS; ks++) {
            int c = ks * 32 + t * 4;
            qf[ks][0] = la ? *(const uint32_t *)(qa + c) : 0u;
            qf[ks][1] = lb ? *(const uint32_t *)(qb + c) : 0u;
            qf[ks][2] = la ? *(const uint32_t *)(qa + c + 16) : 0u;
            qf[ks][3] = lb ? *(const uint32_t *)(qb + c + 16) : 0u;
        }
    }
    row_pair rp = {{-INFINITY, -INFINITY}, {0.0f, 0.0f}, {1.0f, 1.0f}};
    const float threshold_f = (float)a.threshold;
    float acc[DTILES][4];
#pragma unroll
    for (int dn = 0; dn < DTILES; dn++) acc[dn][0] = acc[dn][1] = acc[dn][2] = acc[dn][3] = 0.0f;

    /* 12 warps (152 registers) or one warpgroup at 3 CTAs per SM (160 after setmaxnreg.dec): half the P V registers */
    constexpr int PV_PARTS = MMA == MMA_WG && D == 128 && (WARPS > 8 || PIPE_ROW == PIPE_BULK) ? 2 : 1;
    int32_t sacc[8][4], pacc[DTILES / PV_PARTS][4];
    /* wgmma descriptors: the warpgroup's 64 Q rows, and stage 0's K and V^T tiles (a stage further is
     * STAGE_BYTES further). */
    const uint64_t q_desc = ta_wg_desc(ta_smem_addr(q_tile - (warp & 3) * 16 * D), D, 0);
    const uint64_t k_desc0 = ta_wg_desc(ta_smem_addr(smem), D, 0), vt_desc0 = ta_wg_desc(ta_smem_addr(smem + TILE_BYTES), KEYS, 0);
    /* This warp is done with a stage (producer pipeline). */
    auto release = [&](int st) {
        __syncwarp();
        if (lane == 0) ta_mbar_arrive(&empty[st]);
    };
    int stage = 0, load_stage = STAGES - 1;
    uint32_t phase = 0;
    for (int j = 0; j < n_kb; j++) {
        const int key0 = j * KEYS;
        const bool active = unit_live && (!a.causal || key0 <= unit_last_row + diag);
        /* wgmma: an active unit waited for block j's stage before it issued S(j) during block j - 1. An idle
         * unit still waits, so that its releases (the empty barriers) keep pace with the stages. */
        const bool landed = MMA == MMA_WG && LOOKAHEAD && j > 0 && active;
        if (PIPE == PIPE_PRODUCER) {
            if (!landed) ta_mbar_wait(&full[stage], phase);
        } else if (PIPE == PIPE_BULK) {
            /* Block j has landed; after the barrier every warp has finished block j - 1, whose stage
             * thread 0 refills with block j + STAGES - 1. */
            if (!landed) ta_mbar_wait(&full[stage], phase);
            __syncthreads();
            int next = j + STAGES - 1;
            if (threadIdx.x == 0 && next < n_kb)
                stage_fill_producer<D>(smem + load_stage * STAGE_BYTES, k_base + (int64_t)next * TILE_BYTES,
                                       vt_base + (int64_t)next * TILE_BYTES, &full[load_stage], 0);
        } else {
            /* One barrier per block: after it, block j has landed for every thread and every warp has
             * finished block j - 1, whose stage is then refilled with block j + STAGES - 1. */
            ta_cp_async_wait<STAGES - 2>();
            __syncthreads();
            int next = j + STAGES - 1;
            if (next < n_kb)
                stage_fill_all<D, THREADS>(smem + load_stage * STAGE_BYTES, k_base + (int64_t)next * TILE_BYTES,
                                           vt_base + (int64_t)next * TILE_BYTES);
            ta_cp_async_commit();
        }

        const float ksc = k_scale_next, vsc = v_scale_next; /* loaded a block ahead: a global load per block */
        if (j + 1 < n_kb) k_scale_next = k_scale[j + 1], v_scale_next = v_scale[j + 1];
        const uint8_t *ks_tile = smem + stage * STAGE_BYTES, *vs_tile = ks_tile + TILE_BYTES;
        const float qk_scale = __fmul_rn(__fmul_rn(sq, ksc), a.score_scale);
        float s[8][4], mx[2];
        bool dead[2];
        block_p bp;

        if (MMA == MMA_WG) {
            if (active) {
                if (j == 0 || !LOOKAHEAD) wg_issue_qk<D>(sacc, q_desc, ta_wg_desc_at(k_desc0, stage * STAGE_BYTES));
                ta_wg_wait<0>(); /* S of this block, issued during the last one (LOOKAHEAD) or just now */
                block_scores<MMA, EXP2>(sacc, qk_scale, key0, Nk, a.causal, wrow0, row_a, diag, t, a.p_fixed, threshold_f, rp.m, s,
                                        mx, dead);
                /* S of the next block runs on the tensor cores during this block's softmax. */
                if (LOOKAHEAD && j + 1 < n_kb && (!a.causal || key0 + KEYS <= unit_last_row + diag)) {
                    const int next = stage + 1 == STAGES ? 0 : stage + 1;
                    ta_mbar_wait(&full[next], next == 0 ? phase ^ 1 : phase);
                    wg_issue_qk<D>(sacc, q_desc, ta_wg_desc_at(k_desc0, next * STAGE_BYTES));
                }
                block_probs<EXP2, MMA>(s, mx, dead, vsc, a, lane, rp, bp);
                pv_accumulate_wg<D, PV_PARTS, EXP2 == EXP2_SAS_FAST>(acc, pacc, bp, ta_wg_desc_at(vt_desc0, stage * STAGE_BYTES), rp.ginv);
            }
            if (PIPE == PIPE_PRODUCER) release(stage);
        } else {
            if (active) {
                qk_sync<D, QSM>(sacc, qf, q_tile, ks_tile, lane);
                block_scores<MMA, EXP2>(sacc, qk_scale, key0, Nk, a.causal, wrow0, row_a, diag, t, a.p_fixed, threshold_f, rp.m, s,
                                        mx, dead);
                block_probs<EXP2, MMA>(s, mx, dead, vsc, a, lane, rp, bp);
                pv_accumulate<D>(acc, vs_tile, bp.pf, bp.pvs, bp.alpha, lane);
            }
            if (PIPE == PIPE_PRODUCER) release(stage);
        }
        if (++stage == STAGES) stage = 0, phase ^= 1;
        load_stage = load_stage + 1 == STAGES ? 0 : load_stage + 1;
    }
    if (PIPE == PIPE_ALL) ta_cp_async_wait<0>();

    if (!warp_live || refused) return;
#pragma unroll
    for (int o = 1; o <= 2; o <<= 1) {
        rp.l[0] += __shfl_xor_sync(0xffffffffu, rp.l[0], o);
        rp.l[1] += __shfl_xor_sync(0xffffffffu, rp.l[1], o);
    }
    const int rows[2] = {row_a, row_b};
    /* out = acc / l as acc times one reciprocal per row (within an ulp of C's division; 64 divisions a thread
     * were about 2 % of a 4k call's instructions). */
    float inv_l[2];
#pragma unroll
    for (int r = 0; r < 2; r++) {
        const float l = rp.l[r];
        inv_l[r] = l > 0.0f ? __frcp_rn(EXP2 == EXP2_SAS_FAST ? __fmul_rn(l, rp.ginv[r]) : l) : 0.0f;
        if (a.lse && t == 0 && rows[r] < Nq) a.lse[bh * a.Nq + rows[r]] = l > 0.0f ? (rp.m[r] + log2f(l)) * TA_LN2 : -INFINITY;
    }
    /* Every warp of a one-warpgroup CTA is here when its 64 rows are all real (refused is the same for all). */
    if (MMA == MMA_WG && PIPE_ROW == PIPE_BULK && a.out_rows16 && q0 + ROWS <= Nq) {
        __syncthreads(); /* every warp is past its last block: stage 0 is free */
        store_tile_rows16<D>(smem, acc, inv_l, a, b * a.out_stride[0] + h * a.out_stride[1] + (int64_t)q0 * a.out_stride[2],
                             warp, lane);
        return;
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        if (rows[r] >= Nq) continue;
        /* A lane's two adjacent columns in one store where the row is contiguous and that store aligned. */
        const int64_t base = b * a.out_stride[0] + h * a.out_stride[1] + rows[r] * a.out_stride[2];
        const int elem = a.out_dtype == TA_F32 ? 4 : 2;
        const bool pairs = a.out_stride[3] == 1 && ((uintptr_t)a.out + (uintptr_t)(base + 2 * t) * elem) % (2 * elem) == 0;
#pragma unroll
        for (int dn = 0; dn < DTILES; dn++) {
            const int col = dn * 8 + 2 * t;
            const float o0 = __fmul_rn(acc[dn][2 * r], inv_l[r]), o1 = __fmul_rn(acc[dn][2 * r + 1], inv_l[r]);
            const int64_t off = base + col * a.out_stride[3];
            if (pairs && col + 1 < a.D) {
                if (a.out_dtype == TA_F16) *(__half2 *)((__half *)a.out + off) = __floats2half2_rn(o0, o1);
                else if (a.out_dtype == TA_BF16) *(__nv_bfloat162 *)((__nv_bfloat16 *)a.out + off) = __floats2bfloat162_rn(o0, o1);
                else *(float2 *)((float *)a.out + off) = make_float2(o0, o1);
                continue;
            }
#pragma unroll
            for (int e = 0; e < 2; e++) {
                if (col + e >= a.D) continue;
                const float o = e ? o1 : o0;
                const int64_t at = off + e * a.out_stride[3];
                if (a.out_dtype == TA_F16) ((__half *)a.out)[at] = __float2half_rn(o);
                else if (a.out_dtype == TA_BF16) ((__nv_bfloat16 *)a.out)[at] = __float2bfloat16_rn(o);
                else ((float *)a.out)[at] = o;
            }
        }
    }
}

/* ---- kernel table ----------------------------------------------------------------------------------- */

typedef void (*prefill_fn)(const prefill_args);

/* One row per (padded head dim, CTA shape, pipeline). The launcher takes the first row whose d_pad fits,
 * or, when TURBOATTN_PREFILL_VARIANT=i is set (benchmarks), the i-th row of that head dim among those the GPU
 * can run (wgmma rows need compute capability 9.0). */
typedef struct {
    int d_pad, warps, stages, pipe, q_smem, mma, tile_major;
    prefill_fn fn[EXP2_KINDS];
} prefill_variant;

#define PREFILL_ROW(D, W, MINB, ST, PIPE, QSM, MMA)                                                        \
    {D, W, ST, PIPE, QSM, MMA, MMA == MMA_WG && W == 4,                                                    \
     {prefill_kernel<D, W, MINB, ST, EXP2_SAS_FAST, PIPE, QSM, MMA>,                                       \
      prefill_kernel<D, W, MINB, ST, EXP2_SAS, PIPE, QSM, MMA>, prefill_kernel<D, W, MINB, ST, EXP2_EXACT, PIPE, QSM, MMA>}}
#define PREFILL_VARIANT(D, W, MINB, ST, PIPE, QSM) PREFILL_ROW(D, W, MINB, ST, PIPE, QSM, MMA_SYNC)
/* wgmma rows: warpgroups of consumer warps plus the producer warp, Q in shared memory. */
#define PREFILL_WG(D, W, MINB, ST) PREFILL_ROW(D, W, MINB, ST, PIPE_PRODUCER, 1, MMA_WG)
/* wgmma rows of one warpgroup per CTA and MINB CTAs per SM, the same 12-16 warps per SM as the producer rows:
 * thread 0 issues the bulk copies, so no producer warpgroup holds registers; the CTAs of an SM start, end and wait
 * independently (one CTA's prologue, epilogue and P V waits overlap the others' loops), and 64-row tiles leave no
 * partial tile at N a multiple of 64. Each CTA streams its head's whole K and V, so the grid is tile-major: the
 * CTAs of one head run side by side and read them from L2. */
#define PREFILL_WG_SOLO(D, MINB, ST) PREFILL_ROW(D, 4, MINB, ST, PIPE_BULK, 1, MMA_WG)

/* Shapes (consumer warps, CTAs per SM, stages, pipeline, Q in shared memory); the first row of each head dim
 * that the GPU can run is the default. Measured on an H100 (NOTES-prefill.md):
 * - mma.sync rows (v5-v7): the three pipelines are within about 3 % of each other once the P V loop overlaps
 *   its tiles, because the warps stall on their own dependency chains. At D = 128, Q in shared memory frees
 *   16 registers and was 2-7 % faster; more warps per CTA were 2-12 % slower.
 * - wgmma rows (v8, sm_90a only): at D = 128, two consumer warpgroups were 10-15 % faster than the best
 *   mma.sync row in every configuration, and three (P V in two parts, 152 registers) another 3-11 % in
 *   all but one (run 12); at D = 64, three were within -4 % / +7 % of the mma.sync default (faster without
 *   a causal mask, slower with it).
 * - one-warpgroup wgmma rows (v13): at D = 128, three CTAs per SM were 10-16 % faster than three warpgroups
 *   under a producer with the exact softmax and 3-5 % with SAS; at D = 64, four CTAs per SM 5-9 % (exact) and
 *   0-3 % (SAS) faster than the best mma.sync row.
 * - (v20) at D = 128, four CTAs per SM (128 registers: no look-ahead S tile, two stages) were 6-8 % faster than
 *   three at N >= 4k, exact and SAS; at D = 64, five CTAs per SM (96 registers) were within -2 / +2 % of four.
 *   The first row of each head dim is its default. */
static const prefill_variant prefill_variants[] = {
    PREFILL_WG_SOLO(64, 4, 4),
    PREFILL_VARIANT(64, 4, 4, 3, PIPE_BULK, 1),  PREFILL_VARIANT(64, 4, 4, 3, PIPE_ALL, 0),
    PREFILL_VARIANT(64, 4, 3, 4, PIPE_PRODUCER, 0), PREFILL_VARIANT(64, 4, 4, 3, PIPE_BULK, 0),
    PREFILL_WG(64, 12, 1, 4),
    PREFILL_WG_SOLO(128, 4, 2), PREFILL_WG_SOLO(128, 3, 3), PREFILL_WG(128, 12, 1, 4), PREFILL_WG(128, 8, 1, 4),
    PREFILL_VARIANT(128, 6, 2, 3, PIPE_BULK, 1), PREFILL_VARIANT(128, 6, 2, 3, PIPE_BULK, 0),
    PREFILL_VARIANT(128, 6, 2, 3, PIPE_ALL, 0),  PREFILL_VARIANT(128, 11, 1, 3, PIPE_PRODUCER, 0),
    PREFILL_VARIANT(128, 8, 1, 4, PIPE_BULK, 0),
    PREFILL_VARIANT(256, 8, 1, 2, PIPE_BULK, 0), PREFILL_VARIANT(256, 8, 1, 2, PIPE_ALL, 0),
};

/* wgmma rows run only where the sm_90a code does: compute capability 9.0 (asked once per device). */
static int device_has_wgmma(int device)
{
    static int known[TA_MAX_DEVICES]; /* 0 unknown, 1 no, 2 yes */
    if (!known[device]) {
        int major = 0, minor = 0;
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
        cudaGetLastError();
        known[device] = major == 9 && minor == 0 ? 2 : 1;
    }
    return known[device] == 2;
}

static const prefill_variant *variant_for(int64_t D, int wgmma)
{
    const char *want = getenv("TURBOATTN_PREFILL_VARIANT");
    int index = want ? atoi(want) : 0, seen = 0;
    const prefill_variant *first = NULL;
    for (size_t i = 0; i < sizeof prefill_variants / sizeof prefill_variants[0]; i++) {
        const prefill_variant *v = &prefill_variants[i];
        if (D > v->d_pad || (first && v->d_pad != first->d_pad) || (v->mma == MMA_WG && !wgmma)) continue;
        if (!first) first = v;
        if (seen++ == index) return v;
    }
    return first;
}

/* ---- scratch: the pre-pass operands, one grow-only device block per GPU ------------------------------ */

#define MAX_DEVICES 64
static struct {
    void *base;
    size_t bytes;
    int *host_flags;     /* mapped host memory, bad_host of ta_prefill_operands (4 ints) */
    cudaEvent_t prepass; /* recorded after the pre-pass: the host waits for this, not for the attention kernel */
    int epoch;           /* the last call's flag value (quant.cuh) */
} scratch[MAX_DEVICES];
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t round256(size_t n) { return (n + 255) & ~(size_t)255; }

/* Carves dst's arrays out of the device's scratch, growing it if needed. Caller holds scratch_lock. */
static int scratch_operands(int device, int64_t B, int64_t Hq, int64_t Hkv, ta_prefill_operands *dst)
{
    size_t qc = round256((size_t)(B * Hq * dst->nq_pad * dst->d_pad));
    size_t kc = round256((size_t)(B * Hkv * dst->nk_pad * dst->d_pad));
    size_t qs = round256(sizeof(float) * (size_t)(B * Hq * (dst->nq_pad / KEYS)));
    size_t kvs = round256(sizeof(float) * (size_t)(B * Hkv * (dst->nk_pad / KEYS)));
    size_t need = qc + 2 * kc + qs + 2 * kvs + 256;
    if (!scratch[device].host_flags) {
        void *flags = NULL;
        cudaError_t err = cudaHostAlloc(&flags, 4 * sizeof(int), cudaHostAllocMapped | cudaHostAllocPortable);
        if (err == cudaSuccess) memset(flags, 0, 4 * sizeof(int));
        if (err == cudaSuccess) err = cudaEventCreateWithFlags(&scratch[device].prepass, cudaEventDisableTiming);
        if (err != cudaSuccess) {
            if (flags) cudaFreeHost(flags);
            cudaGetLastError();
            ta_set_error("could not set up the CUDA NaN/Inf flags: %s", cudaGetErrorString(err));
            return err == cudaErrorMemoryAllocation ? TA_ERR_NOMEM : TA_ERR_CUDA;
        }
        scratch[device].host_flags = (int *)flags;
    }
    if (scratch[device].bytes < need) {
        if (scratch[device].base) TA_CUDA_TRY(cudaFree(scratch[device].base)); /* synchronises: no user left */
        scratch[device].base = NULL;
        scratch[device].bytes = 0;
        cudaError_t err = cudaMalloc(&scratch[device].base, need);
        if (err != cudaSuccess) {
            cudaGetLastError(); /* clear the sticky-free allocation error */
            ta_set_error("could not allocate %zu bytes of CUDA scratch for the INT8 operands: %s", need,
                         cudaGetErrorString(err));
            return TA_ERR_NOMEM;
        }
        scratch[device].bytes = need;
        scratch[device].epoch = 0; /* fresh flags: cleared below */
    }
    /* The flags sit at the start of the block, where they stay while its size changes with the shapes. A new
     * epoch per call; fresh flags, or the counter's wrap, clear both copies first. */
    int *device_flags = (int *)scratch[device].base;
    if (scratch[device].epoch == INT32_MAX) scratch[device].epoch = 0;
    if (++scratch[device].epoch == 1) {
        TA_CUDA_TRY(cudaMemset(device_flags, 0, 4 * sizeof(int)));
        memset(scratch[device].host_flags, 0, 4 * sizeof(int));
    }
    uint8_t *p = (uint8_t *)scratch[device].base + 256;
    dst->q_codes = (int8_t *)p, p += qc;
    dst->k_codes = (int8_t *)p, p += kc;
    dst->vt_codes = (int8_t *)p, p += kc;
    dst->q_scale = (float *)p, p += qs;
    dst->k_scale = (float *)p, p += kvs;
    dst->v_scale = (float *)p, p += kvs;
    dst->bad_input = device_flags;
    dst->bad_host = scratch[device].host_flags; /* portable mapped memory: its own address on the device (UVA) */
    dst->epoch = scratch[device].epoch;
    return TA_OK;
}

/* ---- launcher ------------------------------------------------------------------------------------------ */

static int check_view(const ta_view4 *x, const char *name, int device_id)
{
    if (x->device != TA_CUDA || x->device_id != device_id) {
        ta_set_error("%s must be on CUDA device %d like q (got %s device %d)", name, device_id,
                     x->device == TA_CUDA ? "CUDA" : "CPU", x->device_id);
        return TA_ERR_INVALID;
    }
    for (int i = 0; i < 4; i++)
        if (x->shape[i] <= 0) {
            ta_set_error("%s must not be empty (dimension %d has size %lld)", name, i, (long long)x->shape[i]);
            return TA_ERR_INVALID;
        }
    return TA_OK;
}

static int check_problem(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                         const ta_view4 *out)
{
    int status = check_view(q, "q", q->device_id);
    if (status == TA_OK) status = check_view(k, "k", q->device_id);
    if (status == TA_OK) status = check_view(v, "v", q->device_id);
    if (status == TA_OK) status = check_view(out, "out", q->device_id);
    if (status != TA_OK) return status;
    int64_t D = q->shape[3];
    if (D % 16 != 0 || D > 256) {
        ta_set_error("q head dim must be a multiple of 16 up to 256 on CUDA (got %lld)", (long long)D);
        return TA_ERR_INVALID;
    }
    for (int i = 0; i < 4; i++) {
        if (k->shape[i] != v->shape[i]) {
            ta_set_error("v must have the same shape as k (dimension %d: got %lld, expected %lld)", i,
                         (long long)v->shape[i], (long long)k->shape[i]);
            return TA_ERR_INVALID;
        }
        if (out->shape[i] != q->shape[i]) {
            ta_set_error("out must have the same shape as q (dimension %d: got %lld, expected %lld)", i,
                         (long long)out->shape[i], (long long)q->shape[i]);
            return TA_ERR_INVALID;
        }
    }
    if (k->shape[0] != q->shape[0] || k->shape[3] != D) {
        ta_set_error("k must have q's batch and head dim (got [%lld, ., ., %lld], expected [%lld, ., ., %lld])",
                     (long long)k->shape[0], (long long)k->shape[3], (long long)q->shape[0], (long long)D);
        return TA_ERR_INVALID;
    }
    if (q->shape[1] % k->shape[1] != 0) {
        ta_set_error("q heads must be a multiple of k heads (got %lld and %lld)", (long long)q->shape[1],
                     (long long)k->shape[1]);
        return TA_ERR_INVALID;
    }
    if (p->block_q != TA_BQ || p->block_k != TA_BK) {
        ta_set_error("block_q and block_k must be %d on CUDA (got %d and %d)", TA_BK, p->block_q, p->block_k);
        return TA_ERR_INVALID;
    }
    if (p->qk_scale_token || p->k_smooth || p->qk_equalize) {
        ta_set_error("qk_scale=\"token\", k_smooth and qk_equalize are CPU-only for now");
        return TA_ERR_INVALID;
    }
    if (p->sas_threshold < 0 || p->sas_threshold > TA_SAS_T_MAX) {
        ta_set_error("sas_threshold must be in [0, %d] (got %d)", TA_SAS_T_MAX, p->sas_threshold);
        return TA_ERR_INVALID;
    }
    /* Sequence indices are ints in the kernel, and the grid's y dimension counts 64-row tiles. */
    if (q->shape[2] > MAX_SEQ || k->shape[2] > MAX_SEQ) {
        ta_set_error("%s has too many rows for the CUDA prefill kernel (%lld, at most %d)",
                     q->shape[2] > MAX_SEQ ? "q" : "k", (long long)(q->shape[2] > MAX_SEQ ? q->shape[2] : k->shape[2]),
                     MAX_SEQ);
        return TA_ERR_INVALID;
    }
    return TA_OK;
}

/* Heads per group of the tile-major grid (grid_tile). Without a mask every tile takes as long, and one head at a
 * time keeps the fewest K and V bytes live in L2. With one, tiles run from 1 to n_qtiles key blocks: a grid that
 * ends with a head's longest tiles idles most SMs while they finish (a list-schedule model of the 4k causal
 * benchmark put it at 2 % of the kernel; groups measured -0.4 % there, -1 % at 16k, -2.5 % at D = 64). Groups hold the K and V codes of at most L2_GROUP_BYTES, a sixth of an H100's
 * L2, so the group's heads still read them from L2. TURBOATTN_PREFILL_HEAD_GROUP=n sets it (tests, benchmarks). */
#define L2_GROUP_BYTES (8 << 20)
static int head_group_for(int causal, int64_t n_heads, int64_t q_per_kv, int64_t kv_head_codes)
{
    const char *env = getenv("TURBOATTN_PREFILL_HEAD_GROUP"); /* per call, as the other knobs: tests set it */
    int64_t group = env ? atoll(env) : !causal ? 1 : L2_GROUP_BYTES / (2 * kv_head_codes) * q_per_kv;
    return (int)(group < 1 ? 1 : group > n_heads ? n_heads : group);
}

static int run_prefill(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                       const ta_view4 *out, float *lse)
{
    const prefill_variant *var = variant_for(q->shape[3], device_has_wgmma(q->device_id));
    int64_t B = q->shape[0], Hq = q->shape[1], Hkv = k->shape[1], Nq = q->shape[2], Nk = k->shape[2];
    ta_prefill_operands ops;
    ops.d_pad = var->d_pad;
    ops.nq_pad = (Nq + KEYS - 1) / KEYS * KEYS;
    ops.nk_pad = (Nk + KEYS - 1) / KEYS * KEYS;
    int status = scratch_operands(q->device_id, B, Hq, Hkv, &ops);
    if (status != TA_OK) return status;
    status = ta_prefill_quantize_cuda(q, k, v, &ops);
    if (status != TA_OK) return status;
    TA_CUDA_TRY(cudaEventRecord(scratch[q->device_id].prepass, 0));

    prefill_args a;
    a.q_codes = ops.q_codes, a.k_codes = ops.k_codes, a.vt_codes = ops.vt_codes;
    a.q_scale = ops.q_scale, a.k_scale = ops.k_scale, a.v_scale = ops.v_scale;
    a.out = out->data;
    a.out_dtype = (int)out->dtype;
    for (int i = 0; i < 4; i++) a.out_stride[i] = out->stride[i];
    a.lse = lse;
    a.bad = ops.bad_input, a.epoch = ops.epoch;
    a.Hq = (int)Hq, a.group = (int)(Hq / Hkv);
    a.Nq = Nq, a.Nk = Nk, a.nq_pad = ops.nq_pad, a.nk_pad = ops.nk_pad, a.diag = Nk - Nq;
    a.D = (int)q->shape[3];
    a.nqb = (int)(ops.nq_pad / KEYS), a.nkb = (int)(ops.nk_pad / KEYS);
    int rows = var->warps * 16;
    a.n_qtiles = (int)((Nq + rows - 1) / rows);
    a.causal = p->causal != 0, a.p_fixed = p->p_scale_fixed != 0, a.threshold = p->sas_threshold;
    a.score_scale = p->sm_scale * TA_LOG2E;

    /* The paired SAS kernels for thresholds 1 to 12: their codes scale inv by 2^-n (sas_code_pair_w), and their
     * reference, raised by |m_new| 2^-23, puts each row's maximum at nt just above 0, which threshold 0 would drop
     * (C keeps exactly nt = 0 there, and nothing else). */
    const int paired = p->sas_threshold >= 1 && p->sas_threshold <= SAS_CODE_PAIR_T_MAX;
    int kind = p->softmax_exact ? EXP2_EXACT : (paired ? EXP2_SAS_FAST : EXP2_SAS);
    prefill_fn fn = var->fn[kind];
    int smem = PREFILL_SMEM_ALIGN +
               (var->q_smem ? prefill_q_offset(var->stages * 2 * KEYS * var->d_pad, var->stages) + var->warps * 16 * var->d_pad
                            : var->stages * (2 * KEYS * var->d_pad + (var->pipe != PIPE_ALL ? 2 * (int)sizeof(uint64_t) : 0)));
    TA_CUDA_TRY(cudaFuncSetAttribute((const void *)fn, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    a.tile_major = var->tile_major && B * Hq * a.n_qtiles < ((int64_t)1 << 31);
    a.n_heads = (int)(B * Hq);
    a.head_group = head_group_for(a.causal, B * Hq, Hq / Hkv, ops.nk_pad * var->d_pad);
    a.out_rows16 = (out->dtype == TA_F16 || out->dtype == TA_BF16) && a.D == var->d_pad && out->stride[3] == 1 &&
                   out->stride[0] % 8 == 0 && out->stride[1] % 8 == 0 && out->stride[2] % 8 == 0 &&
                   (uintptr_t)out->data % 16 == 0;
    dim3 grid = a.tile_major ? dim3((unsigned)(B * Hq * a.n_qtiles)) : dim3((unsigned)(B * Hq), (unsigned)a.n_qtiles);

    fn<<<grid, (var->warps + prefill_producer_warps(var->pipe, var->mma)) * 32, smem>>>(a);
    TA_CUDA_TRY(cudaGetLastError());

    /* The only synchronisation: a NaN/Inf becomes a ValueError before the call returns. The host waits for the
     * pre-pass only, the attention kernel is queued behind it (the GPU idles for neither the host nor a copy),
     * and that kernel checks the same flags before it writes, so a bad input leaves out and lse untouched. */
    TA_CUDA_TRY(cudaEventSynchronize(scratch[q->device_id].prepass));
    const volatile int *bad = ops.bad_host;
    const char *names[3] = {"q", "k", "v"};
    for (int i = 0; i < 3; i++)
        if (bad[i] == ops.epoch) {
            ta_set_error("%s contains NaN, Inf or values beyond 2^48; " TA_INPUT_RANGE_TEXT, names[i]);
            return TA_ERR_INVALID;
        }
    return TA_OK;
}

/* Declared in attn.h (under TA_WITH_CUDA, which only the C side defines), hence the explicit linkage. */
extern "C" int ta_attention_cuda(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                                 const ta_view4 *out, float *lse)
{
    int status = check_problem(p, q, k, v, out);
    if (status != TA_OK) return status;
    if (q->device_id < 0 || q->device_id >= MAX_DEVICES) {
        ta_set_error("CUDA device %d is beyond the %d this build supports", q->device_id, MAX_DEVICES);
        return TA_ERR_INVALID;
    }
    int previous = 0;
    ta_cuda_clear_stale_error();
    TA_CUDA_TRY(cudaGetDevice(&previous));
    TA_CUDA_TRY(cudaSetDevice(q->device_id));
    pthread_mutex_lock(&scratch_lock); /* one scratch per device; launches on stream 0 are ordered anyway */
    status = run_prefill(p, q, k, v, out, lse);
    pthread_mutex_unlock(&scratch_lock);
    cudaSetDevice(previous);
    return status;
}

/* ---- device info and the SAS test hook ------------------------------------------------------------------ */

int ta_cuda_device_info(int device, int *count, char *name, int name_len, int *major, int *minor)
{
    *count = 0;
    if (name_len > 0) name[0] = 0;
    *major = *minor = 0;
    if (cudaGetDeviceCount(count) != cudaSuccess) {
        cudaGetLastError();
        *count = 0;
        return TA_OK;
    }
    cudaDeviceProp prop;
    if (device >= 0 && device < *count && cudaGetDeviceProperties(&prop, device) == cudaSuccess) {
        if (name_len > 0) {
            strncpy(name, prop.name, (size_t)name_len - 1);
            name[name_len - 1] = 0;
        }
        *major = prop.major;
        *minor = prop.minor;
    }
    cudaGetLastError();
    return TA_OK;
}

__global__ void sas_check_kernel(const float *t, int64_t n, int threshold, float inv, float *fast, float *reference)
{
    int64_t i = 2 * ((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    if (i >= n) return;
    float t0 = t[i], t1 = i + 1 < n ? t[i + 1] : 0.0f, nt0 = __fsub_rn(0.0f, t0), nt1 = __fsub_rn(0.0f, t1);
    float f[2], r[2];
    if (inv > 0.0f) {
        /* The codes' argument is w = T + t, and their reference SAS EXP2 of t = w - T: the same t wherever T + t is
         * exact (all but |t| far below 1), and their own either way. */
        const float T = (float)threshold, w0 = __fadd_rn(T, t0), w1 = __fadd_rn(T, t1);
        r[0] = ta_sas_exp2(__fsub_rn(w0, T), threshold), r[1] = ta_sas_exp2(__fsub_rn(w1, T), threshold);
        uint32_t codes = sas_code_pair_w(w0, w1, inv * __int_as_float((127 - threshold) << 23));
        f[0] = (float)(codes & 0xFF), f[1] = (float)(codes >> 8 & 0xFF);
        r[0] = (float)(__float_as_uint(fmaf(r[0], inv, TA_MAGIC_F)) & 0xFF);
        r[1] = (float)(__float_as_uint(fmaf(r[1], inv, TA_MAGIC_F)) & 0xFF);
    } else {
        r[0] = ta_sas_exp2(t0, threshold), r[1] = ta_sas_exp2(t1, threshold);
        float2 e = __half22float2(sas_exp2_neg_pair(nt0, nt1, (float)threshold));
        f[0] = e.x, f[1] = e.y;
    }
    fast[i] = f[0], reference[i] = r[0];
    if (i + 1 < n) fast[i + 1] = f[1], reference[i + 1] = r[1];
}

int ta_cuda_sas_exp2_check(const float *t, int64_t n, int threshold, float inv, float *fast, float *reference)
{
    int t_max = inv > 0.0f ? SAS_CODE_PAIR_T_MAX : 14;
    if (threshold < 0 || threshold > t_max) {
        ta_set_error("threshold must be in [0, %d] for the paired SAS path (got %d)", t_max, threshold);
        return TA_ERR_INVALID;
    }
    if (n <= 0) return TA_OK;
    float *buf = NULL;
    size_t bytes = sizeof(float) * (size_t)n;
    TA_CUDA_TRY(cudaMalloc((void **)&buf, 3 * bytes));
    cudaError_t err = cudaMemcpy(buf, t, bytes, cudaMemcpyHostToDevice);
    if (err == cudaSuccess) {
        int64_t pairs = (n + 1) / 2;
        sas_check_kernel<<<(unsigned)((pairs + 255) / 256), 256>>>(buf, n, threshold, inv, buf + n, buf + 2 * n);
        err = cudaGetLastError();
    }
    if (err == cudaSuccess) err = cudaMemcpy(fast, buf + n, bytes, cudaMemcpyDeviceToHost);
    if (err == cudaSuccess) err = cudaMemcpy(reference, buf + 2 * n, bytes, cudaMemcpyDeviceToHost);
    cudaFree(buf);
    if (err != cudaSuccess) {
        ta_set_error("CUDA error in the SAS check: %s", cudaGetErrorString(err));
        return TA_ERR_CUDA;
    }
    return TA_OK;
}
