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

/* Write v as n decimal digits (zero-padded). */
static char *digits(char *p, int v, int n) {
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
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
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) /* outside ISO 8601's four digits: clamp */
        year = year < 0 ? 0 : 9999;
    /* by hand: every list row formats two or more of these */
    char *p = digits(out, year, 4);
    *p++ = '-';
    p = digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = digits(p, tm.tm_sec, 2);
    *p++ = '.';
    p = digits(p, milli, 3);
    *p++ = 'Z';
    *p = '\0';
}

void sh_fmt_local_ms(int64_t ms, char out[SH_LOCAL_TIME_LEN]) {
    time_t secs = (time_t)(ms / 1000 + 8LL * 3600); /* UTC+8, no daylight saving */
    struct tm tm;
    gmtime_r(&secs, &tm);
    int year = tm.tm_year + 1900;
    char *p = digits(out, year < 0 ? 0 : year > 9999 ? 9999 : year, 4);
    *p++ = '-';
    p = digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = digits(p, tm.tm_mday, 2);
    *p++ = ' ';
    p = digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = digits(p, tm.tm_sec, 2);
    *p = '\0';
}

void sh_today_iso(char out[11]) {
    char local[SH_LOCAL_TIME_LEN];
    sh_fmt_local_ms(sh_now_ms(), local);
    memcpy(out, local, 10);
    out[10] = '\0';
}
