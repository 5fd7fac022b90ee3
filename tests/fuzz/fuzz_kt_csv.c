/* fuzz_kt_csv.c — libFuzzer driver for the knowledge-tracing response reader
 * (src/kt/responses.c): the bytes are read as an answers CSV with the default
 * limits and with a row limit of 4. Checks: a failure always says why; a
 * success gives consistent groupings (skills, sequences and rows cover every
 * response once, codes within the skill's items, order_id never decreasing
 * inside a sequence) and a prediction in [0, 1] for every row.
 *
 * Seeds in tests/fuzz/corpus/kt_csv/: small answer files written by hand
 * (columns in other orders, item_id, quoting, BOM, out-of-order rows, errors). */
#include "core/alloc.h"
#include "kt/kt.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void check(const kt_data *d) {
    if (d->n == 0 || d->skill_start[0] != 0 || d->skill_start[d->nskills] != d->n ||
        d->seq_start[d->nseq] != d->n)
        __builtin_trap();
    uint8_t *seen = sh_calloc(d->n, 1);
    if (!seen)
        return;
    for (int32_t s = 0; s < d->nskills; s++)
        for (uint32_t q = d->skill_seq[s]; q < d->skill_seq[s + 1]; q++)
            for (size_t k = d->seq_start[q]; k < d->seq_start[q + 1]; k++) {
                if (k < d->skill_start[s] || k >= d->skill_start[s + 1] || d->row[k] >= d->n ||
                    seen[d->row[k]] || (d->code[k] >> 1) >= d->skill_nitems[s] ||
                    (k > d->seq_start[q] && d->order[k] < d->order[k - 1]))
                    __builtin_trap();
                seen[d->row[k]] = 1;
            }
    sh_free(seen);
    kt_bkt *skill = sh_calloc((size_t)d->nskills, sizeof *skill);
    double *pred = sh_malloc(d->n * sizeof *pred);
    if (skill && pred) {
        for (int32_t s = 0; s < d->nskills; s++)
            skill[s] = (kt_bkt){.prior = 0.3, .learn = 0.2, .guess = 0.2, .slip = 0.1};
        kt_model m = {.nskills = d->nskills, .skill = skill};
        if (kt_predict(d, &m, pred, NULL) == SH_OK)
            for (size_t i = 0; i < d->n; i++)
                if (!(pred[i] >= 0 && pred[i] <= 1))
                    __builtin_trap();
    }
    sh_free(skill);
    sh_free(pred);
}

static void read_once(const uint8_t *data, size_t size, const kt_read_limits *lim) {
    sh_err e;
    sh_err_init(&e);
    kt_data *d = NULL;
    if (kt_data_read_mem(data, size, lim, &d, &e) != SH_OK) {
        if (sh_err_count(&e) == 0 || !e.first.code[0] || !e.first.message[0] || d)
            __builtin_trap(); /* a failure must always say why */
    } else {
        check(d);
        kt_data_free(d);
    }
    sh_err_clear(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_once(data, size, NULL);
    kt_read_limits tight = {.max_rows = 4};
    read_once(data, size, &tight);
    return 0;
}
