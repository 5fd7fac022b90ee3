/* test_core.c — buffers, pools, errors, the string set, the allocator's failure
 * injection and text normalisation. */
#include "harness.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/strset.h"
#include "core/uid.h"
#include "model/entity.h"

TEST(buf_respects_cap) {
    sh_buf b;
    sh_buf_init(&b, 8);
    CHECK(sh_buf_puts(&b, "1234") == SH_OK);
    CHECK(sh_buf_puts(&b, "5678") == SH_OK);
    CHECK(sh_buf_putc(&b, '9') == SH_ERR);
    CHECK(b.too_big && b.failed);
    CHECK(b.len == 8);
    CHECK_STR(b.data, "12345678");
    CHECK(sh_buf_puts(&b, "x") == SH_ERR); /* sticky */
    sh_buf_reset(&b);
    CHECK(sh_buf_printf(&b, "%d-%s", 42, "ab") == SH_OK);
    CHECK_STR(b.data, "42-ab");
    sh_buf_free(&b);
}

TEST(buf_printf_grows_past_small_scratch) {
    sh_buf b;
    sh_buf_init(&b, 0);
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(sh_buf_printf(&b, "<%s>", big) == SH_OK);
    CHECK(b.len == 1001);
    CHECK(b.data[0] == '<' && b.data[1000] == '>');
    sh_buf_free(&b);
}

TEST(buf_json_escapes) {
    sh_buf b;
    sh_buf_init(&b, 0);
    const char in[] = "a\"b\\c\n<数>\x01";
    sh_buf_json_str(&b, in, sizeof in - 1);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u003c数\\u003e\\u0001\"");
    sh_buf_free(&b);
}

TEST(buf_fixed_never_allocates) {
    char mem[8];
    sh_buf b;
    sh_buf_init_fixed(&b, mem, sizeof mem);
    CHECK(sh_buf_puts(&b, "1234567") == SH_OK);
    CHECK(b.data == mem);
    CHECK(sh_buf_putc(&b, 'x') == SH_ERR);
    CHECK_STR(mem, "1234567");
}

static int order[4], norder;
static void note(void *arg) { order[norder++] = (int)(long)arg; }

TEST(pool_cleanups_run_last_first) {
    norder = 0;
    sh_pool *p = sh_pool_create();
    REQUIRE(p);
    sh_pool_cleanup(p, note, (void *)1L);
    sh_pool_cleanup(p, note, (void *)2L);
    char *s = sh_psprintf(p, "%s-%d", "x", 7);
    CHECK_STR(s, "x-7");
    void *big = sh_palloc(p, 100000); /* bigger than a chunk */
    CHECK(big != NULL);
    CHECK(((unsigned long)sh_palloc(p, 3) & 15) == 0);
    sh_buf *b = sh_pool_buf(p, 10);
    CHECK(b && sh_buf_puts(b, "hello") == SH_OK);
    sh_pool_destroy(p);
    CHECK(norder == 2 && order[0] == 2 && order[1] == 1);
}

TEST(err_collects_several) {
    sh_err e;
    sh_err_init(&e);
    CHECK(sh_err_count(&e) == 0);
    sh_err_add(&e, 400, "required", "name", NULL, "缺少%s", "名称");
    sh_err_add(&e, 400, "too_long", "code", "12345", "太长");
    CHECK(sh_err_count(&e) == 2);
    CHECK(e.status == 400);
    CHECK_STR(e.first.code, "required");
    CHECK_STR(e.first.message, "缺少名称");
    CHECK_STR(e.more[1].value, "12345");
    sh_err_clear(&e);
    CHECK(sh_err_count(&e) == 0);
}

TEST(err_message_truncation_keeps_utf8_whole) {
    sh_err e;
    sh_err_init(&e);
    char field[200];
    memset(field, 0, sizeof field);
    for (int i = 0; i < 30; i++)
        memcpy(field + i * 3, "数", 3); /* 90 bytes, field holds 63 */
    sh_err_add(&e, 400, "x", field, NULL, "m");
    size_t n = strlen(e.first.field);
    CHECK(n % 3 == 0 && n <= 63);
    sh_err_clear(&e);
}

TEST(strset_membership) {
    sh_strset *s = sh_strset_new(2);
    REQUIRE(s);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        CHECK(sh_strset_add(s, key, (size_t)n) == SH_OK);
    }
    CHECK(sh_strset_add(s, "k5", 2) == SH_OK); /* duplicate: no-op */
    CHECK(sh_strset_count(s) == 1000);
    CHECK(sh_strset_has(s, "k999", 4));
    CHECK(!sh_strset_has(s, "k1000", 5));
    CHECK(!sh_strset_has(s, "k", 1));
    sh_strset_free(s);
}

TEST(alloc_failure_injection_counts_and_fails) {
    sh_alloc_fail_at(0);
    void *a = sh_malloc(10);
    size_t made = sh_alloc_fail_at(1);
    CHECK(made >= 1);
    CHECK(sh_malloc(10) == NULL);
    void *b = sh_malloc(10);
    CHECK(b != NULL);
    sh_alloc_fail_at(0);
    sh_free(a);
    sh_free(b);
}

TEST(buf_survives_every_allocation_failure) {
    for (size_t n = 1; n < 20; n++) {
        sh_buf b;
        sh_buf_init(&b, 0);
        sh_alloc_fail_at(n);
        for (int i = 0; i < 100; i++)
            sh_buf_printf(&b, "line %d with some text\n", i);
        sh_alloc_fail_at(0);
        CHECK(b.failed || b.len > 2000);
        sh_buf_free(&b);
    }
}

TEST(normalise_text_fullwidth_and_spaces) {
    sh_pool *p = sh_pool_create();
    CHECK_STR(sh_normalise_text(p, "\xe3\x80\x80 １１０１０５ＡＢｃ \t"), "110105ABc");
    CHECK_STR(sh_normalise_text(p, "示范市第一中学（东校区）"), "示范市第一中学（东校区）");
    CHECK_STR(sh_normalise_text(p, "   "), "");
    CHECK_STR(sh_normalise_text(p, "a  b"), "a  b");
    sh_pool_destroy(p);
}

TEST(valid_date_calendar) {
    CHECK(sh_valid_date("2024-02-29"));
    CHECK(!sh_valid_date("2023-02-29"));
    CHECK(!sh_valid_date("1900-02-29"));
    CHECK(sh_valid_date("2000-02-29"));
    CHECK(!sh_valid_date("2024-13-01"));
    CHECK(!sh_valid_date("2024-04-31"));
    CHECK(!sh_valid_date("2024-4-01"));
    CHECK(!sh_valid_date("20240401"));
    CHECK(!sh_valid_date("1899-12-31"));
}

TEST(iso_time_format) {
    char s[SH_ISO_LEN];
    sh_fmt_iso_ms(0, s);
    CHECK_STR(s, "1970-01-01T00:00:00.000Z");
    sh_fmt_iso_ms(1795392000123LL, s);
    CHECK_STR(s, "2026-11-23T00:00:00.123Z");
    sh_fmt_iso_ms(-1, s);
    CHECK_STR(s, "1969-12-31T23:59:59.999Z");
}

TEST(uids_are_ordered_distinct_and_carry_their_time) {
    char prev[SH_UID_LEN + 1] = "", uid[SH_UID_LEN + 1];
    int64_t before = sh_now_ms();
    for (int i = 0; i < 5000; i++) { /* many within one millisecond: the random part counts up */
        sh_new_uid(uid);
        CHECK(strlen(uid) == SH_UID_LEN);
        CHECK(strcmp(prev, uid) < 0);
        memcpy(prev, uid, sizeof uid);
    }
    /* the first 10 characters are the 48-bit time (50 bits, the top 2 zero) */
    int64_t ms = 0;
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    for (int i = 0; i < 10; i++)
        ms = ms << 5 | (int64_t)(strchr(alphabet, uid[i]) - alphabet);
    ms >>= 2;
    CHECK(ms >= before && ms <= sh_now_ms());
}
