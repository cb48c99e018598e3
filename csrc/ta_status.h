/* Status codes returned by every C entry point, and a per-thread message for the Python layer.
 * Kernels never touch Python; bindings turn a status into the matching exception. */
#ifndef TA_STATUS_H
#define TA_STATUS_H

typedef enum {
    TA_OK = 0,
    TA_ERR_NOMEM = 1,   /* -> MemoryError */
    TA_ERR_INVALID = 2, /* -> ValueError with the message */
    TA_ERR_CUDA = 3,    /* -> RuntimeError with the CUDA error text */
} ta_status;

#ifdef __cplusplus
extern "C" {
#endif
/* printf-style; keeps the first message set since the last ta_clear_error() on this thread. */
void ta_set_error(const char *fmt, ...);
const char *ta_get_error(void);
void ta_clear_error(void);
#ifdef __cplusplus
}
#endif

#endif
