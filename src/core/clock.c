/* clock.c — time sources and ISO 8601 formatting. See clock.h. */
#include "core/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t shift_ms;

void sh_clock_shift(int64_t offset_ms) { shift_ms = offset_ms; }

int64_t sh_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + shift_ms;
}

uint64_t sh_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sh_fmt_iso_ms(int64_t ms, char *out) {
    time_t secs = (time_t)(ms / 1000);
    int milli = (int)(ms % 1000);
    if (milli < 0) {
        milli += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    char tmp[64]; /* wide enough for any int fields; the result always fits SH_ISO_LEN */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
    memcpy(out, tmp, SH_ISO_LEN - 1);
    out[SH_ISO_LEN - 1] = '\0';
}
