/* responses.c — reading answers in pyBKT's CSV layout (order_id, user_id,
 * skill_name, correct, optional item_id; found by header name) through the
 * project's tabular reader, checking every cell, and regrouping them into the
 * compact arrays of kt_data: skill by skill, student by student, by order_id.
 * The regrouping is two stable counting sorts (by student, then by skill) and a
 * sort of the rare sequence whose rows are not already in order_id order.
 *
 * Limits: the file size is checked before a byte is read (a 2 GB file is
 * refused at once) and the row count while reading, so memory stays bounded:
 * about 40 bytes per row while reading, 20 per response afterwards. */
#include "core/alloc.h"
#include "kt/kt.h"
#include "tabular/reader.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_FILE ((uint64_t)512 << 20)
#define DEFAULT_MAX_ROWS 10000000L
#define MAX_REPORTED 20 /* row problems reported before reading stops */

enum { COL_ORDER, COL_USER, COL_SKILL, COL_CORRECT, COL_ITEM, NCOLS };
static const char *const col_names[NCOLS] = {"order_id", "user_id", "skill_name", "correct", "item_id"};

/* One row as read: 24 bytes, moved whole by the sorts so that every later pass
 * reads memory in order. */
typedef struct rec {
    int64_t order;
    int32_t skill, user;
    uint32_t gcode; /* 2 · global item + correct */
    uint32_t row;   /* 0-based data row */
} rec;

/* The rows as read, in file order. */
typedef struct raw {
    size_t n, cap;
    rec *v;
} raw;

static void raw_free(raw *r) { sh_free(r->v); }

static int raw_grow(raw *r) {
    size_t cap = r->cap ? r->cap * 2 : 4096;
    rec *v = sh_realloc(r->v, cap * sizeof *v);
    if (!v)
        return SH_ERR;
    r->v = v;
    r->cap = cap;
    return SH_OK;
}

void kt_data_free(kt_data *d) {
    if (!d)
        return;
    kt_names_free(d->skills);
    kt_names_free(d->users);
    kt_names_free(d->items);
    sh_free(d->code);
    sh_free(d->row);
    sh_free(d->order);
    sh_free(d->skill_start);
    sh_free(d->skill_seq);
    sh_free(d->seq_start);
    sh_free(d->seq_user);
    sh_free(d->skill_nitems);
    sh_free(d->skill_item0);
    sh_free(d->item_ids);
    sh_free(d);
}

static int oom(sh_err *err) { return sh_err_set(err, 500, "out_of_memory", NULL, "读取作答记录时内存不足"); }

/* A cell without the spaces around it. */
static const char *trimmed(const char *s, size_t *len) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

static int parse_int64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return SH_ERR;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return SH_ERR;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return SH_ERR;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return SH_OK;
}

/* Find the columns in the header; SH_ERR naming the missing ones. */
static int read_header(const char *const *cells, int ncells, int cols[NCOLS], sh_err *err) {
    for (int c = 0; c < NCOLS; c++)
        cols[c] = -1;
    for (int i = 0; i < ncells; i++) {
        size_t len;
        const char *h = trimmed(cells[i], &len);
        for (int c = 0; c < NCOLS; c++)
            if (cols[c] < 0 && strlen(col_names[c]) == len && memcmp(h, col_names[c], len) == 0)
                cols[c] = i;
    }
    for (int c = 0; c < COL_ITEM; c++)
        if (cols[c] < 0)
            sh_err_add_at(
                err, 400, "missing_column", 1, 0, col_names[c],
                "第 1 行（表头）缺少“%s”列：需要 order_id、user_id、skill_name、correct 四列（item_id 可选）",
                col_names[c]);
    return sh_err_count(err) ? SH_ERR : SH_OK;
}

#define KT_ROW_OOM (-2)

/* Check and keep one data row: SH_OK; SH_ERR with the row's problems added to
 * err; KT_ROW_OOM when memory ran out (reading must stop). */
static int read_row(kt_data *d, raw *r, const int cols[NCOLS], const char *const *cells, int ncells, long row,
                    int32_t *last_user, sh_err *err) {
    const char *v[NCOLS];
    size_t len[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        v[c] = trimmed(cols[c] >= 0 && cols[c] < ncells ? cells[cols[c]] : "", &len[c]);
    int bad = 0;
    int64_t order = 0;
    if (parse_int64(v[COL_ORDER], len[COL_ORDER], &order) != SH_OK)
        bad += sh_err_add_at(err, 400, "invalid_order_id", row, cols[COL_ORDER] + 1, v[COL_ORDER],
                             "第 %ld 行第 %d 列（order_id）应为整数，实际为“%.40s”", row, cols[COL_ORDER] + 1,
                             v[COL_ORDER]);
    if (len[COL_USER] == 0)
        bad += sh_err_add_at(err, 400, "empty_user", row, cols[COL_USER] + 1, NULL,
                             "第 %ld 行第 %d 列（user_id）为空", row, cols[COL_USER] + 1);
    if (len[COL_SKILL] == 0)
        bad += sh_err_add_at(err, 400, "empty_skill", row, cols[COL_SKILL] + 1, NULL,
                             "第 %ld 行第 %d 列（skill_name）为空：每条作答记录都要有知识点", row,
                             cols[COL_SKILL] + 1);
    int y = len[COL_CORRECT] == 1 && (v[COL_CORRECT][0] == '0' || v[COL_CORRECT][0] == '1')
                ? v[COL_CORRECT][0] - '0'
                : -1;
    if (y < 0)
        bad += sh_err_add_at(err, 400, "invalid_correct", row, cols[COL_CORRECT] + 1, v[COL_CORRECT],
                             "第 %ld 行第 %d 列（correct）应为 0 或 1，实际为“%.40s”", row,
                             cols[COL_CORRECT] + 1, v[COL_CORRECT]);
    if (cols[COL_ITEM] >= 0 && len[COL_ITEM] == 0)
        bad += sh_err_add_at(err, 400, "empty_item", row, cols[COL_ITEM] + 1, NULL,
                             "第 %ld 行第 %d 列（item_id）为空", row, cols[COL_ITEM] + 1);
    if (bad)
        return SH_ERR; /* each add returned SH_ERR (-1) */
    if (r->n == r->cap && raw_grow(r) != SH_OK) {
        oom(err);
        return KT_ROW_OOM;
    }
    int32_t s = kt_names_intern(d->skills, v[COL_SKILL], len[COL_SKILL]);
    /* a student's rows usually come together: skip the hash for a repeat */
    const char *prev = *last_user >= 0 ? kt_names_get(d->users, *last_user) : NULL;
    int32_t u = prev && strncmp(prev, v[COL_USER], len[COL_USER]) == 0 && prev[len[COL_USER]] == '\0'
                    ? *last_user
                    : kt_names_intern(d->users, v[COL_USER], len[COL_USER]);
    *last_user = u;
    int32_t it = cols[COL_ITEM] >= 0 ? kt_names_intern(d->items, v[COL_ITEM], len[COL_ITEM]) : 0;
    if (s < 0 || u < 0 || it < 0) {
        oom(err);
        return KT_ROW_OOM;
    }
    r->v[r->n] = (rec){.order = order,
                       .skill = s,
                       .user = u,
                       .gcode = 2u * (uint32_t)it + (uint32_t)y,
                       .row = (uint32_t)r->n};
    r->n++;
    return SH_OK;
}

/* Sorting a sequence by (order_id, file row). */
static int by_order(const void *a, const void *b) {
    const rec *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Stable counting sort of src[0..n) into dst by the field at offset key (an
 * int32 below nkeys). */
static int counting_sort(const rec *src, size_t n, size_t key, int32_t nkeys, rec *dst) {
    size_t *pos = sh_calloc((size_t)nkeys + 1, sizeof *pos);
    if (!pos)
        return SH_ERR;
    for (size_t i = 0; i < n; i++) {
        int32_t k;
        memcpy(&k, (const char *)&src[i] + key, sizeof k);
        pos[k + 1]++;
    }
    for (int32_t k = 0; k < nkeys; k++)
        pos[k + 1] += pos[k];
    for (size_t i = 0; i < n; i++) {
        int32_t k;
        memcpy(&k, (const char *)&src[i] + key, sizeof k);
        dst[pos[k]++] = src[i];
    }
    sh_free(pos);
    return SH_OK;
}

#define ALLOC(p, count)                                                                                      \
    do {                                                                                                     \
        if (!((p) = sh_malloc(((count) ? (count) : 1) * sizeof *(p))))                                       \
            goto fail;                                                                                       \
    } while (0)

/* Regroup the raw rows into d (r->v is reordered). */
static int regroup(kt_data *d, raw *r, sh_err *err) {
    size_t n = r->n;
    int32_t nskills = kt_names_count(d->skills), nusers = kt_names_count(d->users);
    int32_t nitems_all = kt_names_count(d->items) ? kt_names_count(d->items) : 1;
    rec *tmp = NULL, *v = r->v;
    int32_t *local = NULL;
    ALLOC(tmp, n);
    if (counting_sort(v, n, offsetof(rec, user), nusers, tmp) != SH_OK ||
        counting_sort(tmp, n, offsetof(rec, skill), nskills, v) != SH_OK)
        goto fail;
    sh_free(tmp);
    tmp = NULL;
    /* v: rows by (skill, user, file order); count sequences and sort those out of order */
    uint32_t nseq = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        int sorted = 1;
        while (j < n && v[j].skill == v[i].skill && v[j].user == v[i].user) {
            if (v[j].order < v[j - 1].order)
                sorted = 0;
            j++;
        }
        if (!sorted)
            qsort(v + i, j - i, sizeof *v, by_order);
        nseq++;
        i = j;
    }
    d->n = n;
    d->nskills = nskills;
    d->nseq = nseq;
    ALLOC(d->code, n);
    ALLOC(d->row, n);
    ALLOC(d->order, n);
    ALLOC(d->skill_start, (size_t)nskills + 1);
    ALLOC(d->skill_seq, (size_t)nskills + 1);
    ALLOC(d->seq_start, (size_t)nseq + 1);
    ALLOC(d->seq_user, nseq);
    ALLOC(d->skill_nitems, nskills);
    ALLOC(d->skill_item0, (size_t)nskills + 1);
    ALLOC(local, nitems_all);
    for (int32_t i = 0; i < nitems_all; i++)
        local[i] = -1;
    /* the skills' local items: at most one per (skill, item) pair */
    size_t nlocal = 0, cap_local = 1024;
    ALLOC(d->item_ids, cap_local);
    uint32_t q = 0;
    size_t k = 0;
    for (int32_t s = 0; s < nskills; s++) {
        d->skill_start[s] = k;
        d->skill_seq[s] = q;
        d->skill_item0[s] = (uint32_t)nlocal;
        size_t first = nlocal;
        for (; k < n && v[k].skill == s; k++) {
            if (k == d->skill_start[s] || v[k].user != v[k - 1].user) {
                d->seq_start[q] = k;
                d->seq_user[q++] = v[k].user;
            }
            uint32_t g = v[k].gcode >> 1;
            if (local[g] < 0) {
                if (nlocal == cap_local) {
                    cap_local *= 2;
                    int32_t *ids = sh_realloc(d->item_ids, cap_local * sizeof *ids);
                    if (!ids)
                        goto fail;
                    d->item_ids = ids;
                }
                local[g] = (int32_t)(nlocal - first);
                d->item_ids[nlocal++] = (int32_t)g;
            }
            d->code[k] = 2u * (uint32_t)local[g] + (v[k].gcode & 1u);
            d->row[k] = v[k].row;
            d->order[k] = v[k].order;
        }
        d->skill_nitems[s] = (uint32_t)(nlocal - first);
        for (size_t j = first; j < nlocal; j++)
            local[d->item_ids[j]] = -1;
    }
    d->skill_start[nskills] = n;
    d->skill_seq[nskills] = q;
    d->skill_item0[nskills] = (uint32_t)nlocal;
    d->seq_start[nseq] = n;
    sh_free(local);
    return SH_OK;
fail:
    sh_free(tmp);
    sh_free(local);
    return oom(err);
}

static int read_table(sh_table_reader *tr, long max_rows, kt_data **out, sh_err *err) {
    kt_data *d = sh_calloc(1, sizeof *d);
    raw r = {0};
    if (!d || !(d->skills = kt_names_new()) || !(d->users = kt_names_new()) || !(d->items = kt_names_new())) {
        oom(err);
        goto fail;
    }
    const char *const *cells;
    int ncells, cols[NCOLS], rc = sh_table_next(tr, &cells, &ncells, err);
    if (rc == SH_ERR)
        goto fail;
    if (rc == SH_DONE) {
        sh_err_add_at(err, 400, "empty_file", 1, 0, NULL,
                      "文件是空的：第 1 行应为表头 order_id,user_id,skill_name,correct[,item_id]");
        goto fail;
    }
    if (read_header(cells, ncells, cols, err) != SH_OK)
        goto fail;
    size_t problems = 0;
    int32_t last_user = -1;
    while ((rc = sh_table_next(tr, &cells, &ncells, err)) == SH_ROW) {
        if ((long)r.n >= max_rows) {
            sh_err_add_at(err, 413, "too_many_rows", sh_table_row(tr), 0, NULL,
                          "作答记录超过上限（最多 %ld 行）：请按知识点或时间分批拟合", max_rows);
            goto fail;
        }
        int rrc = read_row(d, &r, cols, cells, ncells, sh_table_row(tr), &last_user, err);
        if (rrc == KT_ROW_OOM)
            goto fail;
        if (rrc != SH_OK && ++problems >= MAX_REPORTED)
            break;
    }
    if (rc == SH_ERR || problems)
        goto fail;
    if (r.n == 0) {
        sh_err_add_at(err, 400, "no_rows", 2, 0, NULL, "文件只有表头，没有作答记录");
        goto fail;
    }
    if (regroup(d, &r, err) != SH_OK)
        goto fail;
    raw_free(&r);
    *out = d;
    return SH_OK;
fail:
    raw_free(&r);
    kt_data_free(d);
    return SH_ERR;
}

static sh_table_limits table_limits(const kt_read_limits *lim, long *max_rows) {
    *max_rows = lim && lim->max_rows > 0 ? lim->max_rows : DEFAULT_MAX_ROWS;
    sh_table_limits t = {.max_cell_bytes = 1024, .max_columns = 64, .max_rows = *max_rows + 2};
    return t;
}

int kt_data_read_mem(const void *bytes, size_t len, const kt_read_limits *lim, kt_data **out, sh_err *err) {
    *out = NULL;
    long max_rows;
    sh_table_limits tl = table_limits(lim, &max_rows);
    sh_table_reader *tr = NULL;
    if (sh_table_open_mem(bytes, len, SH_TABLE_CSV, &tl, &tr, err) != SH_OK)
        return SH_ERR;
    int rc = read_table(tr, max_rows, out, err);
    sh_table_close(tr);
    return rc;
}

int kt_data_read_file(const char *path, const kt_read_limits *lim, kt_data **out, sh_err *err) {
    *out = NULL;
    uint64_t max_bytes = lim && lim->max_file_bytes ? lim->max_file_bytes : DEFAULT_MAX_FILE;
    struct stat st;
    if (stat(path, &st) != 0)
        return sh_err_add_at(err, 400, "file_unreadable", 0, 0, NULL, "无法打开文件 %s：%s", path,
                             strerror(errno));
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes)
        return sh_err_add_at(err, 413, "file_too_large", 0, 0, NULL,
                             "文件太大（%llu MB，上限 %llu MB）：请按知识点或时间拆分后分批拟合",
                             (unsigned long long)((uint64_t)st.st_size >> 20),
                             (unsigned long long)(max_bytes >> 20));
    long max_rows;
    sh_table_limits tl = table_limits(lim, &max_rows);
    sh_table_reader *tr = NULL;
    if (sh_table_open(path, SH_TABLE_CSV, &tl, &tr, err) != SH_OK)
        return SH_ERR;
    int rc = read_table(tr, max_rows, out, err);
    sh_table_close(tr);
    return rc;
}
