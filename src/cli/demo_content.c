/* demo_content.c — the shipped teaching content for `shushu demo`: every
 * knowledge graph file under DATA/kg (*.csv) and every item bank folder under
 * DATA/items (its *.jsonl files), imported and published, so the demo city has
 * a graph and an item bank. Missing folders load nothing. */
#include "cli/cli.h"

#include "core/alloc.h"
#include "items/items.h"
#include "kg/kg.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ENTRIES 64

/* Names in dir ending with suffix ("" for folders), sorted; returns how many. */
static int entries(const char *dir, const char *suffix, char names[][256]) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < MAX_ENTRIES) {
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || len >= 256)
            continue;
        if (sl ? (S_ISREG(st.st_mode) && len > sl && strcmp(e->d_name + len - sl, suffix) == 0)
               : S_ISDIR(st.st_mode))
            snprintf(names[n++], 256, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

int sh_cli_demo_content(sh_app *app, long *points, long *items, sh_err *err) {
    static char names[MAX_ENTRIES][256];
    char dir[4200], path[4500];
    sh_provenance pv = {.source = "import", .source_ref = "demo"};
    *points = *items = 0;
    snprintf(dir, sizeof dir, "%.4000s/kg", app->cfg.data_dir);
    int n = entries(dir, ".csv", names);
    sh_conn *c = n ? sh_db_acquire(app->db, err) : NULL;
    if (n && !c)
        return SH_ERR;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%.4100s/%.255s", dir, names[i]);
        size_t len = 0;
        char *data = sh_cli_read_file("demo", "知识图谱文件", path, (size_t)32 << 20, &len);
        sh_kg_import_result res = {0};
        sh_err_init(&res.err);
        int rc = data ? sh_kg_import_tx(c, data, len, 0, &pv, &res) : SH_ERR;
        sh_free(data);
        if (rc != SH_OK) {
            if (sh_err_count(&res.err)) {
                fprintf(stderr, "%s：\n", path);
                sh_cli_print_file_errors(&res.err);
            }
            sh_err_clear(&res.err);
            sh_db_release(c);
            return sh_err_set(err, 400, "invalid_file", NULL, "知识图谱文件 %s 有错误", names[i]);
        }
        *points += res.rows;
        sh_err_clear(&res.err);
    }
    if (c)
        sh_db_release(c);
    snprintf(dir, sizeof dir, "%.4000s/items", app->cfg.data_dir);
    n = entries(dir, "", names);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%.4100s/%.255s", dir, names[i]);
        sh_items_import_result res = {0};
        sh_err_init(&res.err);
        if (sh_cli_load_items(app->db, path, 1, 0, &pv, &res) != SH_OK) {
            if (sh_err_count(&res.err))
                sh_cli_print_file_errors(&res.err);
            sh_err_clear(&res.err);
            return sh_err_set(err, 400, "invalid_file", NULL, "题库 %s 有错误", names[i]);
        }
        *items += res.created + res.updated + res.unchanged;
        sh_err_clear(&res.err);
    }
    return SH_OK;
}
