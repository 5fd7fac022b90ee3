/* err.h — the one error convention of Shushu.
 *
 * Functions that can fail return SH_OK (0) or SH_ERR (-1). When they fail they fill
 * the caller's sh_err (if one was passed) with an HTTP status, a machine-readable
 * code, a Chinese message for people and, where it applies, the field, row and
 * column. Unless a function's comment says otherwise, on SH_ERR nothing it was asked
 * to change has changed. The HTTP layer turns an sh_err into the error body of
 * DESIGN §5: {"error":{"code":…,"message":…,"field":…,"details":[…]}}. */
#ifndef SH_ERR_H
#define SH_ERR_H

#include <stddef.h>

#define SH_OK 0
#define SH_ERR (-1)
/* What iterators (store statements, file readers) return besides SH_ERR. */
#define SH_ROW 1
#define SH_DONE 0

typedef struct sh_err_item {
    char code[48];
    char message[240];
    char field[64];
    char value[64];   /* offending value, shortened; empty when not useful */
    long row, column; /* 1-based for imports; 0 when not about a file */
} sh_err_item;

typedef struct sh_err {
    int status;        /* HTTP status to answer with */
    sh_err_item first; /* the error, or the first of several */
    sh_err_item *more; /* all field errors (including first) when several; may be NULL */
    size_t nmore, capmore;
} sh_err;

/* Fill e (if non-NULL) and return SH_ERR. fmt is the Chinese message. */
int sh_err_set(sh_err *e, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Add one field error to a list of several; the first added also becomes e->first.
 * Returns SH_ERR always so callers can `return sh_err_add(...)`. Never fails: if the
 * list cannot grow, the error is still counted in e->first. */
int sh_err_add(sh_err *e, int status, const char *code, const char *field, const char *value, const char *fmt,
               ...) __attribute__((format(printf, 6, 7)));

/* sh_err_add for a problem in a file: also records the row and column (1-based;
 * 0 when not known) on the item. Returns SH_ERR always. */
int sh_err_add_at(sh_err *e, int status, const char *code, long row, long column, const char *value,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Number of errors recorded (0 when none). */
size_t sh_err_count(const sh_err *e);

void sh_err_init(sh_err *e);
/* Release the detail list. Safe to call on an initialised, unused sh_err. */
void sh_err_clear(sh_err *e);

#endif
