#include "ta_status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char ta_error_buf[512];

void ta_set_error(const char *fmt, ...)
{
    if (ta_error_buf[0]) return; /* the first failure is the cause; later ones are consequences */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ta_error_buf, sizeof ta_error_buf, fmt, ap);
    va_end(ap);
}

const char *ta_get_error(void) { return ta_error_buf[0] ? ta_error_buf : "unknown error"; }

void ta_clear_error(void) { ta_error_buf[0] = 0; }
