/* multipart.c — statements with attachments travel as multipart/mixed (xAPI
 * 1.0.3 Communication 1.5.2). Request bodies are split by GMime, a real MIME
 * parser, and then held to xAPI's rules: a boundary; the first part
 * application/json; every other part with X-Experience-API-Hash and
 * Content-Transfer-Encoding: binary, whose content hashes (SHA-224/256/384/512
 * by the hash's length) to that value. Replies (attachments=true) are written
 * here directly: the JSON part, then each attachment. The only file that
 * includes GMime. */
#include "xapi/x_impl.h"

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void x_multipart_init(void) { g_mime_init(); }

/* Hex digest of data by the SHA-2 variant whose hex length matches want. */
static int sha2_matches(const unsigned char *data, size_t len, const char *want) {
    size_t wl = strlen(want);
    const EVP_MD *md = wl == 56    ? EVP_sha224()
                       : wl == 64  ? EVP_sha256()
                       : wl == 96  ? EVP_sha384()
                       : wl == 128 ? EVP_sha512()
                                   : NULL;
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!md || EVP_Digest(data, len, dig, &dl, md, NULL) != 1 || (size_t)dl * 2 != wl)
        return 0;
    char hex[EVP_MAX_MD_SIZE * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, dig, dl);
    return strcasecmp(hex, want) == 0;
}

static int mime_is(GMimeObject *o, const char *type) {
    char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
    int is = t && strcasecmp(t, type) == 0;
    g_free(t);
    return is;
}

/* The decoded content of a leaf part, copied into pool memory. */
static int part_bytes(sh_req *req, GMimeObject *o, const unsigned char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    GMimeDataWrapper *w = GMIME_IS_PART(o) ? g_mime_part_get_content(GMIME_PART(o)) : NULL;
    if (!w)
        return sh_err_set(&req->err, 400, "invalid_multipart", NULL, "multipart 的部分不能再嵌套");
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, out);
    GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    unsigned char *copy = sh_palloc(req->pool, ba->len + 1);
    if (copy) {
        memcpy(copy, ba->data, ba->len);
        copy[ba->len] = 0;
    }
    *data = copy;
    *len = ba->len;
    g_object_unref(out);
    return copy ? SH_OK : sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
}

static int split(sh_req *req, GMimeMultipart *mp, const char **json, size_t *json_len, x_part **parts,
                 int *nparts) {
    int n = g_mime_multipart_get_count(mp);
    if (n < 1)
        return sh_err_set(&req->err, 400, "invalid_multipart", NULL, "multipart 请求体没有任何部分");
    GMimeObject *first = g_mime_multipart_get_part(mp, 0);
    if (!mime_is(first, "application/json"))
        return sh_err_set(&req->err, 400, "invalid_multipart", NULL,
                          "multipart 的第一部分须为 application/json 的语句");
    const unsigned char *d;
    size_t dl;
    if (part_bytes(req, first, &d, &dl) != SH_OK)
        return SH_ERR;
    *json = (const char *)d;
    *json_len = dl;
    *parts = n > 1 ? sh_pcalloc(req->pool, sizeof **parts * (size_t)(n - 1)) : NULL;
    if (n > 1 && !*parts)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    for (int i = 1; i < n; i++) {
        GMimeObject *o = g_mime_multipart_get_part(mp, i);
        const char *hash = g_mime_object_get_header(o, "X-Experience-API-Hash");
        const char *cte = g_mime_object_get_header(o, "Content-Transfer-Encoding");
        if (!hash || !*hash)
            return sh_err_set(&req->err, 400, "invalid_multipart", NULL,
                              "附件部分缺少 X-Experience-API-Hash 头");
        if (!cte || strcasecmp(cte, "binary") != 0)
            return sh_err_set(&req->err, 400, "invalid_multipart", NULL,
                              "附件部分须带 Content-Transfer-Encoding: binary");
        x_part *p = &(*parts)[i - 1];
        if (part_bytes(req, o, &p->data, &p->len) != SH_OK)
            return SH_ERR;
        p->sha2 = sh_pstrdup(req->pool, hash);
        char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
        p->content_type = sh_pstrdup(req->pool, t ? t : "application/octet-stream");
        g_free(t);
        if (!p->sha2 || !p->content_type)
            return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
        if (!sha2_matches(p->data, p->len, p->sha2))
            return sh_err_set(&req->err, 400, "attachment_hash_mismatch", NULL,
                              "附件内容的 SHA-2 摘要与 X-Experience-API-Hash 不符");
    }
    *nparts = n - 1;
    return SH_OK;
}

int x_multipart_parse(sh_req *req, const char *content_type, const char *body, size_t len, const char **json,
                      size_t *json_len, x_part **parts, int *nparts) {
    *nparts = 0;
    *parts = NULL;
    const char *b = strcasestr(content_type, "boundary=");
    if (!b || !b[9] || b[9] == ';')
        return sh_err_set(&req->err, 400, "invalid_multipart", NULL, "multipart/mixed 缺少 boundary 参数");
    if (strlen(content_type) > 1000)
        return sh_err_set(&req->err, 400, "invalid_multipart", NULL, "Content-Type 过长");
    /* GMime parses an entity: the Content-Type header, an empty line, the body */
    sh_buf *all = sh_pool_buf(req->pool, 0);
    if (!all)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(all, "Content-Type: %s\r\n\r\n", content_type);
    sh_buf_append(all, body ? body : "", len);
    if (sh_buf_ok(all) != SH_OK)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(all->data, all->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeObject *o = g_mime_parser_construct_part(parser, NULL);
    int rc;
    if (!o || !GMIME_IS_MULTIPART(o))
        rc = sh_err_set(&req->err, 400, "invalid_multipart", NULL, "multipart/mixed 请求体无法解析");
    else
        rc = split(req, GMIME_MULTIPART(o), json, json_len, parts, nparts);
    if (o)
        g_object_unref(o);
    g_object_unref(parser);
    g_object_unref(stream);
    return rc;
}

int x_multipart_reply(sh_req *req, const char *json, size_t json_len, const x_part *parts, int nparts) {
    unsigned char rnd[12];
    char boundary[40], hex[25];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(boundary, sizeof boundary, "xapi-%s", hex);
    sh_buf *b = sh_pool_buf(req->pool, 0);
    if (!b)
        return sh_err_set(&req->err, 500, "out_of_memory", NULL, "内存不足");
    sh_buf_printf(b, "--%s\r\nContent-Type: application/json; charset=utf-8\r\n\r\n", boundary);
    sh_buf_append(b, json, json_len);
    for (int i = 0; i < nparts; i++) {
        sh_buf_printf(b,
                      "\r\n--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: binary\r\n"
                      "X-Experience-API-Hash: %s\r\n\r\n",
                      boundary, parts[i].content_type, parts[i].sha2);
        sh_buf_append(b, parts[i].data, parts[i].len);
    }
    sh_buf_printf(b, "\r\n--%s--\r\n", boundary);
    if (sh_buf_ok(b) != SH_OK)
        return sh_err_set(&req->err, 500, "reply_too_large", NULL, "应答过大");
    const char *type = sh_psprintf(req->pool, "multipart/mixed; boundary=%s", boundary);
    return sh_reply_raw(req, 200, type, b->data, b->len);
}
