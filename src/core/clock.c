/* clock.c — time sources, ISO 8601 formatting and parsing. See clock.h. */
#include "core/clock.h"

#include "core/err.h"

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

/* n digits at s as a number; -1 when they are not all digits. */
static int read_digits(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int sh_parse_iso_ms(const char *v, int64_t *ms) {
    if (strlen(v) < 10 || v[4] != '-' || v[7] != '-')
        return SH_ERR;
    int y = read_digits(v, 4), mo = read_digits(v + 5, 2), d = read_digits(v + 8, 2), h = 0, mi = 0, s = 0,
        frac = 0;
    const char *p = v + 10;
    if (*p == 'T' || *p == ' ') {
        if (strlen(p) < 6 || p[3] != ':')
            return SH_ERR;
        h = read_digits(p + 1, 2);
        mi = read_digits(p + 4, 2);
        p += 6;
        if (*p == ':') {
            if (strlen(p) < 3)
                return SH_ERR;
            s = read_digits(p + 1, 2);
            p += 3;
            if (*p == '.') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9' && n < 9) {
                    if (n < 3)
                        frac = frac * 10 + (*p - '0');
                    n++;
                    p++;
                }
                if (!n)
                    return SH_ERR;
                for (int k = n; k < 3; k++)
                    frac *= 10;
            }
        }
        if (*p == 'Z')
            p++;
    }
    if (*p || y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60)
        return SH_ERR;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back) || back.tm_mday != d) /* a day the month does not have (02-30) */
        return SH_ERR;
    *ms = (int64_t)t * 1000 + frac;
    return SH_OK;
}
