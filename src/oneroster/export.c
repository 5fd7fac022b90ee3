/* export.c — the OneRoster 1.2 CSV export: one bulk CSV file per entity of
 * mapping.c (plus roles.csv, written in the same pass as users.csv) and
 * manifest.csv, zipped. Rows stream from the store through the tabular CSV
 * writer (UTF-8, RFC 4180 quoting, cells starting with = + - @ neutralised with
 * an apostrophe as in src/tabular/writer.c) into files in a private temporary
 * folder (mode 0700), which libzip then compresses from disk: memory stays
 * bounded whatever the number of students. In bulk files status and
 * dateLastModified are left blank, as the CSV binding asks. */
#include "oneroster/or_impl.h"

#include "core/alloc.h"
#include "tabular/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define ROWS_PER_POOL 512

typedef struct out_file {
    const sh_or_entity *e;
    char path[512];
    sh_table_writer *w;
} out_file;

static int header(out_file *f, sh_err *err) {
    const char *names[64];
    int n = 0;
    for (int i = 0; i < f->e->nfields && n < 64; i++)
        if (f->e->fields[i].csv)
            names[n++] = f->e->fields[i].csv;
    return sh_table_write_header(f->w, names, NULL, n, err);
}

static int row(out_file *f, const sh_or_row *r, sh_err *err) {
    const char *cells[64];
    int n = 0;
    for (int i = 0; i < f->e->nfields && n < 64; i++) {
        const sh_or_field *fd = &f->e->fields[i];
        if (!fd->csv)
            continue;
        int bulk_blank = strcmp(fd->csv, "status") == 0 || strcmp(fd->csv, "dateLastModified") == 0;
        cells[n++] = bulk_blank ? NULL : sh_or_value(r, i);
    }
    return sh_table_write_row(f->w, cells, n, err);
}

/* Write the rows of e (and, for users, of roles) in scope into the open files. */
static int write_entity(sh_conn *c, sh_or_scope_fn scope, void *ctx, out_file *f, out_file *roles,
                        long *count, sh_err *err) {
    sh_scope sc = {0};
    if (scope && scope(ctx, f->e, &sc, err) != SH_OK)
        return SH_ERR;
    sh_buf sql;
    sh_buf_init(&sql, 0);
    if (sh_or_select(&sql, f->e, &sc, NULL) != SH_OK) {
        sh_buf_free(&sql);
        return sh_err_set(err, 500, "internal", NULL, "无法生成查询");
    }
    sh_stmt *s = sh_prepare(c, sql.data, err);
    sh_buf_free(&sql);
    if (!s)
        return SH_ERR;
    if (sc.bind)
        sc.bind(s, sc.ctx);
    sh_pool *p = NULL;
    sh_or_row r, rr;
    int rc;
    long n = 0;
    while ((rc = sh_step(s, err)) == SH_ROW) {
        if (n % ROWS_PER_POOL == 0) {
            sh_pool_destroy(p);
            p = sh_pool_create();
            if (!p || sh_or_row_init(&r, p, f->e, s, sc.unmask) != SH_OK ||
                (roles && sh_or_row_init(&rr, p, roles->e, s, sc.unmask) != SH_OK)) {
                rc = sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
                break;
            }
        }
        if (row(f, &r, err) != SH_OK || (roles && row(roles, &rr, err) != SH_OK)) {
            rc = SH_ERR;
            break;
        }
        n++;
    }
    sh_stmt_done(s);
    sh_pool_destroy(p);
    *count = n;
    return rc == SH_ERR ? SH_ERR : SH_OK;
}

static int manifest(const char *path, sh_err *err) {
    static const char *const rows[][2] = {
        {"manifest.version", "1.0"},
        {"oneroster.version", "1.2"},
        {"file.academicSessions", "bulk"},
        {"file.categories", "absent"},
        {"file.classes", "bulk"},
        {"file.classResources", "absent"},
        {"file.courses", "bulk"},
        {"file.courseResources", "absent"},
        {"file.demographics", "bulk"},
        {"file.enrollments", "bulk"},
        {"file.lineItemLearningObjectiveIds", "absent"},
        {"file.lineItems", "absent"},
        {"file.lineItemScoreScales", "absent"},
        {"file.orgs", "bulk"},
        {"file.resources", "absent"},
        {"file.resultLearningObjectiveIds", "absent"},
        {"file.results", "absent"},
        {"file.resultScoreScales", "absent"},
        {"file.roles", "bulk"},
        {"file.scoreScales", "absent"},
        {"file.userProfiles", "absent"},
        {"file.userResources", "absent"},
        {"file.users", "bulk"},
        {"source.systemName", "数枢"},
        {"source.systemCode", "shushu"},
    };
    sh_table_writer *w;
    static const char *const head[] = {"propertyName", "value"};
    if (sh_table_writer_open(path, SH_TABLE_CSV, NULL, &w, err) != SH_OK)
        return SH_ERR;
    int rc = sh_table_write_header(w, head, NULL, 2, err);
    for (size_t i = 0; rc == SH_OK && i < sizeof rows / sizeof rows[0]; i++)
        rc = sh_table_write_row(w, rows[i], 2, err);
    if (rc != SH_OK) {
        sh_table_writer_abort(w);
        return SH_ERR;
    }
    return sh_table_writer_close(w, err);
}

static int zip_files(const char *dir, const char *const *names, int n, const char *path, sh_err *err) {
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/export.zip", dir);
    int ze = 0;
    zip_t *z = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (!z)
        return sh_err_set(err, 500, "write_failed", NULL, "无法创建 zip 文件");
    for (int i = 0; i < n; i++) {
        char file[600];
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        zip_source_t *src = zip_source_file(z, file, 0, -1);
        if (!src || zip_file_add(z, names[i], src, ZIP_FL_ENC_UTF_8) < 0) {
            if (src)
                zip_source_free(src);
            zip_discard(z);
            return sh_err_set(err, 500, "write_failed", NULL, "无法把 %s 写入 zip 文件", names[i]);
        }
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        unlink(tmp);
        return sh_err_set(err, 500, "write_failed", NULL, "无法写完 zip 文件");
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return sh_err_set(err, 500, "write_failed", NULL, "无法写入 %s", path);
    }
    return SH_OK;
}

int sh_or_export(sh_conn *c, sh_or_scope_fn scope, void *ctx, const char *path, sh_or_export_counts *counts,
                 sh_err *err) {
    memset(counts, 0, sizeof *counts);
    const char *base = getenv("TMPDIR");
    char dir[400];
    snprintf(dir, sizeof dir, "%s/shushu-oneroster-XXXXXX",
             base && *base && strlen(base) < 300 ? base : "/tmp");
    if (!mkdtemp(dir))
        return sh_err_set(err, 500, "write_failed", NULL, "无法创建临时目录");
    static const sh_or_entity *const order[] = {&sh_or_orgs,        &sh_or_sessions, &sh_or_courses,
                                                &sh_or_classes,     &sh_or_users,    &sh_or_enrollments,
                                                &sh_or_demographics};
    long *slot[] = {&counts->orgs,  &counts->sessions,    &counts->courses,     &counts->classes,
                    &counts->users, &counts->enrollments, &counts->demographics};
    const char *names[10];
    int nnames = 0, rc = SH_OK;
    names[nnames++] = "manifest.csv";
    char mpath[600];
    snprintf(mpath, sizeof mpath, "%s/manifest.csv", dir);
    rc = manifest(mpath, err);
    int in_tx = rc == SH_OK && !sh_in_tx(c) && sh_begin(c, err) == SH_OK; /* one snapshot for all files */
    for (size_t i = 0; rc == SH_OK && i < sizeof order / sizeof order[0]; i++) {
        out_file f = {.e = order[i]}, roles = {.e = &sh_or_roles};
        int with_roles = order[i] == &sh_or_users;
        snprintf(f.path, sizeof f.path, "%s/%s", dir, f.e->file);
        snprintf(roles.path, sizeof roles.path, "%s/%s", dir, roles.e->file);
        rc = sh_table_writer_open(f.path, SH_TABLE_CSV, NULL, &f.w, err);
        if (rc == SH_OK && with_roles &&
            sh_table_writer_open(roles.path, SH_TABLE_CSV, NULL, &roles.w, err) != SH_OK) {
            sh_table_writer_abort(f.w);
            rc = SH_ERR;
        }
        if (rc != SH_OK)
            break;
        rc = header(&f, err);
        if (rc == SH_OK && with_roles)
            rc = header(&roles, err);
        if (rc == SH_OK)
            rc = write_entity(c, scope, ctx, &f, with_roles ? &roles : NULL, slot[i], err);
        if (rc != SH_OK) {
            sh_table_writer_abort(f.w);
            if (with_roles)
                sh_table_writer_abort(roles.w);
            break;
        }
        rc = sh_table_writer_close(f.w, err);
        if (with_roles) {
            int r2 =
                rc == SH_OK ? sh_table_writer_close(roles.w, err) : (sh_table_writer_abort(roles.w), SH_ERR);
            rc = rc == SH_OK ? r2 : rc;
        }
        names[nnames++] = f.e->file;
        if (with_roles)
            names[nnames++] = roles.e->file;
    }
    if (in_tx)
        sh_rollback(c); /* read only */
    if (rc == SH_OK)
        rc = zip_files(dir, names, nnames, path, err);
    for (int i = 0; i < nnames; i++) {
        char file[600];
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        unlink(file);
    }
    rmdir(dir);
    return rc;
}
