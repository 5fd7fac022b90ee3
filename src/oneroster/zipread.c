/* zipread.c — reading the files of an uploaded OneRoster zip, defensively.
 *
 * The limits are those of the XLSX reader (src/tabular/xlsx_reader.c): every
 * entry is checked before it is inflated (its declared size against what is left
 * of the budget of SH_OR_ZIP_BUDGET bytes in all, and a compression ratio above
 * 200:1 for entries over 1 MiB is refused), and the bytes actually inflated are
 * counted against the declared size, so a zip that lies about its sizes is
 * refused too. Encrypted entries and archives of more than 256 entries are
 * refused. One file is held in memory at a time (the caller frees it before
 * asking for the next). */
#include "oneroster/zipread.h"

#include "core/alloc.h"

#include <stdint.h>
#include <string.h>
#include <zip.h>

#define MAX_RATIO 200
#define RATIO_FLOOR ((zip_uint64_t)1 << 20)
#define MAX_ENTRIES 256

struct sh_or_zip {
    zip_t *zip;
    zip_uint64_t budget, inflated;
};

int sh_or_zip_open(const void *data, size_t len, sh_or_zip **out, sh_err *err) {
    *out = NULL;
    if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
        return sh_err_set(err, 400, "invalid_zip", NULL, "文件不是 zip 压缩包（OneRoster CSV 应打包为 zip）");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z) {
        if (src)
            zip_source_free(src);
        return sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已损坏，无法打开");
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    if (n < 0 || n > MAX_ENTRIES) {
        zip_discard(z);
        return sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包中的文件过多（最多 %d 个）", MAX_ENTRIES);
    }
    sh_or_zip *o = sh_calloc(1, sizeof *o);
    if (!o) {
        zip_discard(z);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    o->zip = z;
    o->budget = SH_OR_ZIP_BUDGET;
    *out = o;
    return SH_OK;
}

void sh_or_zip_close(sh_or_zip *z) {
    if (!z)
        return;
    zip_discard(z->zip);
    sh_free(z);
}

int sh_or_zip_read(sh_or_zip *z, const char *name, char **data, size_t *len, sh_err *err) {
    *data = NULL;
    *len = 0;
    zip_int64_t idx = zip_name_locate(z->zip, name, 0);
    if (idx < 0)
        return SH_DONE;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->zip, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE))
        return sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已损坏：无法读取 %s 的信息", name);
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已加密，无法读取 %s", name);
    if (st.size > z->budget - z->inflated)
        return sh_err_set(err, 413, "zip_too_large", NULL, "zip 压缩包解压后超过上限（%llu 字节），已拒绝",
                          (unsigned long long)z->budget);
    if (st.size > RATIO_FLOOR && (st.comp_size == 0 || st.size / st.comp_size > MAX_RATIO))
        return sh_err_set(err, 413, "zip_too_large", NULL,
                          "zip 压缩包中 %s 的压缩比异常（超过 %d:1），已拒绝", name, MAX_RATIO);
    zip_file_t *f = zip_fopen_index(z->zip, (zip_uint64_t)idx, 0);
    if (!f)
        return sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已损坏：无法解压 %s", name);
    char *buf = sh_malloc((size_t)st.size + 1);
    if (!buf) {
        zip_fclose(f);
        return sh_err_set(err, 500, "out_of_memory", NULL, "内存不足");
    }
    zip_uint64_t got = 0;
    int rc = SH_OK;
    for (;;) {
        char extra;
        /* read up to the declared size, then one byte more to catch a lie */
        zip_int64_t r = got < st.size ? zip_fread(f, buf + got, st.size - got) : zip_fread(f, &extra, 1);
        if (r < 0) {
            rc = sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已损坏：无法解压 %s", name);
            break;
        }
        if (r == 0)
            break;
        if (got >= st.size) {
            rc = sh_err_set(err, 413, "zip_too_large", NULL,
                            "zip 压缩包中 %s 解压后的实际大小超过它声明的大小，已拒绝", name);
            break;
        }
        got += (zip_uint64_t)r;
    }
    zip_fclose(f);
    if (rc == SH_OK && got != st.size)
        rc = sh_err_set(err, 400, "invalid_zip", NULL, "zip 压缩包已损坏：%s 不完整", name);
    if (rc != SH_OK) {
        sh_free(buf);
        return SH_ERR;
    }
    z->inflated += got;
    buf[got] = '\0';
    *data = buf;
    *len = (size_t)got;
    return SH_ROW;
}
