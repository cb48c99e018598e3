/* SPEC sections 2-3 on the GPU: attention on INT8 codes, online softmax, uint8 P, INT8 tensor cores.
 *
 * One CTA owns 16 query rows per warp of one (batch, head) (4 to 8 warps). It streams 64-key blocks of K and
 * V^T codes (written by quant.cu's pre-pass) through shared memory with cp.async, STAGES deep. Per block
 * and warp: S = Q K^T with mma m16n8k32 s8.s8 (Q fragments stay in registers), the row max across each
 * quad by shuffles, P~ by SAS EXP2 on half2 pairs, p8 against the row's block maximum, then P V with
 * mma u8.s8 into a fresh int32 tile that is folded into the float accumulator with the block's scale.
 *
 * Cost model (why the element-wise code looks the way it does): with INT8 mma the per-element work, not
 * the tensor cores, bounds the kernel. I2F/F2I and FRND run at 1/8 of the FP32 rate, so integers become
 * floats through the mantissa trick of cuda_common.cuh (mma accumulators start at TA_MAGIC_BITS), floor
 * is a round-down add of 2^23, and p8 is rounded by adding 1.5 * 2^23. Every rounding that the C path
 * performs (docs/DESIGN.md, "Float evaluation order") is written with __fmul_rn/__fadd_rn so that the
 * compiler cannot contract it into an FMA; the two accumulator updates are the only places that differ
 * from C, and only in rounding.
 *
 * The launcher picks a kernel from a table by padded head dim (64, 128, 256; other multiples of 16 are
 * zero-padded by the pre-pass) and EXP2 flavour, so a later wgmma kernel can slot into the same table. */
#include "attn_prefill.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "cuda_common.cuh"
#include "quant.cuh"
#include "sas.h"
#include "ta_consts.h"

#define KEYS TA_BK /* keys per block: the K/V quantization block */
#define MAX_SEQ (1 << 22)

enum { EXP2_SAS_FAST = 0, EXP2_SAS = 1, EXP2_EXACT = 2, EXP2_KINDS = 3 };

typedef struct {
    const int8_t *q_codes, *k_codes, *vt_codes;
    const float *q_scale, *k_scale, *v_scale;
    void *out;
    int out_dtype;
    int64_t out_stride[4];
    float *lse;
    int Hq, group;                         /* group = Hq / Hkv */
    int64_t Nq, Nk, nq_pad, nk_pad, diag;  /* diag = Nk - Nq: bottom-right causal alignment */
    int D;                                 /* real head dim (the kernel's is the padded one) */
    int nqb, nkb;                          /* scale blocks per (batch, head) of q and of k / v */
    int n_qtiles;
    int causal, p_fixed, threshold;
    float score_scale;                     /* sm_scale * log2e, formed once in float32 as on the CPU */
} prefill_args;

/* ---- SAS EXP2 on a pair, bit-identical to sas.h's ta_sas_exp2 ------------------------------------- */

/* 2^-nt for two nt = m - S >= 0 (+inf allowed), for thresholds <= 14 (2^-n is then a normal float16
 * whose bits are (15 - n) << 10). Same float operations as sas.h for n and f (floorf(nt) == round-down
 * add of 2^23, minus 2^23; f = nt - n), the same float16 constants and Horner FMAs, and the same float16
 * product with 2^-n. A sparse value (nt > threshold) becomes nt = 15: f = 0 and 2^-15 encodes as the
 * bits 0, so the product is +0 without a branch. */
__device__ __forceinline__ __half2 sas_exp2_neg_pair(float nt0, float nt1, float threshold)
{
    nt0 = nt0 > threshold ? 15.0f : nt0;
    nt1 = nt1 > threshold ? 15.0f : nt1;
    float x0 = __fadd_rd(nt0, 8388608.0f), x1 = __fadd_rd(nt1, 8388608.0f); /* 2^23 + floor(nt) */
    float f0 = __fsub_rn(nt0, __fsub_rn(x0, 8388608.0f)), f1 = __fsub_rn(nt1, __fsub_rn(x1, 8388608.0f));
    __half2 f = __floats2half2_rn(f0, f1);
    __half2 p = __hfma2(f, __float2half2_rn((float)TA_SAS_C3), __float2half2_rn((float)TA_SAS_C2));
    p = __hfma2(f, p, __float2half2_rn((float)TA_SAS_C1));
    p = __hfma2(f, p, __float2half2_rn(1.0f));
    uint32_t n01 = __byte_perm(__float_as_uint(x0), __float_as_uint(x1), 0x5410); /* n0 | n1 << 16 */
    uint32_t pow2 = (0x000F000Fu - n01) << 10;
    return __hmul2(p, *(__half2 *)&pow2);
}

template <int EXP2> __device__ __forceinline__ float exp2_of(float t, int threshold)
{
    return EXP2 == EXP2_EXACT ? exp2f(t) : ta_sas_exp2(t, threshold);
}

/* P~ for two scores of one row against m (the row's running max, finite). */
template <int EXP2>
__device__ __forceinline__ float2 p_pair(float s0, float s1, float m, int threshold, float threshold_f)
{
    if (EXP2 == EXP2_SAS_FAST) return __half22float2(sas_exp2_neg_pair(__fsub_rn(m, s0), __fsub_rn(m, s1), threshold_f));
    return make_float2(exp2_of<EXP2>(__fsub_rn(s0, m), threshold), exp2_of<EXP2>(__fsub_rn(s1, m), threshold));
}

/* p8 = min(255, rint(p * inv)) in the low byte of the returned word (the rest is the magic).
 * Fast SAS path: no clamp and one FFMA. The clamp is dead there: over every float16 value of f and every
 * n <= 14, SAS EXP2 of a later (smaller) argument exceeds an earlier one by at most a factor 1.0019455
 * (checked exhaustively), so p * inv <= 255 * 1.0019455 * (1 + 2^-23) < 255.5; in p_scale="fixed" mode
 * p <= 1. The FFMA rounds p * inv + 1.5 * 2^23 once where C rounds the product and then to an integer;
 * the two differ only when the float product lies within 2^-17 of a half-integer (about 1 code in 10^5,
 * by one). Other paths keep the C sequence exactly. */
template <int EXP2> __device__ __forceinline__ uint32_t p_code(float p, float inv)
{
    if (EXP2 == EXP2_SAS_FAST) return __float_as_uint(fmaf(p, inv, TA_MAGIC_F));
    return __float_as_uint(__fadd_rn(fminf(__fmul_rn(p, inv), (float)TA_P_MAX), TA_MAGIC_F));
}

/* ---- shared-memory tiles --------------------------------------------------------------------------- */

/* K tile: 64 key rows of D bytes; V^T tile: D channel rows of 64 bytes. 16-byte chunks are XOR-swizzled
 * by row so that the 8 row addresses of one ldmatrix phase hit 8 different bank groups. */
template <int D> __device__ __forceinline__ int k_chunk(int row, int chunk)
{
    return (D / 16 >= 8) ? (chunk ^ (row & 7)) : (chunk ^ ((row >> 1) & 3));
}
__device__ __forceinline__ int vt_chunk(int row, int chunk) { return chunk ^ ((row >> 1) & 3); }

/* Each thread copies the same chunks of every key block, so its offsets are computed once (-1: none, when
 * the thread count does not divide the chunk count). */
template <int D, int THREADS> struct block_copy {
    static constexpr int K_TOTAL = KEYS * D / 16, V_TOTAL = D * 4;
    static constexpr int K_CHUNKS = (K_TOTAL + THREADS - 1) / THREADS, V_CHUNKS = (V_TOTAL + THREADS - 1) / THREADS;
    int k_smem[K_CHUNKS], k_gmem[K_CHUNKS], v_smem[V_CHUNKS], v_gmem[V_CHUNKS];

    __device__ __forceinline__ void init(int64_t nk_pad)
    {
#pragma unroll
        for (int c = 0; c < K_CHUNKS; c++) {
            int i = threadIdx.x + c * THREADS, r = i / (D / 16), ch = i % (D / 16);
            k_smem[c] = i < K_TOTAL ? r * D + k_chunk<D>(r, ch) * 16 : -1;
            k_gmem[c] = r * D + ch * 16;
        }
#pragma unroll
        for (int c = 0; c < V_CHUNKS; c++) {
            int i = threadIdx.x + c * THREADS, r = i >> 2, ch = i & 3;
            v_smem[c] = i < V_TOTAL ? KEYS * D + r * KEYS + vt_chunk(r, ch) * 16 : -1;
            v_gmem[c] = (int)(r * nk_pad) + ch * 16; /* launcher guarantees D * nk_pad < 2^31 */
        }
    }
    __device__ __forceinline__ void issue(uint8_t *stage, const int8_t *k_blk, const int8_t *vt_blk) const
    {
#pragma unroll
        for (int c = 0; c < K_CHUNKS; c++)
            if (K_CHUNKS * THREADS == K_TOTAL || k_smem[c] >= 0) ta_cp_async16(stage + k_smem[c], k_blk + k_gmem[c]);
#pragma unroll
        for (int c = 0; c < V_CHUNKS; c++)
            if (V_CHUNKS * THREADS == V_TOTAL || v_smem[c] >= 0) ta_cp_async16(stage + v_smem[c], vt_blk + v_gmem[c]);
    }
};

/* ---- the kernel ------------------------------------------------------------------------------------ */

template <int D, int WARPS, int MIN_BLOCKS, int STAGES, int EXP2>
__global__ void __launch_bounds__(WARPS * 32, MIN_BLOCKS) prefill_kernel(const prefill_args a)
{
    extern __shared__ __align__(128) uint8_t smem[];
    constexpr int THREADS = WARPS * 32, ROWS = WARPS * 16;
    constexpr int KSTEPS = D / 32, DTILES = D / 8, STAGE_BYTES = 2 * KEYS * D;

    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int64_t bh = blockIdx.x, b = bh / a.Hq;
    const int h = (int)(bh % a.Hq);
    const int64_t bhk = b * (a.Hq / a.group) + h / a.group;
    /* Row indices within the sequence fit in int: the launcher refuses N >= 2^30. */
    const int q0 = (a.n_qtiles - 1 - (int)blockIdx.y) * ROWS; /* longest causal tiles first */
    const int wrow0 = q0 + warp * 16, row_a = wrow0 + g, row_b = row_a + 8;
    const int Nq = (int)a.Nq, Nk = (int)a.Nk, diag = (int)a.diag;
    const bool warp_live = wrow0 < Nq;
    const int warp_last_row = min(wrow0 + 15, Nq - 1);

    int n_kb = a.nkb;
    if (a.causal) {
        int last_key = min(q0 + ROWS, Nq) - 1 + diag;
        n_kb = last_key < 0 ? 0 : min(n_kb, last_key / KEYS + 1);
    }
    const int8_t *k_base = a.k_codes + bhk * a.nk_pad * D;
    const int8_t *vt_base = a.vt_codes + bhk * D * a.nk_pad;
    block_copy<D, THREADS> copy;
    copy.init(a.nk_pad);

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < n_kb) copy.issue(smem + s * STAGE_BYTES, k_base + (int64_t)s * KEYS * D, vt_base + s * KEYS);
        ta_cp_async_commit();
    }

    uint32_t qf[KSTEPS][4];
    {
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
    const float sq = warp_live ? a.q_scale[bh * a.nqb + wrow0 / KEYS] : 0.0f;
    const float threshold_f = (float)a.threshold;
    const float *k_scale = a.k_scale + bhk * a.nkb, *v_scale = a.v_scale + bhk * a.nkb;

    float m_a = -INFINITY, m_b = -INFINITY, l_a = 0.0f, l_b = 0.0f;
    float acc[DTILES][4];
#pragma unroll
    for (int dn = 0; dn < DTILES; dn++) acc[dn][0] = acc[dn][1] = acc[dn][2] = acc[dn][3] = 0.0f;

    /* One barrier per block: after it, block j has landed for every thread and every warp has finished
     * block j - 1, whose stage is then refilled with block j + STAGES - 1. */
    int stage = 0, load_stage = STAGES - 1;
    for (int j = 0; j < n_kb; j++) {
        ta_cp_async_wait<STAGES - 2>();
        __syncthreads();
        int next = j + STAGES - 1;
        if (next < n_kb)
            copy.issue(smem + load_stage * STAGE_BYTES, k_base + (int64_t)next * KEYS * D, vt_base + next * KEYS);
        ta_cp_async_commit();

        const int key0 = j * KEYS;
        if (warp_live && (!a.causal || key0 <= warp_last_row + diag)) {
            const uint8_t *ks_tile = smem + stage * STAGE_BYTES, *vs_tile = ks_tile + KEYS * D;

            /* S = Q K^T, accumulators biased by the magic so that they read back as floats. */
            int32_t sacc[8][4];
#pragma unroll
            for (int nt = 0; nt < 8; nt++) {
                int r = nt * 8 + (lane & 7);
#pragma unroll
                for (int kp = 0; kp < KSTEPS / 2; kp++) {
                    uint32_t kb[4];
                    ta_ldmatrix_x4(kb, ta_smem_addr(ks_tile + r * D + k_chunk<D>(r, kp * 4 + (lane >> 3)) * 16));
                    if (kp == 0) ta_mma_s8s8_from(sacc[nt], qf[0], kb[0], kb[1], TA_MAGIC_BITS);
                    else ta_mma_s8s8(sacc[nt], qf[2 * kp], kb[0], kb[1]);
                    ta_mma_s8s8(sacc[nt], qf[2 * kp + 1], kb[2], kb[3]);
                }
            }

            const float sv = v_scale[j];
            const float qk_scale = __fmul_rn(__fmul_rn(sq, k_scale[j]), a.score_scale);
            float s[8][4];
#pragma unroll
            for (int nt = 0; nt < 8; nt++)
#pragma unroll
                for (int i = 0; i < 4; i++) s[nt][i] = __fmul_rn(ta_magic_to_float(sacc[nt][i]), qk_scale);

            /* Masks (causal diagonal, keys past Nk) only on the blocks that need them. Key column c of the
             * block is visible to a row when c <= that row's limit. */
            if (key0 + KEYS > Nk || (a.causal && key0 + KEYS - 1 > wrow0 + diag)) {
                int lim_a = Nk - 1 - key0, lim_b = lim_a;
                if (a.causal) {
                    lim_a = min(lim_a, row_a + diag - key0);
                    lim_b = min(lim_b, row_b + diag - key0);
                }
                lim_a -= 2 * t, lim_b -= 2 * t;
#pragma unroll
                for (int nt = 0; nt < 8; nt++)
#pragma unroll
                    for (int i = 0; i < 4; i++) {
                        int col = nt * 8 + (i & 1); /* minus 2t, folded into the limits */
                        if (col > (i < 2 ? lim_a : lim_b)) {
                            s[nt][i] = -INFINITY;
                            sacc[nt][i] = INT32_MIN;
                        }
                    }
            }

            /* Row max on the biased integers (order-preserving; DPX three-way max on sm_90), converted
             * once: (float)dot_max * qk_scale is max S exactly, as on the CPU. */
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

            /* Per-row block constants. A row that sees no key of this block ("dead") is left unchanged, as
             * on the CPU: alpha = 1, P = 0, and a zero PV scale so the accumulator update is exact. */
            float alpha[2], ps[2], inv[2], mref[2], pvs[2], p_max[2];
            bool dead[2] = {im_a == INT32_MIN, im_b == INT32_MIN};
            float mx[2] = {dead[0] ? -INFINITY : __fmul_rn(ta_magic_to_float(im_a), qk_scale),
                           dead[1] ? -INFINITY : __fmul_rn(ta_magic_to_float(im_b), qk_scale)};
            float m_old[2] = {m_a, m_b}, m_new[2];
#pragma unroll
            for (int r = 0; r < 2; r++) m_new[r] = mx[r] > m_old[r] ? mx[r] : m_old[r];
            if (EXP2 == EXP2_SAS_FAST) {
                /* A dead row that has seen no key yet would give -inf - -inf = NaN, and a NaN lane's n would
                 * borrow into the other lane of the pair; its results are overwritten below anyway. */
                float na[2], np[2];
#pragma unroll
                for (int r = 0; r < 2; r++) {
                    na[r] = dead[r] ? 0.0f : __fsub_rn(m_new[r], m_old[r]);
                    np[r] = dead[r] ? 0.0f : __fsub_rn(m_new[r], mx[r]);
                }
                float2 al = __half22float2(sas_exp2_neg_pair(na[0], na[1], threshold_f));
                float2 pm = __half22float2(sas_exp2_neg_pair(np[0], np[1], threshold_f));
                alpha[0] = al.x, alpha[1] = al.y, p_max[0] = pm.x, p_max[1] = pm.y;
            } else {
#pragma unroll
                for (int r = 0; r < 2; r++) {
                    alpha[r] = exp2_of<EXP2>(__fsub_rn(m_old[r], m_new[r]), a.threshold);
                    p_max[r] = exp2_of<EXP2>(__fsub_rn(mx[r], m_new[r]), a.threshold);
                }
            }
#pragma unroll
            for (int r = 0; r < 2; r++)
                if (dead[r]) alpha[r] = 1.0f, p_max[r] = 0.0f;
            if (a.p_fixed) {
                ps[0] = ps[1] = 1.0f / (float)TA_P_MAX;
                inv[0] = inv[1] = (float)TA_P_MAX;
            } else {
                /* ps = p_max / 255 and inv = 255 / p_max, exactly rounded as on the CPU, for both rows: the
                 * four lanes of the quad hold the same rows, so each divides once and they swap results.
                 * p_max == 0: the whole block is below the SAS threshold and contributes nothing. */
                float mine = t & 2 ? p_max[1] : p_max[0];
                float quotient = mine > 0.0f ? (t & 1 ? __fdiv_rn(mine, (float)TA_P_MAX) : __fdiv_rn((float)TA_P_MAX, mine))
                                             : 0.0f;
                int quad = lane & ~3;
                inv[0] = __shfl_sync(0xffffffffu, quotient, quad + 0);
                ps[0] = __shfl_sync(0xffffffffu, quotient, quad + 1);
                inv[1] = __shfl_sync(0xffffffffu, quotient, quad + 2);
                ps[1] = __shfl_sync(0xffffffffu, quotient, quad + 3);
            }
#pragma unroll
            for (int r = 0; r < 2; r++) {
                mref[r] = dead[r] ? 0.0f : m_new[r]; /* dead rows: every s is -inf, so every P~ is 0 */
                pvs[r] = dead[r] ? 0.0f : __fmul_rn(ps[r], sv);
            }
            if (!dead[0]) m_a = m_new[0];
            if (!dead[1]) m_b = m_new[1];

            /* P~ -> p8, packed straight into the A fragments of P V (see quant.cu's V^T key order). */
            uint32_t pw[8][2];
#pragma unroll
            for (int nt = 0; nt < 8; nt++) {
                float2 pa = p_pair<EXP2>(s[nt][0], s[nt][1], mref[0], a.threshold, threshold_f);
                float2 pb = p_pair<EXP2>(s[nt][2], s[nt][3], mref[1], a.threshold, threshold_f);
                pw[nt][0] = __byte_perm(p_code<EXP2>(pa.x, inv[0]), p_code<EXP2>(pa.y, inv[0]), 0x0040);
                pw[nt][1] = __byte_perm(p_code<EXP2>(pb.x, inv[1]), p_code<EXP2>(pb.y, inv[1]), 0x0040);
            }
            uint32_t pf[2][4];
            uint32_t sum_a = 0, sum_b = 0;
#pragma unroll
            for (int kk = 0; kk < 2; kk++) {
                pf[kk][0] = __byte_perm(pw[4 * kk][0], pw[4 * kk + 1][0], 0x5410);
                pf[kk][1] = __byte_perm(pw[4 * kk][1], pw[4 * kk + 1][1], 0x5410);
                pf[kk][2] = __byte_perm(pw[4 * kk + 2][0], pw[4 * kk + 3][0], 0x5410);
                pf[kk][3] = __byte_perm(pw[4 * kk + 2][1], pw[4 * kk + 3][1], 0x5410);
                sum_a = __dp4a(pf[kk][0], 0x01010101u, sum_a);
                sum_a = __dp4a(pf[kk][2], 0x01010101u, sum_a);
                sum_b = __dp4a(pf[kk][1], 0x01010101u, sum_b);
                sum_b = __dp4a(pf[kk][3], 0x01010101u, sum_b);
            }
            /* This lane's share of the row sum; the quad's shares are added once at the end. */
            l_a = __fadd_rn(__fmul_rn(alpha[0], l_a), __fmul_rn(ps[0], (float)sum_a));
            l_b = __fadd_rn(__fmul_rn(alpha[1], l_b), __fmul_rn(ps[1], (float)sum_b));

            /* acc = alpha * acc + dot * pvs with dot = biased - magic folded in: the exact product of the
             * FMA absorbs the bias, leaving two FFMA per element. */
            const float corr_a = __fmul_rn(TA_MAGIC_F, pvs[0]), corr_b = __fmul_rn(TA_MAGIC_F, pvs[1]);
#pragma unroll
            for (int dn = 0; dn < DTILES; dn++) {
                int r = dn * 8 + (lane & 7);
                uint32_t vb[4];
                ta_ldmatrix_x4(vb, ta_smem_addr(vs_tile + r * KEYS + vt_chunk(r, lane >> 3) * 16));
                int32_t pacc[4];
                ta_mma_u8s8_from(pacc, pf[0], vb[0], vb[1], TA_MAGIC_BITS);
                ta_mma_u8s8(pacc, pf[1], vb[2], vb[3]);
                acc[dn][0] = fmaf(__int_as_float(pacc[0]), pvs[0], fmaf(alpha[0], acc[dn][0], -corr_a));
                acc[dn][1] = fmaf(__int_as_float(pacc[1]), pvs[0], fmaf(alpha[0], acc[dn][1], -corr_a));
                acc[dn][2] = fmaf(__int_as_float(pacc[2]), pvs[1], fmaf(alpha[1], acc[dn][2], -corr_b));
                acc[dn][3] = fmaf(__int_as_float(pacc[3]), pvs[1], fmaf(alpha[1], acc[dn][3], -corr_b));
            }
        }
        stage = stage + 1 == STAGES ? 0 : stage + 1;
        load_stage = load_stage + 1 == STAGES ? 0 : load_stage + 1;
    }
    ta_cp_async_wait<0>();

    if (!warp_live) return;
#pragma unroll
    for (int o = 1; o <= 2; o <<= 1) {
        l_a += __shfl_xor_sync(0xffffffffu, l_a, o);
        l_b += __shfl_xor_sync(0xffffffffu, l_b, o);
    }
    float l_row[2] = {l_a, l_b}, m_row[2] = {m_a, m_b};
    int rows[2] = {row_a, row_b};
#pragma unroll
    for (int r = 0; r < 2; r++) {
        if (rows[r] >= Nq) continue;
        float l = l_row[r];
        if (a.lse && t == 0) a.lse[bh * a.Nq + rows[r]] = l > 0.0f ? (m_row[r] + log2f(l)) * TA_LN2 : -INFINITY;
        int64_t base = b * a.out_stride[0] + h * a.out_stride[1] + rows[r] * a.out_stride[2];
#pragma unroll
        for (int dn = 0; dn < DTILES; dn++)
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int col = dn * 8 + 2 * t + e;
                if (col >= a.D) continue;
                float o = l > 0.0f ? __fdiv_rn(acc[dn][2 * r + e], l) : 0.0f;
                int64_t off = base + col * a.out_stride[3];
                if (a.out_dtype == TA_F16) ((__half *)a.out)[off] = __float2half_rn(o);
                else if (a.out_dtype == TA_BF16) ((__nv_bfloat16 *)a.out)[off] = __float2bfloat16_rn(o);
                else ((float *)a.out)[off] = o;
            }
    }
}

/* ---- kernel table ----------------------------------------------------------------------------------- */

typedef void (*prefill_fn)(const prefill_args);

/* One row per (padded head dim, CTA shape). The launcher takes the first row whose d_pad fits, or, when
 * TURBOATTN_PREFILL_VARIANT=i is set (benchmarks), the i-th row of that head dim. */
typedef struct {
    int d_pad, warps, stages;
    prefill_fn fn[EXP2_KINDS];
} prefill_variant;

#define PREFILL_VARIANT(D, W, MINB, ST)                                                                    \
    {D, W, ST,                                                                                             \
     {prefill_kernel<D, W, MINB, ST, EXP2_SAS_FAST>, prefill_kernel<D, W, MINB, ST, EXP2_SAS>,            \
      prefill_kernel<D, W, MINB, ST, EXP2_EXACT>}}

/* Measured on an H100 at N = 4096 (benchmarks/NOTES-prefill.md): the kernel is latency-bound, so the
 * defaults are the shapes with the most resident warps that do not spill much: D = 64 with 4 warps x 4
 * CTAs per SM, D = 128 with 6 warps x 2 CTAs. The second row of each head dim is the earlier default. */
static const prefill_variant prefill_variants[] = {
    PREFILL_VARIANT(64, 4, 4, 3),  PREFILL_VARIANT(64, 8, 1, 3),
    PREFILL_VARIANT(128, 6, 2, 3), PREFILL_VARIANT(128, 8, 1, 3), PREFILL_VARIANT(128, 4, 2, 3),
    PREFILL_VARIANT(256, 8, 1, 2),
};

static const prefill_variant *variant_for(int64_t D)
{
    const char *want = getenv("TURBOATTN_PREFILL_VARIANT");
    int index = want ? atoi(want) : 0;
    const prefill_variant *first = NULL;
    for (size_t i = 0; i < sizeof prefill_variants / sizeof prefill_variants[0]; i++) {
        const prefill_variant *v = &prefill_variants[i];
        if (D > v->d_pad || (first && v->d_pad != first->d_pad)) continue;
        if (!first) first = v;
        if (v - first == index) return v;
    }
    return first;
}

/* ---- scratch: the pre-pass operands, one grow-only device block per GPU ------------------------------ */

#define MAX_DEVICES 64
static struct {
    void *base;
    size_t bytes;
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
    }
    uint8_t *p = (uint8_t *)scratch[device].base;
    dst->q_codes = (int8_t *)p, p += qc;
    dst->k_codes = (int8_t *)p, p += kc;
    dst->vt_codes = (int8_t *)p, p += kc;
    dst->q_scale = (float *)p, p += qs;
    dst->k_scale = (float *)p, p += kvs;
    dst->v_scale = (float *)p, p += kvs;
    dst->bad_input = (int *)p;
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

static int run_prefill(const ta_attn_params *p, const ta_view4 *q, const ta_view4 *k, const ta_view4 *v,
                       const ta_view4 *out, float *lse)
{
    const prefill_variant *var = variant_for(q->shape[3]);
    int64_t B = q->shape[0], Hq = q->shape[1], Hkv = k->shape[1], Nq = q->shape[2], Nk = k->shape[2];
    ta_prefill_operands ops;
    ops.d_pad = var->d_pad;
    ops.nq_pad = (Nq + KEYS - 1) / KEYS * KEYS;
    ops.nk_pad = (Nk + KEYS - 1) / KEYS * KEYS;
    int status = scratch_operands(q->device_id, B, Hq, Hkv, &ops);
    if (status != TA_OK) return status;
    status = ta_prefill_quantize_cuda(q, k, v, &ops);
    if (status != TA_OK) return status;

    /* The only synchronisation: a NaN/Inf must become a ValueError before the attention kernel runs. */
    int bad[3];
    TA_CUDA_TRY(cudaMemcpy(bad, ops.bad_input, sizeof bad, cudaMemcpyDeviceToHost));
    const char *names[3] = {"q", "k", "v"};
    for (int i = 0; i < 3; i++)
        if (bad[i]) {
            ta_set_error("%s contains NaN or Inf; inputs must be finite", names[i]);
            return TA_ERR_INVALID;
        }

    prefill_args a;
    a.q_codes = ops.q_codes, a.k_codes = ops.k_codes, a.vt_codes = ops.vt_codes;
    a.q_scale = ops.q_scale, a.k_scale = ops.k_scale, a.v_scale = ops.v_scale;
    a.out = out->data;
    a.out_dtype = (int)out->dtype;
    for (int i = 0; i < 4; i++) a.out_stride[i] = out->stride[i];
    a.lse = lse;
    a.Hq = (int)Hq, a.group = (int)(Hq / Hkv);
    a.Nq = Nq, a.Nk = Nk, a.nq_pad = ops.nq_pad, a.nk_pad = ops.nk_pad, a.diag = Nk - Nq;
    a.D = (int)q->shape[3];
    a.nqb = (int)(ops.nq_pad / KEYS), a.nkb = (int)(ops.nk_pad / KEYS);
    int rows = var->warps * 16;
    a.n_qtiles = (int)((Nq + rows - 1) / rows);
    a.causal = p->causal != 0, a.p_fixed = p->p_scale_fixed != 0, a.threshold = p->sas_threshold;
    a.score_scale = p->sm_scale * TA_LOG2E;

    int kind = p->softmax_exact ? EXP2_EXACT : (p->sas_threshold <= 14 ? EXP2_SAS_FAST : EXP2_SAS);
    prefill_fn fn = var->fn[kind];
    int smem = var->stages * 2 * KEYS * var->d_pad;
    TA_CUDA_TRY(cudaFuncSetAttribute((const void *)fn, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    dim3 grid((unsigned)(B * Hq), (unsigned)a.n_qtiles);
    fn<<<grid, var->warps * 32, smem>>>(a);
    TA_CUDA_TRY(cudaGetLastError());
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

__global__ void sas_check_kernel(const float *t, int64_t n, int threshold, float *fast, float *reference)
{
    int64_t i = 2 * ((int64_t)blockIdx.x * blockDim.x + threadIdx.x);
    if (i >= n) return;
    float t0 = t[i], t1 = i + 1 < n ? t[i + 1] : 0.0f;
    float2 f = __half22float2(sas_exp2_neg_pair(__fsub_rn(0.0f, t0), __fsub_rn(0.0f, t1), (float)threshold));
    fast[i] = f.x;
    reference[i] = ta_sas_exp2(t0, threshold);
    if (i + 1 < n) {
        fast[i + 1] = f.y;
        reference[i + 1] = ta_sas_exp2(t1, threshold);
    }
}

int ta_cuda_sas_exp2_check(const float *t, int64_t n, int threshold, float *fast, float *reference)
{
    if (threshold < 0 || threshold > 14) {
        ta_set_error("threshold must be in [0, 14] for the paired SAS path (got %d)", threshold);
        return TA_ERR_INVALID;
    }
    if (n <= 0) return TA_OK;
    float *buf = NULL;
    size_t bytes = sizeof(float) * (size_t)n;
    TA_CUDA_TRY(cudaMalloc((void **)&buf, 3 * bytes));
    cudaError_t err = cudaMemcpy(buf, t, bytes, cudaMemcpyHostToDevice);
    if (err == cudaSuccess) {
        int64_t pairs = (n + 1) / 2;
        sas_check_kernel<<<(unsigned)((pairs + 255) / 256), 256>>>(buf, n, threshold, buf + n, buf + 2 * n);
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
