/* under14.c — the under-14 flag (rules.md DR-03) as a value computed on read:
 * never stored, decided against today's date in China (sh_today_iso) each time
 * a student row is shown.
 *
 * Why it is cheap enough for a 45-student class roster (benchmarked): the birth
 * date is stored encrypted beside its year-only mask. For everyone not born in
 * the boundary year (today's year - 14) the mask decides: born later is under
 * 14, born earlier is not — no decryption. Only students born in the boundary
 * year have their date decrypted (one XChaCha20-Poly1305 open of ten bytes,
 * microseconds), and in a class roster those are at most part of one cohort.
 * The three columns come from person_profile by its unique person_id index.
 *
 * Lists do not offer ?under_14=true: a filter would have to decrypt the boundary
 * year of every row in reach before paging (the whole city for the bureau), and
 * a stored flag would go stale at midnight. Callers filter on the page they got. */
#include "roster/persons.h"
#include "roster/roster.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/pool.h"
#include "model/fieldcrypt.h"
#include "store/store.h"

static void select_birth(sh_buf *sql, const char *alias) {
    sh_buf_printf(sql,
                  "(SELECT pp.birth_date_mask FROM person_profile pp WHERE pp.person_id = %s.person_id),"
                  " (SELECT pp.uid FROM person_profile pp WHERE pp.person_id = %s.person_id),"
                  " (SELECT pp.birth_date FROM person_profile pp WHERE pp.person_id = %s.person_id)",
                  alias, alias, alias);
}

int sh_under_14_of_row(const char *mask, const char *profile_uid, const void *ct, size_t n) {
    char today[11];
    sh_today_iso(today);
    if (!mask)
        return -1;
    int by = sh_under_14_by_year(mask, today);
    if (by >= 0 || !ct || !profile_uid)
        return by;
    sh_pool *p = sh_pool_create();
    const char *birth =
        p ? sh_field_open(p, &sh_person_profile_entity,
                          sh_entity_field(&sh_person_profile_entity, "birth_date"), profile_uid, ct, n)
          : NULL;
    int v = birth ? sh_under_14(birth, today) : -1;
    sh_pool_destroy(p);
    return v;
}

static void write_under_14(sh_buf *out, sh_stmt *s, int col) {
    int v = sh_under_14_of_row(sh_col_text(s, col), sh_col_text(s, col + 1),
                               sh_col_is_null(s, col + 2) ? NULL : sh_col_blob(s, col + 2),
                               sh_col_len(s, col + 2));
    sh_buf_puts(out, v < 0 ? "null" : v ? "true" : "false");
}

const sh_computed sh_under_14_computed = {
    .name = "under_14",
    .label = "未满 14 周岁",
    .doc = "按出生日期与当天（北京时间）计算，不存储；出生日期未登记时为 null（DR-03）",
    .json_type = "boolean",
    .grade = SH_L3,
    .ncols = 3,
    .select = select_birth,
    .write = write_under_14,
};
