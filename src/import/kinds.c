/* kinds.c — the list of import kinds, in dependency order (a file of a later
 * kind names rows of an earlier one), and the helpers their rows share. */
#include "import/kinds.h"

#include "roster/persons.h"
#include "roster/roster.h"

#include <stdio.h>
#include <string.h>

static const sh_import_kind *const kinds[] = {&sh_import_classes, &sh_import_staff, &sh_import_students,
                                              &sh_import_guardians};

const sh_import_kind *sh_import_kind_named(const char *name) {
    for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const char *sh_import_kind_names(void) { return "classes, staff, students, guardians"; }

sh_record sh_import_record(sh_pool *p, const sh_entity *e) {
    return (sh_record){.e = e, .v = sh_pcalloc(p, sizeof(sh_value) * (size_t)e->nfields)};
}

sh_value *sh_import_value(sh_record *r, const char *name) { return &r->v[sh_entity_field_index(r->e, name)]; }

int64_t sh_import_i64(sh_import *im, const char *sql, int64_t a, const void *blob, size_t blen,
                      const char *text, sh_err *err) {
    sh_stmt *s = sh_prepare(im->c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    if (blob)
        sh_bind_blob(s, 2, blob, blen);
    else if (text)
        sh_bind_text(s, 2, text, -1);
    int rc = sh_step(s, err);
    int64_t v = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : v;
}

int64_t sh_import_i64_2(sh_import *im, const char *sql, int64_t a, int64_t b, sh_err *err) {
    sh_stmt *s = sh_prepare(im->c, sql, err);
    if (!s)
        return SH_ERR;
    sh_bind_i64(s, 1, a);
    sh_bind_i64(s, 2, b);
    int rc = sh_step(s, err);
    int64_t v = rc == SH_ROW ? sh_col_i64(s, 0) : 0;
    sh_stmt_done(s);
    return rc == SH_ERR ? SH_ERR : v;
}

int sh_import_upsert(sh_import *im, sh_record *r, int64_t *key, int64_t school, int count, sh_err *err) {
    if (*key == 0) {
        if (sh_record_insert(im->c, im->row_pool, r, school, &im->o->pv, key, NULL, err) != SH_OK)
            return SH_ERR;
        if (count)
            im->res->created++;
        return SH_OK;
    }
    int changed = 0;
    if (sh_record_update(im->c, im->row_pool, r, *key, school, &im->o->pv, &changed, err) != SH_OK)
        return SH_ERR;
    if (count)
        *(changed ? &im->res->updated : &im->res->unchanged) += 1;
    return SH_OK;
}

int sh_import_document(sh_import *im, const sh_import_row *row, int type_col, int number_col, sh_record *prof,
                       const char **type, const char **number, sh_err *err) {
    static const sh_field type_field = {.name = "id_type",
                                        .label = "身份证件类型",
                                        .type = SH_T_CODE,
                                        .code_table = "jyt_id_document_type",
                                        .max_len = 1};
    static const sh_field number_field = {
        .name = "id_number", .label = "身份证件号", .type = SH_T_TEXT, .max_len = 20};
    *type = *number = NULL;
    size_t before = sh_err_count(err);
    if (type_col >= 0)
        sh_import_field(im, row, type_col, &type_field, type, err);
    sh_import_field(im, row, number_col, &number_field, number, err);
    if (sh_err_count(err) > before)
        return SH_ERR;
    if (*type && !*number && strcmp(*type, "Z") != 0)
        return sh_err_add(err, 400, "required", im->kind->columns[number_col].key, NULL,
                          "身份证件类型为“%s”时应填写“%s”", *type, sh_import_header(im, number_col));
    if (sh_person_check_document(im->row_pool, type, number, sh_import_value(prof, "birth_date"),
                                 sh_import_value(prof, "gender"), err) != SH_OK) {
        /* reported on the file's column, whatever the check calls it */
        sh_err_item *it = err->nmore ? &err->more[err->nmore - 1] : &err->first;
        if (strcmp(it->field, "id_number") == 0)
            snprintf(it->field, sizeof it->field, "%s", im->kind->columns[number_col].key);
        return SH_ERR;
    }
    return SH_OK;
}

/* The period of validity of the document (type, number) the person already
 * holds, made the row's: unchanged when it is the same. */
static int keep_period(sh_import *im, const char *type, const char *number, const sh_import_period *period,
                       sh_err *err) {
    int64_t key = sh_person_document_key(im->c, type, number, err);
    if (key <= 0)
        return key < 0 ? SH_ERR : SH_OK;
    sh_record doc = sh_import_record(im->row_pool, &sh_person_document_entity);
    if (!doc.v)
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    *sh_import_value(&doc, "valid_from") = (sh_value){.set = 1, .s = period->from};
    *sh_import_value(&doc, "valid_to") = (sh_value){.set = 1, .s = period->to, .is_null = !period->to};
    return sh_import_upsert(im, &doc, &key, 0, 0, err);
}

int sh_import_person(sh_import *im, int64_t *person, const char *name, const char *type, const char *number,
                     const sh_import_period *period, sh_record *prof, sh_err *err) {
    int dated = period && period->given && number;
    if (!*person) {
        /* a new person; a dated document is added with its period, not updated after */
        if (!dated)
            return sh_person_register(im->c, im->row_pool, name, type, number, prof, &im->o->pv, person, err);
        if (sh_person_register(im->c, im->row_pool, name, NULL, NULL, prof, &im->o->pv, person, err) != SH_OK)
            return SH_ERR;
        return sh_person_add_document(im->c, im->row_pool, *person, type, number, period->from, period->to,
                                      &im->o->pv, err);
    }
    int64_t key =
        sh_import_i64(im, "SELECT id FROM person_profile WHERE person_id = $1", *person, NULL, 0, NULL, err);
    if (key < 0)
        return SH_ERR;
    if (!key)
        *sh_import_value(prof, "person") = (sh_value){.set = 1, .i = *person};
    if (sh_import_upsert(im, prof, &key, 0, 0, err) != SH_OK)
        return SH_ERR;
    return dated ? keep_period(im, type, number, period, err) : SH_OK;
}
