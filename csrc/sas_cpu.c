/* Tables behind ta_sas_exp2_cpu (sas_cpu.h), filled from the reference ta_sas_exp2 itself so that the
 * fast path cannot drift from the definition shared with CUDA. */
#include "sas_cpu.h"

#include <pthread.h>

#include "sas.h"
#include "ta_half.h"

float ta_sas_poly_table[TA_SAS_TABLE_SIZE];

static pthread_once_t sas_tables_once = PTHREAD_ONCE_INIT;

static void build_sas_tables(void)
{
    /* For f in [0, 1) ta_sas_exp2(-f) splits into n = 0 and f itself, so it returns poly(f) (already a
     * float16, times 2^0). f = 1.0 only arises when a fraction just below 1 rounds up to float16 1.0;
     * t = -(2 - 2^-20) reaches that case with n = 1, and 2^-1 * poly(1) is exact, so doubling recovers it. */
    for (int bits = 0; bits < TA_SAS_TABLE_SIZE - 1; bits++)
        ta_sas_poly_table[bits] = ta_sas_exp2(-ta_f16_to_f32((uint16_t)bits), TA_SAS_T_MAX);
    ta_sas_poly_table[TA_SAS_TABLE_SIZE - 1] = 2.0f * ta_sas_exp2(-(2.0f - ldexpf(1.0f, -20)), TA_SAS_T_MAX);
}

void ta_sas_cpu_init(void) { pthread_once(&sas_tables_once, build_sas_tables); }
