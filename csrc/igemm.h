/* Integer matrix products of the CPU attention: uint8 x int8 -> int32, exact, so any evaluation order
 * (scalar C or AVX-512 VNNI) gives the same int32 and therefore the same attention output bit for bit.
 *
 * The right operand is packed in groups of four along the reduction: b_pack[k/4][n][k%4], so that one
 * 32-bit lane holds the four values a VNNI dot-product instruction consumes for column n. */
#ifndef TA_IGEMM_H
#define TA_IGEMM_H

#include <stdint.h>

/* c[r * ldc + n] = sum_k a[r * lda + k] * b_pack[(k / 4) * ncols * 4 + n * 4 + k % 4] for r < rows, n < ncols.
 * ncols must be a multiple of 16 and kdim a multiple of 4. */
void ta_igemm_u8s8(const uint8_t *a, int64_t lda, int rows, const int8_t *b_pack, int ncols, int kdim, int32_t *c,
                   int64_t ldc);

/* Packs a row-major int8 matrix m[k][n] (row stride ldm) of kdim x ncols into b_pack; rows at or past
 * kdim_valid and columns at or past ncols_valid are written as zero. kdim multiple of 4. */
void ta_igemm_pack_b(const int8_t *m, int64_t ldm, int kdim_valid, int ncols_valid, int kdim, int ncols,
                     int8_t *b_pack);

/* Same, from the transpose: m[n][k] (row stride ldm), i.e. b[k][n] = m[n * ldm + k]. */
void ta_igemm_pack_b_transposed(const int8_t *m, int64_t ldm, int kdim_valid, int ncols_valid, int kdim, int ncols,
                                int8_t *b_pack);

/* Which kernels run: the best the CPU has unless lowered. attn.c compiles its float loops for the same
 * levels and switches on the same value, so one setting picks one consistent build. */
enum { TA_SIMD_PORTABLE = 0, TA_SIMD_AVX2 = 1, TA_SIMD_AVX512 = 2 /* F, BW, DQ, VL and VNNI */ };
int ta_igemm_simd_active(void);
/* Lowers (or restores) the level, clamped to what the CPU has; returns the previous level. Tests compare
 * the levels bit for bit. Call it between calls, not while one runs. */
int ta_igemm_set_simd(int level);

#endif
