/* template.c — the list of import templates, header matching and template
 * detection (template.h). Each kind's own template comes first, so a file
 * whose headers fit two templates equally is read with the project's own. */
#include "import/template.h"

#include "import/kinds.h"

#include <string.h>

static const sh_import_template own_classes = {"shushu", "数枢导入模板", &sh_import_classes, NULL, 0};
static const sh_import_template own_staff = {"shushu", "数枢导入模板", &sh_import_staff, NULL, 0};
static const sh_import_template own_students = {"shushu", "数枢导入模板", &sh_import_students, NULL, 0};
static const sh_import_template own_guardians = {"shushu", "数枢导入模板", &sh_import_guardians, NULL, 0};

static const sh_import_template *const templates[] = {&own_classes, &own_staff, &own_students, &own_guardians,
                                                      &sh_template_national};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

const sh_import_template *sh_import_template_named(const sh_import_kind *kind, const char *name) {
    for (size_t i = 0; name && i < NTEMPLATES; i++)
        if (templates[i]->kind == kind && strcmp(templates[i]->name, name) == 0)
            return templates[i];
    return NULL;
}

const char *sh_import_template_names(const sh_import_kind *kind) {
    return kind == &sh_import_students ? "shushu, national" : "shushu";
}

int sh_import_template_ncolumns(const sh_import_template *t) {
    return t->columns ? t->ncolumns : t->kind->ncolumns;
}

static int kind_column(const sh_import_kind *k, const char *key) {
    for (int i = 0; i < k->ncolumns; i++)
        if (strcmp(k->columns[i].key, key) == 0)
            return i;
    return -1;
}

int sh_import_template_column(const sh_import_template *t, int j, const char **header, const char **aliases,
                              const sh_import_tcol **tc) {
    if (!t->columns) {
        const sh_import_column *c = &t->kind->columns[j];
        *header = c->header;
        *aliases = c->aliases;
        *tc = NULL;
        return c->flags & SH_IMPORT_FORM_ONLY ? -1 : j;
    }
    *tc = &t->columns[j];
    *header = (*tc)->header;
    *aliases = (*tc)->aliases;
    return kind_column(t->kind, (*tc)->key);
}

const char *sh_import_header_key(sh_pool *p, const char *h) {
    char *n = sh_normalise_text(p, h ? h : "");
    if (!n)
        return NULL;
    char *w = n;
    for (const char *r = n; *r;) {
        if (strncmp(r, "★", 3) == 0 || strncmp(r, "＊", 3) == 0 || strncmp(r, "\u3000", 3) == 0) {
            r += 3;
        } else if (*r == '*' || *r == ' ' || *r == '\t') {
            r++;
        } else if (strncmp(r, "（", 3) == 0 || *r == '(') {
            break; /* a note follows */
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return n;
}

int sh_import_header_matches(sh_pool *p, const char *key, const char *header, const char *aliases) {
    const char *h = sh_import_header_key(p, header);
    if (h && strcmp(h, key) == 0)
        return 1;
    for (const char *a = aliases; a && *a;) {
        size_t n = strcspn(a, "|");
        const char *k = sh_import_header_key(p, sh_pstrndup(p, a, n));
        if (k && strcmp(k, key) == 0)
            return 1;
        a += n + (a[n] == '|');
    }
    return 0;
}

/* How many of a header row's cells name a column of t. */
static int score(sh_pool *p, const sh_import_template *t, const char *const *cells, int n) {
    int hits = 0, nc = sh_import_template_ncolumns(t);
    for (int j = 0; j < n; j++) {
        const char *key = sh_import_header_key(p, cells[j]);
        for (int c = 0; key && *key && c < nc; c++) {
            const char *header, *aliases;
            const sh_import_tcol *tc;
            if (sh_import_template_column(t, c, &header, &aliases, &tc) >= 0 &&
                sh_import_header_matches(p, key, header, aliases)) {
                hits++;
                break;
            }
        }
    }
    return hits;
}

const sh_import_template *sh_import_template_detect(sh_pool *p, const sh_import_kind *kind,
                                                    const char *const *cells, int n) {
    const sh_import_template *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < NTEMPLATES; i++) {
        if (templates[i]->kind != kind)
            continue;
        int s = score(p, templates[i], cells, n);
        if (s > best_score) {
            best = templates[i];
            best_score = s;
        }
    }
    return best;
}

const char *sh_import_map_code(const char *const *map, const char *code, int reverse) {
    for (size_t i = 0; map && map[i] && map[i + 1]; i += 2)
        if (strcmp(map[i + (reverse ? 1 : 0)], code) == 0)
            return map[i + (reverse ? 0 : 1)];
    return code;
}
