/* period.c — an identity document's period of validity as the national
 * registry form writes it in one cell (身份证件有效期, "2010.06.01-2020.06.01", or
 * "2010.06.01-长期" for a card without an end): read into the stored start and
 * end (YYYY-MM-DD), and written back the form's way (template.h). Reading is
 * lenient in separators (dates with . - / or none, the range with a hyphen, a
 * dash, a tilde or 至) and strict in values (real dates, the end after the start). */
#include "import/template.h"

#include "model/entity.h"

#include <stdio.h>
#include <string.h>

/* The separators accepted between the two dates (one of them, or two dashes). */
static const char *const range_seps[] = {"——", "--", "—", "–", "－", "-", "～", "~", "至", "到"};
/* The words for a card without an end. */
static const char *const no_end[] = {"长期有效", "长期"};

static const char *skip_spaces(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static int ndigits(const char *s, int max) {
    int n = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* One date at *s: YYYYMMDD, or YYYY, M or MM, D or DD joined by one of . - /
 * (the same twice). Fills iso (YYYY-MM-DD, not yet checked as a real date) and
 * advances *s; 0 when *s does not start with a date. */
static int read_date(const char **s, char iso[11]) {
    const char *p = *s;
    if (ndigits(p, 8) == 8 && ndigits(p, 9) == 8) {
        snprintf(iso, 11, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
        *s = p + 8;
        return 1;
    }
    if (ndigits(p, 5) != 4)
        return 0;
    char sep = p[4];
    if (sep != '.' && sep != '-' && sep != '/')
        return 0;
    const char *m = p + 5;
    int nm = ndigits(m, 3);
    if (nm < 1 || nm > 2 || m[nm] != sep)
        return 0;
    const char *d = m + nm + 1;
    int nd = ndigits(d, 3);
    if (nd < 1 || nd > 2)
        return 0;
    snprintf(iso, 11, "%.4s-%s%.*s-%s%.*s", p, nm == 1 ? "0" : "", nm, m, nd == 1 ? "0" : "", nd, d);
    *s = d + nd;
    return 1;
}

/* The date text as the cell has it (for messages), from start to end. */
static void as_written(const char *start, const char *end, char out[32]) {
    size_t n = (size_t)(end - start);
    snprintf(out, 32, "%.*s", (int)(n < 31 ? n : 31), start);
}

sh_period_problem sh_import_period_read(const char *v, char from[11], char to[11], char bad[32]) {
    from[0] = to[0] = bad[0] = '\0';
    const char *s = skip_spaces(v), *start = s;
    if (!read_date(&s, from))
        return SH_PERIOD_FORM;
    const char *from_end = s;
    s = skip_spaces(s);
    size_t sep = 0;
    for (size_t i = 0; i < sizeof range_seps / sizeof range_seps[0] && !sep; i++)
        if (strncmp(s, range_seps[i], strlen(range_seps[i])) == 0)
            sep = strlen(range_seps[i]);
    if (!sep)
        return SH_PERIOD_FORM;
    s = skip_spaces(s + sep);
    const char *to_start = s;
    int open = 0;
    for (size_t i = 0; i < sizeof no_end / sizeof no_end[0] && !open; i++)
        if (strncmp(s, no_end[i], strlen(no_end[i])) == 0) {
            s += strlen(no_end[i]);
            open = 1;
        }
    if (!open && !read_date(&s, to))
        return SH_PERIOD_FORM;
    if (*skip_spaces(s))
        return SH_PERIOD_FORM;
    if (!sh_valid_date(from)) {
        as_written(start, from_end, bad);
        return SH_PERIOD_DATE;
    }
    if (!open && !sh_valid_date(to)) {
        as_written(to_start, s, bad);
        return SH_PERIOD_DATE;
    }
    if (!open && strcmp(to, from) <= 0)
        return SH_PERIOD_ORDER;
    return SH_PERIOD_OK;
}

const char *sh_import_period_write(sh_pool *p, const char *from, const char *to) {
    if (!from || strlen(from) != 10)
        return NULL;
    if (!to || !*to)
        return sh_psprintf(p, "%.4s.%.2s.%.2s-长期", from, from + 5, from + 8);
    if (strlen(to) != 10)
        return NULL;
    return sh_psprintf(p, "%.4s.%.2s.%.2s-%.4s.%.2s.%.2s", from, from + 5, from + 8, to, to + 5, to + 8);
}
