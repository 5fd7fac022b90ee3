/* signature.c — signed statements (xAPI 1.0.3 Data 2.6), checked for form: the
 * signature attachment has contentType application/octet-stream and its part
 * was sent; the part is a JWS in compact serialisation whose header names
 * RS256, RS384 or RS512 and whose payload is the JSON of the statement itself
 * (without its attachments). The RSA signature itself is not verified: 1.0.3
 * clients send no certificate (x5c) to verify it with (docs/xapi.md). */
#include "xapi/x_impl.h"

#include <sodium.h>
#include <string.h>

/* Decode one base64url segment [s, s+n) into pool memory as JSON. */
static json_t *segment_json(const char *s, size_t n) {
    unsigned char *raw = sodium_malloc(n + 1);
    if (!raw)
        return NULL;
    size_t len = 0;
    json_t *j = NULL;
    if (sodium_base642bin(raw, n, s, n, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
        j = json_loadb((const char *)raw, len, 0, NULL);
    sodium_free(raw);
    return j;
}

static int check_jws(const json_t *st, const x_part *part, const char *prefix, sh_err *err) {
    const char *s = (const char *)part->data;
    size_t len = part->len;
    const char *d1 = memchr(s, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - s)) || d2 + 1 == s + len)
        return sh_err_set(err, 400, "invalid_signature", "attachments",
                          "%s签名不是 JWS 紧凑格式（header.payload.signature）", prefix);
    json_t *h = segment_json(s, (size_t)(d1 - s));
    const char *alg = json_string_value(json_object_get(h, "alg"));
    int alg_ok = alg && (strcmp(alg, "RS256") == 0 || strcmp(alg, "RS384") == 0 || strcmp(alg, "RS512") == 0);
    json_decref(h);
    if (!alg_ok)
        return sh_err_set(err, 400, "invalid_signature", "attachments",
                          "%s签名算法须为 RS256、RS384 或 RS512", prefix);
    json_t *payload = segment_json(d1 + 1, (size_t)(d2 - d1 - 1));
    json_t *mine = json_deep_copy(st);
    int same = 0;
    if (payload && mine) {
        json_object_del(mine, "attachments");
        json_object_del(payload, "attachments");
        if (!json_object_get(payload, "id"))
            json_object_del(mine, "id");
        same = json_equal(payload, mine);
    }
    json_decref(payload);
    json_decref(mine);
    if (!same)
        return sh_err_set(err, 400, "invalid_signature", "attachments", "%s签名的内容与语句不一致", prefix);
    return SH_OK;
}

int x_check_signature(const json_t *st, const x_part *parts, int nparts, const char *prefix, sh_err *err) {
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(st, "attachments"), i, a) {
        const char *usage = json_string_value(json_object_get(a, "usageType"));
        if (!usage || strcmp(usage, X_SIGNATURE_USAGE) != 0)
            continue;
        const char *ct = json_string_value(json_object_get(a, "contentType"));
        if (!ct || strcmp(ct, "application/octet-stream") != 0)
            return sh_err_set(err, 400, "invalid_signature", "attachments",
                              "%s签名附件的 contentType 须为 application/octet-stream", prefix);
        const char *sha2 = json_string_value(json_object_get(a, "sha2"));
        const x_part *part = NULL;
        for (int p = 0; p < nparts && !part; p++)
            if (strcmp(parts[p].sha2, sha2) == 0)
                part = &parts[p];
        if (!part)
            return sh_err_set(err, 400, "invalid_signature", "attachments", "%s签名附件的内容须随请求发送",
                              prefix);
        if (check_jws(st, part, prefix, err) != SH_OK)
            return SH_ERR;
    }
    return SH_OK;
}
