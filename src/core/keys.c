/* keys.c — key file loading, purpose-key derivation and the file side of key
 * rotation (pending file, settling, swap). See keys.h. */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char master[SH_KEY_BYTES], stable[SH_KEY_BYTES];
static _Atomic unsigned generation; /* changes whenever the keys in use do */
static int loaded;

int sh_keys_path(const char *db_file, const char *key_file, char *out, size_t cap, sh_err *err) {
    int n;
    if (key_file)
        n = snprintf(out, cap, "%s", key_file);
    else if (db_file)
        n = snprintf(out, cap, "%s.key", db_file);
    else
        return sh_err_set(err, 400, "key_file_missing", "keys", "请用 --keys 指定密钥文件");
    return n > 0 && (size_t)n + 8 < cap ? SH_OK
                                        : sh_err_set(err, 400, "key_file", "keys", "密钥文件路径过长");
}

int sh_keys_open(const char *db_file, const char *key_file, int create, sh_err *err) {
    char path[4200];
    if (sh_keys_path(db_file, key_file, path, sizeof path, err) != SH_OK)
        return SH_ERR;
    return sh_keys_load(path, create, err);
}

/* fsync the folder holding path, so a created or renamed entry survives a crash. */
static int sync_dir(const char *path) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SH_ERR;
    int rc = fsync(fd) == 0 ? SH_OK : SH_ERR;
    close(fd);
    return rc;
}

/* Write lines to a new file (exclusive, 0600), fsync'd; removed on failure. */
static int write_key_file(const char *path, const char *text, sh_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sh_err_set(err, 500, "key_file", NULL, "无法创建密钥文件 %s：%s", path, strerror(errno));
    ssize_t w = write(fd, text, strlen(text));
    int ok = w == (ssize_t)strlen(text) && fsync(fd) == 0;
    close(fd);
    if (!ok || sync_dir(path) != SH_OK) {
        unlink(path);
        return sh_err_set(err, 500, "key_file", NULL, "写入密钥文件 %s 失败", path);
    }
    return SH_OK;
}

/* Parse a key file's text: the master on the first line, "stable HEX" after it
 * (absent: the master). SH_ERR when it is not a key file. */
static int parse_keys(char *text, unsigned char m[SH_KEY_BYTES], unsigned char st[SH_KEY_BYTES]) {
    size_t n = strcspn(text, "\r\n"), len = 0;
    if (n != (size_t)SH_KEY_BYTES * 2 || sodium_hex2bin(m, SH_KEY_BYTES, text, n, NULL, &len, NULL) != 0 ||
        len != SH_KEY_BYTES)
        return SH_ERR;
    memcpy(st, m, SH_KEY_BYTES);
    char *line = text + n;
    while (*line == '\r' || *line == '\n')
        line++;
    if (!*line)
        return SH_OK;
    n = strcspn(line, "\r\n");
    if (n != 7 + (size_t)SH_KEY_BYTES * 2 || strncmp(line, "stable ", 7) != 0 ||
        sodium_hex2bin(st, SH_KEY_BYTES, line + 7, n - 7, NULL, &len, NULL) != 0 || len != SH_KEY_BYTES)
        return SH_ERR;
    line += n;
    while (*line == '\r' || *line == '\n')
        line++;
    return *line ? SH_ERR : SH_OK;
}

/* Read a key file (mode checked) into m and st. */
static int read_keys(const char *path, unsigned char m[SH_KEY_BYTES], unsigned char st[SH_KEY_BYTES],
                     sh_err *err) {
    struct stat st_;
    if (stat(path, &st_) != 0)
        return sh_err_set(err, 500, "key_file", NULL, "无法读取密钥文件 %s", path);
    if (st_.st_mode & 077)
        return sh_err_set(err, 400, "key_file_mode", "keys",
                          "密钥文件 %s 的权限过宽，应仅所有者可读写（chmod 600）", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return sh_err_set(err, 500, "key_file", NULL, "无法读取密钥文件 %s", path);
    char text[512] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    int rc = parse_keys(text, m, st) == SH_OK
                 ? SH_OK
                 : sh_err_set(err, 400, "key_file_invalid", "keys",
                              "密钥文件 %s 格式不正确（应为 64 位十六进制）", path);
    sodium_memzero(text, sizeof text);
    return rc;
}

static void fingerprint_of(const unsigned char m[SH_KEY_BYTES], char out[33]) {
    unsigned char fp[16];
    crypto_kdf_derive_from_key(fp, sizeof fp, 99, "shushu-f", m);
    sodium_bin2hex(out, 33, fp, sizeof fp);
}

int sh_keys_fingerprint(char out[33]) {
    if (!loaded)
        return SH_ERR;
    fingerprint_of(master, out);
    return SH_OK;
}

int sh_keys_settle(const char *path, const char *db_fingerprint, sh_err *err) {
    char pending[4300];
    snprintf(pending, sizeof pending, "%s.new", path);
    struct stat st;
    if (stat(pending, &st) != 0)
        return SH_OK;
    unsigned char m[SH_KEY_BYTES], s[SH_KEY_BYTES];
    char fp[33] = "";
    sh_err scratch;
    sh_err_init(&scratch);
    if (read_keys(pending, m, s, &scratch) == SH_OK) /* unreadable: it never committed */
        fingerprint_of(m, fp);
    sh_err_clear(&scratch);
    sodium_memzero(m, sizeof m);
    sodium_memzero(s, sizeof s);
    if (fp[0] && db_fingerprint && strcmp(fp, db_fingerprint) == 0) {
        if (rename(pending, path) != 0 || sync_dir(path) != SH_OK)
            return sh_err_set(err, 500, "key_file", NULL, "无法完成上次中断的密钥轮换（%s）",
                              strerror(errno));
        return SH_OK;
    }
    if (unlink(pending) != 0 || sync_dir(path) != SH_OK)
        return sh_err_set(err, 500, "key_file", NULL, "无法清除上次中断的密钥轮换留下的 %s", pending);
    return SH_OK;
}

void sh_keys_new_master(unsigned char m[SH_KEY_BYTES]) { randombytes_buf(m, SH_KEY_BYTES); }

int sh_keys_write_pending(const char *path, const unsigned char m[SH_KEY_BYTES], sh_err *err) {
    if (!loaded)
        return sh_err_set(err, 500, "keys_missing", NULL, "未加载密钥");
    char pending[4300], mh[SH_KEY_BYTES * 2 + 1], sh[SH_KEY_BYTES * 2 + 1], text[200];
    snprintf(pending, sizeof pending, "%s.new", path);
    sodium_bin2hex(mh, sizeof mh, m, SH_KEY_BYTES);
    sodium_bin2hex(sh, sizeof sh, stable, SH_KEY_BYTES);
    snprintf(text, sizeof text, "%s\nstable %s\n", mh, sh);
    int rc = write_key_file(pending, text, err);
    sodium_memzero(mh, sizeof mh);
    sodium_memzero(sh, sizeof sh);
    sodium_memzero(text, sizeof text);
    return rc;
}

void sh_keys_swap_master(unsigned char m[SH_KEY_BYTES]) {
    unsigned char t[SH_KEY_BYTES];
    memcpy(t, master, sizeof t);
    memcpy(master, m, sizeof t);
    memcpy(m, t, sizeof t);
    sodium_memzero(t, sizeof t);
    generation++;
}

int sh_keys_commit_file(const char *path, sh_err *err) {
    char pending[4300];
    snprintf(pending, sizeof pending, "%s.new", path);
    if (rename(pending, path) != 0 || sync_dir(path) != SH_OK)
        return sh_err_set(err, 500, "key_file", NULL, "无法替换密钥文件 %s：%s", path, strerror(errno));
    return SH_OK;
}

static int create_file(const char *path, sh_err *err) {
    unsigned char k[SH_KEY_BYTES];
    randombytes_buf(k, sizeof k);
    char hex[SH_KEY_BYTES * 2 + 1], line[SH_KEY_BYTES * 2 + 2];
    sodium_bin2hex(hex, sizeof hex, k, sizeof k);
    sodium_memzero(k, sizeof k);
    snprintf(line, sizeof line, "%s\n", hex);
    int rc = write_key_file(path, line, err);
    sodium_memzero(hex, sizeof hex);
    sodium_memzero(line, sizeof line);
    return rc;
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
    }
    int rc = read_keys(path, master, stable, err);
    loaded = rc == SH_OK;
    generation++;
    return rc;
}

int sh_keys_loaded(void) { return loaded; }

unsigned sh_keys_generation(void) { return generation; }

int sh_keys_derive(sh_key_purpose purpose, unsigned char *out) {
    if (!loaded)
        return SH_ERR;
    const unsigned char *from = purpose == SH_KEY_AUDIT || purpose == SH_KEY_RECOVERY ? stable : master;
    uint64_t id = purpose == SH_KEY_RECOVERY ? (uint64_t)SH_KEY_LOOKUP : (uint64_t)purpose;
    return crypto_kdf_derive_from_key(out, SH_KEY_BYTES, id, "shushu-k", from) == 0 ? SH_OK : SH_ERR;
}

void sh_keys_unload(void) {
    sodium_memzero(master, sizeof master);
    sodium_memzero(stable, sizeof stable);
    loaded = 0;
    generation++;
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
