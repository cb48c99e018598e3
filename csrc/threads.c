#include "threads.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    int64_t n_items;
    int64_t next; /* claimed under the lock: items differ in cost (causal blocks), so hand them out one by one */
    pthread_mutex_t lock;
    ta_item_fn fn;
    void *ctx;
} ta_pool;

typedef struct {
    ta_pool *pool;
    int worker;
} ta_worker_arg;

static void *ta_worker_main(void *p)
{
    ta_worker_arg *arg = (ta_worker_arg *)p;
    ta_pool *pool = arg->pool;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        int64_t item = pool->next++;
        pthread_mutex_unlock(&pool->lock);
        if (item >= pool->n_items) break;
        pool->fn(pool->ctx, item, arg->worker);
    }
    return NULL;
}

int ta_parallel_for(int64_t n_items, int n_threads, ta_item_fn fn, void *ctx)
{
    if (n_items <= 0) return 0;
    if (n_threads > n_items) n_threads = (int)n_items;
    if (n_threads <= 1) {
        for (int64_t i = 0; i < n_items; i++) fn(ctx, i, 0);
        return 0;
    }
    ta_pool pool = {n_items, 0, PTHREAD_MUTEX_INITIALIZER, fn, ctx};
    pthread_t *threads = malloc(sizeof(pthread_t) * (size_t)n_threads);
    ta_worker_arg *args = malloc(sizeof(ta_worker_arg) * (size_t)n_threads);
    int started = 0, rc = 0;
    if (threads && args) {
        for (int t = 1; t < n_threads; t++) {
            args[t].pool = &pool;
            args[t].worker = t;
            if (pthread_create(&threads[t], NULL, ta_worker_main, &args[t]) != 0) {
                rc = -1;
                break;
            }
            started = t;
        }
    } else {
        rc = -1;
    }
    ta_worker_arg self = {&pool, 0};
    ta_worker_main(&self); /* the caller works too, and finishes whatever the others did not take */
    for (int t = 1; t <= started; t++) pthread_join(threads[t], NULL);
    free(threads);
    free(args);
    pthread_mutex_destroy(&pool.lock);
    return rc;
}

int ta_default_threads(void)
{
    const char *env = getenv("TURBOATTN_NUM_THREADS");
    if (env && *env) {
        int n = atoi(env);
        if (n >= 1) return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (int)n : 1;
}
