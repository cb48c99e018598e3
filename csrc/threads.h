/* A minimal parallel-for over independent work items (one (batch, head, block) each), so the CPU
 * reference scales over cores without OpenMP (which sanitizers and some Python builds dislike). */
#ifndef TA_THREADS_H
#define TA_THREADS_H

#include <stdint.h>

typedef void (*ta_item_fn)(void *ctx, int64_t item, int worker);

/* Runs fn(ctx, i, worker) for i in [0, n_items) on up to n_threads threads (worker in [0, n_threads)).
 * Returns 0, or -1 if threads could not be created (then everything ran on the caller's thread). */
int ta_parallel_for(int64_t n_items, int n_threads, ta_item_fn fn, void *ctx);

/* Default thread count: TURBOATTN_NUM_THREADS if set, else the number of online CPUs. */
int ta_default_threads(void);

#endif
