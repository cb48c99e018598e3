/* uint8 x int8 -> int32 matrix products for the CPU attention (igemm.h): a portable loop and, where the CPU
 * has them, an AVX-512 VNNI kernel (vpdpbusd multiplies four uint8 by four int8 and adds them to an int32
 * lane, exactly the shape of both products attention needs) and an AVX2 kernel. Integer sums are exact,
 * so all give the same bits and the portable loop stays the definition. */
#include "igemm.h"

#include <string.h>

void ta_igemm_pack_b(const int8_t *m, int64_t ldm, int kdim_valid, int ncols_valid, int kdim, int ncols,
                     int8_t *b_pack)
{
    for (int k = 0; k < kdim; k++)
        for (int n = 0; n < ncols; n++) {
            int8_t x = (k < kdim_valid && n < ncols_valid) ? m[k * ldm + n] : 0;
            b_pack[(int64_t)(k / 4) * ncols * 4 + n * 4 + k % 4] = x;
        }
}

void ta_igemm_pack_b_transposed(const int8_t *m, int64_t ldm, int kdim_valid, int ncols_valid, int kdim, int ncols,
                                int8_t *b_pack)
{
    for (int n = 0; n < ncols; n++)
        for (int k = 0; k < kdim; k++) {
            int8_t x = (k < kdim_valid && n < ncols_valid) ? m[n * ldm + k] : 0;
            b_pack[(int64_t)(k / 4) * ncols * 4 + n * 4 + k % 4] = x;
        }
}

static void igemm_portable(const uint8_t *a, int64_t lda, int rows, const int8_t *b_pack, int ncols, int kdim,
                           int32_t *c, int64_t ldc)
{
    for (int r = 0; r < rows; r++) {
        int32_t *c_row = c + r * ldc;
        const uint8_t *a_row = a + r * lda;
        for (int n = 0; n < ncols; n++) c_row[n] = 0;
        for (int k4 = 0; k4 < kdim; k4 += 4) {
            const int8_t *b_group = b_pack + (int64_t)k4 * ncols; /* group k4/4 starts at k4/4 * ncols * 4 */
            int a0 = a_row[k4], a1 = a_row[k4 + 1], a2 = a_row[k4 + 2], a3 = a_row[k4 + 3];
            for (int n = 0; n < ncols; n++) {
                const int8_t *bn = b_group + 4 * n;
                c_row[n] += a0 * bn[0] + a1 * bn[1] + a2 * bn[2] + a3 * bn[3];
            }
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TA_HAVE_X86_KERNELS 1
#define TA_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* R rows x 16*NC columns held in R*NC zmm accumulators for the whole reduction; each group of four k
 * loads NC vectors of b once and broadcasts four bytes of each row of a. Called with constant R, NC so
 * the loops unroll and the accumulators stay in registers. */
TA_VNNI static inline __attribute__((always_inline)) void
vnni_tile(const uint8_t *a, int64_t lda, const int8_t *b_cols, int ncols, int kdim, int32_t *c, int64_t ldc,
          const int R, const int NC)
{
    __m512i acc[4][4];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NC; j++) acc[r][j] = _mm512_setzero_si512();
    for (int k4 = 0; k4 < kdim; k4 += 4) {
        const int8_t *b_group = b_cols + (int64_t)k4 * ncols;
        __m512i bv[4];
        for (int j = 0; j < NC; j++) bv[j] = _mm512_loadu_si512((const void *)(b_group + 64 * j));
        for (int r = 0; r < R; r++) {
            int32_t a4;
            memcpy(&a4, a + r * lda + k4, 4);
            __m512i av = _mm512_set1_epi32(a4);
            for (int j = 0; j < NC; j++) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], av, bv[j]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < NC; j++) _mm512_storeu_si512((void *)(c + r * ldc + 16 * j), acc[r][j]);
}

TA_VNNI static void igemm_vnni(const uint8_t *a, int64_t lda, int rows, const int8_t *b_pack, int ncols, int kdim,
                               int32_t *c, int64_t ldc)
{
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        int n = 0;
        for (; n + 64 <= ncols; n += 64) vnni_tile(a + r * lda, lda, b_pack + 4 * n, ncols, kdim, c + r * ldc + n, ldc, 4, 4);
        for (; n < ncols; n += 16) vnni_tile(a + r * lda, lda, b_pack + 4 * n, ncols, kdim, c + r * ldc + n, ldc, 4, 1);
    }
    for (; r < rows; r++) {
        int n = 0;
        for (; n + 64 <= ncols; n += 64) vnni_tile(a + r * lda, lda, b_pack + 4 * n, ncols, kdim, c + r * ldc + n, ldc, 1, 4);
        for (; n < ncols; n += 16) vnni_tile(a + r * lda, lda, b_pack + 4 * n, ncols, kdim, c + r * ldc + n, ldc, 1, 1);
    }
}

#define TA_AVX2 __attribute__((target("avx2")))

/* AVX2 has no exact uint8 x int8 dot (vpmaddubsw saturates at int16), so both operands are widened to
 * int16 and vpmaddwd forms pairs: one 256-bit product holds, for four columns, the partial sums
 * a0*b0 + a1*b1 and a2*b2 + a3*b3; the pairs are added once at the end. R rows (widened by the caller
 * into a16[R][kdim]) by 8 columns per call, accumulators in registers for the whole reduction. */
TA_AVX2 static inline __attribute__((always_inline)) void
avx2_tile(const int16_t *a16, int kdim, const int8_t *b_cols, int ncols, int32_t *c, int64_t ldc, const int R)
{
    __m256i acc[4][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int k4 = 0; k4 < kdim; k4 += 4) {
        const int8_t *b_group = b_cols + (int64_t)k4 * ncols;
        __m256i b_lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b_group));        /* columns 0-3 */
        __m256i b_hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b_group + 16))); /* columns 4-7 */
        for (int r = 0; r < R; r++) {
            long long a4;
            memcpy(&a4, a16 + r * kdim + k4, 8);
            __m256i av = _mm256_set1_epi64x(a4);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b_lo, av));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b_hi, av));
        }
    }
    for (int r = 0; r < R; r++) {
        /* hadd within 128-bit halves gives columns [0 1 4 5 | 2 3 6 7]; reorder the 64-bit pairs. */
        __m256i sums = _mm256_hadd_epi32(acc[r][0], acc[r][1]);
        _mm256_storeu_si256((__m256i *)(c + r * ldc), _mm256_permute4x64_epi64(sums, 0xD8));
    }
}

TA_AVX2 static void igemm_avx2(const uint8_t *a, int64_t lda, int rows, const int8_t *b_pack, int ncols, int kdim,
                               int32_t *c, int64_t ldc)
{
    int16_t a16[4 * 256]; /* kdim <= 256: head dim or key block */
    for (int r0 = 0; r0 < rows; r0 += 4) {
        int R = rows - r0 < 4 ? rows - r0 : 4;
        for (int r = 0; r < R; r++)
            for (int k = 0; k < kdim; k++) a16[r * kdim + k] = a[(r0 + r) * lda + k];
        for (int n = 0; n < ncols; n += 8) {
            int32_t *c_tile = c + r0 * ldc + n;
            const int8_t *b_cols = b_pack + 4 * n;
            switch (R) {
            case 4: avx2_tile(a16, kdim, b_cols, ncols, c_tile, ldc, 4); break;
            case 3: avx2_tile(a16, kdim, b_cols, ncols, c_tile, ldc, 3); break;
            case 2: avx2_tile(a16, kdim, b_cols, ncols, c_tile, ldc, 2); break;
            default: avx2_tile(a16, kdim, b_cols, ncols, c_tile, ldc, 1); break;
            }
        }
    }
}

static int cpu_simd_level(void)
{
    __builtin_cpu_init();
    /* dq and vl too: attn.c's AVX-512 loops are switched by the same level. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni"))
        return TA_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2")) return TA_SIMD_AVX2;
    return TA_SIMD_PORTABLE;
}
#else
#define TA_HAVE_X86_KERNELS 0
static int cpu_simd_level(void) { return TA_SIMD_PORTABLE; }
#endif

/* -1: not decided yet; decided once from the CPU, or by ta_igemm_set_simd. */
static int simd_level = -1;

int ta_igemm_simd_active(void)
{
    if (simd_level < 0) simd_level = cpu_simd_level();
    return simd_level;
}

int ta_igemm_set_simd(int level)
{
    int previous = ta_igemm_simd_active();
    int best = cpu_simd_level();
    simd_level = level < TA_SIMD_PORTABLE ? TA_SIMD_PORTABLE : (level > best ? best : level);
    return previous;
}

void ta_igemm_u8s8(const uint8_t *a, int64_t lda, int rows, const int8_t *b_pack, int ncols, int kdim, int32_t *c,
                   int64_t ldc)
{
#if TA_HAVE_X86_KERNELS
    switch (ta_igemm_simd_active()) {
    case TA_SIMD_AVX512: igemm_vnni(a, lda, rows, b_pack, ncols, kdim, c, ldc); return;
    case TA_SIMD_AVX2: igemm_avx2(a, lda, rows, b_pack, ncols, kdim, c, ldc); return;
    default: break;
    }
#endif
    igemm_portable(a, lda, rows, b_pack, ncols, kdim, c, ldc);
}
