/* clock.h — wall-clock and monotonic time, and the one timestamp format.
 *
 * Stored times are UTC milliseconds since the epoch (int64). Text form is ISO 8601
 * with milliseconds and Z, e.g. 2026-11-22T08:30:00.123Z. */
#ifndef SH_CLOCK_H
#define SH_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t sh_now_ms(void); /* wall clock, UTC ms */
/* Test hook: shift the wall clock by offset_ms (0 restores it). */
void sh_clock_shift(int64_t offset_ms);
uint64_t sh_mono_ns(void); /* monotonic, for durations */

#define SH_ISO_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */
/* Format ms as ISO 8601 UTC into out (at least SH_ISO_LEN bytes). */
void sh_fmt_iso_ms(int64_t ms, char *out);
/* Parse an ISO 8601 date (2026-11-22) or date-time in UTC (2026-11-22T08:30, seconds,
 * fraction and Z optional; a space may stand for T) into ms. SH_OK, or SH_ERR when v is
 * not one, or names a day its month does not have. */
int sh_parse_iso_ms(const char *v, int64_t *ms);

#define SH_LOCAL_TIME_LEN 20 /* "YYYY-MM-DD HH:MM:SS" + NUL */
/* Format ms as China's local time (UTC+8), to the second, as people read it in
 * a spreadsheet: 2026-11-22 16:30:00. */
void sh_fmt_local_ms(int64_t ms, char out[SH_LOCAL_TIME_LEN]);

/* Today's date in China (Asia/Shanghai, UTC+8) as YYYY-MM-DD: the processing
 * date for age rules such as the under-14 flag (DR-03). Follows sh_clock_shift. */
void sh_today_iso(char out[11]);

#endif
