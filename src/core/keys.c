/* keys.c — key file loading and purpose-key derivation. See keys.h. */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char master[SH_KEY_BYTES];
static int loaded;

int sh_keys_open(const char *db_file, const char *key_file, int create, sh_err *err) {
    char path[4200];
    if (key_file)
        snprintf(path, sizeof path, "%s", key_file);
    else if (db_file)
        snprintf(path, sizeof path, "%s.key", db_file);
    else
        return sh_err_set(err, 400, "key_file_missing", "keys", "请用 --keys 指定密钥文件");
    return sh_keys_load(path, create, err);
}

static int create_file(const char *path, sh_err *err) {
    unsigned char k[SH_KEY_BYTES];
    randombytes_buf(k, sizeof k);
    char hex[SH_KEY_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, k, sizeof k);
    sodium_memzero(k, sizeof k);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(hex, sizeof hex);
        return sh_err_set(err, 500, "key_file", NULL, "无法创建密钥文件 %s：%s", path, strerror(errno));
    }
    char line[SH_KEY_BYTES * 2 + 2];
    snprintf(line, sizeof line, "%s\n", hex);
    ssize_t w = write(fd, line, strlen(line));
    int ok = w == (ssize_t)strlen(line) && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    sodium_memzero(line, sizeof line);
    if (!ok) {
        unlink(path);
        return sh_err_set(err, 500, "key_file", NULL, "写入密钥文件 %s 失败", path);
    }
    return SH_OK;
}

int sh_keys_load(const char *path, int create, sh_err *err) {
    struct stat st;
    if (stat(path, &st) != 0) {
        if (!create)
            return sh_err_set(err, 400, "key_file_missing", "keys",
                              "找不到密钥文件 %s：没有它，审计链无法校验、加密字段无法解密；请从备份中找回",
                              path);
        if (create_file(path, err) != SH_OK)
            return SH_ERR;
        if (stat(path, &st) != 0)
            return sh_err_set(err, 500, "key_file", NULL, "无法读取密钥文件 %s", path);
    }
    if (st.st_mode & 077)
        return sh_err_set(err, 400, "key_file_mode", "keys",
                          "密钥文件 %s 的权限过宽，应仅所有者可读写（chmod 600）", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return sh_err_set(err, 500, "key_file", NULL, "无法读取密钥文件 %s", path);
    char hex[128] = "";
    char *got = fgets(hex, sizeof hex, f);
    fclose(f);
    size_t n = got ? strcspn(hex, "\r\n") : 0;
    size_t len = 0;
    int rc = n == (size_t)SH_KEY_BYTES * 2 &&
                     sodium_hex2bin(master, sizeof master, hex, n, NULL, &len, NULL) == 0 &&
                     len == SH_KEY_BYTES
                 ? SH_OK
                 : sh_err_set(err, 400, "key_file_invalid", "keys",
                              "密钥文件 %s 格式不正确（应为 64 位十六进制）", path);
    sodium_memzero(hex, sizeof hex);
    loaded = rc == SH_OK;
    return rc;
}

int sh_keys_loaded(void) { return loaded; }

int sh_keys_derive(sh_key_purpose purpose, unsigned char *out) {
    if (!loaded)
        return SH_ERR;
    return crypto_kdf_derive_from_key(out, SH_KEY_BYTES, (uint64_t)purpose, "shushu-k", master) == 0 ? SH_OK
                                                                                                     : SH_ERR;
}

void sh_keys_unload(void) {
    sodium_memzero(master, sizeof master);
    loaded = 0;
}

int sh_seal(sh_key_purpose purpose, const char *ad, const unsigned char *m, size_t n, unsigned char *out) {
    unsigned char key[SH_KEY_BYTES];
    if (sh_keys_derive(purpose, key) != SH_OK)
        return SH_ERR;
    randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, m, n,
                                               (const unsigned char *)ad, strlen(ad), NULL, out, key);
    sodium_memzero(key, sizeof key);
    return SH_OK;
}

int sh_unseal(sh_key_purpose purpose, const char *ad, const unsigned char *c, size_t n, unsigned char *out) {
    unsigned char key[SH_KEY_BYTES];
    if (n < SH_SEAL_OVERHEAD || sh_keys_derive(purpose, key) != SH_OK)
        return SH_ERR;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, NULL, NULL, c + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
        n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)ad, strlen(ad), c, key);
    sodium_memzero(key, sizeof key);
    return rc == 0 ? SH_OK : SH_ERR;
}
