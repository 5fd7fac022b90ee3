/* common.c — option parsing, progress bar and paths shared by the subcommands. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "core/alloc.h"
#include "core/clock.h"

#include <errno.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sh_cli_parse(const char *cmd, int argc, char **argv, sh_opt *opts, const char **pos, int maxpos,
                 int *npos) {
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (*npos == maxpos) {
                fprintf(stderr, "shushu %s: 多余的参数“%s”（运行 shushu help %s 查看用法）\n", cmd, a, cmd);
                return 2;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            sh_cli_usage(cmd, "[选项]", opts);
            return -1;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        sh_opt *o = NULL;
        for (sh_opt *p = opts; p->name; p++)
            if (strlen(p->name) == nlen && strncmp(p->name, name, nlen) == 0)
                o = p;
        if (!o) {
            fprintf(stderr, "shushu %s: 不认识的选项 --%.*s（运行 shushu help %s 查看用法）\n", cmd,
                    (int)nlen, name, cmd);
            return 2;
        }
        if (!o->takes_value) {
            if (eq) {
                fprintf(stderr, "shushu %s: 选项 --%s 不带值\n", cmd, o->name);
                return 2;
            }
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            fprintf(stderr, "shushu %s: 选项 --%s 需要一个值\n", cmd, o->name);
            return 2;
        }
    }
    return 0;
}

const char *sh_cli_get(const sh_opt *opts, const char *name) {
    for (const sh_opt *p = opts; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p->value;
    return NULL;
}

void sh_cli_usage(const char *cmd, const char *synopsis, const sh_opt *opts) {
    fprintf(stderr, "用法：shushu %s %s\n", cmd, synopsis);
    for (const sh_opt *p = opts; p->name; p++)
        fprintf(stderr, "  --%-14s %s\n", p->name, p->help);
}

void sh_cli_error(const char *what, const sh_err *err) {
    fprintf(stderr, "%s：%s", what, err->first.message);
    if (err->first.field[0])
        fprintf(stderr, "（%s）", err->first.field);
    fprintf(stderr, "\n");
}

void sh_progress_start(sh_progress *p, const char *label, long long total) {
    p->label = label;
    p->total = total > 0 ? total : 1;
    p->done = 0;
    p->tty = isatty(2);
    p->last_ms = 0;
    p->note[0] = '\0';
}

static void draw(sh_progress *p) {
    int width = 30, filled = (int)(p->done * width / p->total);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = 0;
    if (p->note[0])
        fprintf(stderr, "\r%s [%s] %3lld%% %s", p->label, bar, p->done * 100 / p->total, p->note);
    else
        fprintf(stderr, "\r%s [%s] %3lld%% %lld/%lld", p->label, bar, p->done * 100 / p->total, p->done,
                p->total);
    fflush(stderr);
}

void sh_progress_step(sh_progress *p, long long n) {
    p->done += n;
    if (p->done > p->total)
        p->done = p->total;
    if (!p->tty)
        return;
    long long now = sh_now_ms();
    if (now - p->last_ms >= 100 || p->done == p->total) {
        p->last_ms = now;
        draw(p);
    }
}

void sh_progress_at(sh_progress *p, long long done, long long total, const char *note) {
    if (total > 0)
        p->total = total;
    snprintf(p->note, sizeof p->note, "%s", note ? note : "");
    sh_progress_step(p, done - p->done);
}

void sh_progress_end(sh_progress *p) {
    if (p->tty) {
        p->done = p->total;
        draw(p);
        fputc('\n', stderr);
    }
}

const char *sh_cli_home(void) {
    static char home[PATH_MAX];
    if (home[0])
        return home;
    /* the project root: the nearest directory above the program (build/shushu,
     * build/asan/shushu) that holds data/codes; else the working directory */
    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n > 0) {
        dir[n] = 0;
        char *slash;
        for (int up = 0; up < 4 && (slash = strrchr(dir, '/')) != NULL && slash != dir; up++) {
            *slash = 0;
            char probe[PATH_MAX + 32];
            struct stat st;
            snprintf(probe, sizeof probe, "%s/data/codes", dir);
            if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
                snprintf(home, sizeof home, "%s", dir);
                return home;
            }
        }
    }
    snprintf(home, sizeof home, ".");
    return home;
}

void sh_cli_config(sh_config *cfg) {
    static char web[PATH_MAX + 16], data[PATH_MAX + 16];
    sh_app_defaults(cfg);
    snprintf(web, sizeof web, "%s/web/dist", sh_cli_home());
    snprintf(data, sizeof data, "%s/data", sh_cli_home());
    cfg->web_dir = web;
    cfg->data_dir = data;
}

char *sh_cli_read_file(const char *cmd, const char *what, const char *path, size_t max, size_t *len) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "shushu %s: 无法读取%s %s：%s\n", cmd, what, path,
                f ? "不是普通文件" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        fprintf(stderr, "shushu %s: %s太大（上限 %zu MB）\n", cmd, what, max >> 20);
        fclose(f);
        return NULL;
    }
    char *text = sh_malloc((size_t)st.st_size + 1);
    *len = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!text || *len != (size_t)st.st_size) {
        fprintf(stderr, "shushu %s: 无法读取%s %s\n", cmd, what, path);
        sh_free(text);
        return NULL;
    }
    text[*len] = 0;
    return text;
}

int sh_cli_audit(sh_db *d, const char *event, int ok, const char *object, const char *detail) {
    sh_err err;
    sh_err_init(&err);
    sh_conn *c = sh_db_acquire(d, &err);
    sh_audit_event ev = {.event = event, .ok = ok, .actor = "cli", .object = object, .detail = detail};
    int rc = c ? sh_audit_write(c, &ev, &err) : SH_ERR;
    if (rc != SH_OK)
        sh_cli_error("无法写入审计日志", &err);
    sh_db_release(c);
    sh_err_clear(&err);
    return rc;
}
