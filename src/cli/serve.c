/* serve.c — `shushu serve`: open the store, start the HTTP server, and stop
 * gracefully on SIGTERM or SIGINT (requests in flight finish, the store closes). */
#include "cli/cli.h"
#include "identity/account.h"

#include "core/clock.h"
#include "core/log.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/static.h"
#include "store/backup.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

static int parse_listen(const char *s, sh_config *cfg) {
    static char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof host)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == '\0')
        return -1;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') { /* [::1]:8080 */
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    cfg->listen_host = host;
    cfg->listen_port = (int)port;
    return 0;
}

static int positive(const char *v, int min, int max, int *out) {
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max)
        return -1;
    *out = (int)n;
    return 0;
}

int cmd_serve(int argc, char **argv) {
    sh_opt opts[] = {
        {"db", 1, NULL, "数据库：SQLite 文件路径（或 postgres:// 地址）"},
        {"listen", 1, NULL, "监听地址 HOST:PORT，默认 127.0.0.1:8080；端口 0 表示任选空闲端口"},
        {"web", 1, NULL, "控制台网页目录，默认 web/dist"},
        {"threads", 1, NULL, "工作线程数，默认等于 CPU 核数"},
        {"access-log", 1, NULL, "访问日志：- 为标准输出（默认），off 关闭，或文件路径"},
        {"max-body", 1, NULL, "请求体上限（字节），默认 1048576"},
        {"keys", 1, NULL, "密钥文件，默认为数据库旁的 .key 文件"},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos;
    int rc = sh_cli_parse("serve", argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? 0 : rc;
    sh_app app = {0};
    sh_cli_config(&app.cfg);
    const char *v;
    app.cfg.db_url = sh_cli_get(opts, "db");
    if (!app.cfg.db_url) {
        fprintf(stderr, "shushu serve: 需要 --db（例如 --db shushu.db）\n");
        sh_cli_usage("serve", "--db PATH [--listen HOST:PORT]", opts);
        return 2;
    }
    if ((v = sh_cli_get(opts, "listen")) && parse_listen(v, &app.cfg) != 0) {
        fprintf(stderr, "shushu serve: --listen 应为 HOST:PORT，例如 127.0.0.1:8080\n");
        return 2;
    }
    if ((v = sh_cli_get(opts, "threads")) && positive(v, 1, 256, &app.cfg.threads) != 0) {
        fprintf(stderr, "shushu serve: --threads 应为 1 到 256 之间的整数\n");
        return 2;
    }
    if ((v = sh_cli_get(opts, "max-body")) && positive(v, 1024, 1 << 30, &app.cfg.max_body_bytes) != 0) {
        fprintf(stderr, "shushu serve: --max-body 应为 1024 到 1073741824 之间的整数\n");
        return 2;
    }
    if ((v = sh_cli_get(opts, "web")))
        app.cfg.web_dir = v;
    if ((v = sh_cli_get(opts, "keys")))
        app.cfg.key_file = v;
    if ((v = sh_cli_get(opts, "access-log")))
        app.cfg.access_log = v;

    /* signals are taken by this thread only (sigwait); workers never see them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sh_log_start(app.cfg.access_log) != SH_OK) {
        fprintf(stderr, "shushu serve: 无法打开访问日志 %s\n", app.cfg.access_log);
        return 1;
    }
    sh_err err;
    sh_err_init(&err);
    sh_server *srv = NULL;
    int claim = -1;
    rc = 1;
    app.started_ms = sh_now_ms();
    if (sh_app_init(&app, &err) != SH_OK) {
        sh_cli_error("启动失败", &err);
        goto out;
    }
    if (sh_app_open_store(&app, app.cfg.db_url, 0, &err) != SH_OK) {
        if (strcmp(err.first.code, "db_not_found") == 0)
            fprintf(stderr,
                    "数据库 %s 不存在。新部署：shushu init --db %s --city-name 名称 --region-code 代码；"
                    "演示：shushu demo --db %s\n",
                    app.cfg.db_url, app.cfg.db_url, app.cfg.db_url);
        else
            sh_cli_error("无法打开数据库", &err);
        goto out;
    }
    if (sh_identity_initialised(app.db, &err) != 1) { /* SEC-07: no account, no start */
        if (err.status)
            sh_cli_error("无法读取数据库", &err);
        else if (app.demo) /* made by an older `shushu demo`, before demo accounts existed */
            fprintf(
                stderr,
                "演示数据库 %s 没有演示账号（由旧版本生成）。请删除它及其 .key 文件后重新运行：shushu demo --db %s\n",
                app.cfg.db_url, app.cfg.db_url);
        else
            fprintf(stderr, "数据库 %s 尚未初始化（没有任何账号）。请先运行：shushu init --db %s\n",
                    app.cfg.db_url, app.cfg.db_url);
        goto out;
    }
    if (sh_db_file(app.db) && sh_db_claim(sh_db_file(app.db), 0, &claim, &err) != SH_OK) {
        sh_cli_error("无法启动服务", &err);
        goto out;
    }
    if (sh_static_load(app.cfg.web_dir, &app.web, &err) != SH_OK) {
        sh_cli_error("无法加载控制台网页", &err);
        goto out;
    }
    if (!sh_static_count(app.web))
        sh_log(SH_LOG_WARN, "web_missing", "no console files in %s; run `make web`", app.cfg.web_dir);
    if (sh_metrics_init_for(&app) != SH_OK || sh_server_start(&app, &srv, &err) != SH_OK) {
        sh_cli_error("无法启动服务", &err);
        goto out;
    }
    const char *h = app.cfg.listen_host;
    int v6 = strchr(h, ':') != NULL;
    printf("数枢 Shushu 已启动：http://%s%s%s:%d/  （数据库 %s，%s%s）\n", v6 ? "[" : "", h, v6 ? "]" : "",
           sh_server_port(srv), app.cfg.db_url, sh_db_kind_name(app.db), app.demo ? "，演示环境" : "");
    fflush(stdout);
    sh_log(SH_LOG_INFO, "started", "listening on %s:%d, %d threads", h, sh_server_port(srv), app.cfg.threads);
    int sig = 0;
    sigwait(&set, &sig);
    sh_log(SH_LOG_INFO, "stopping", "signal %d: finishing requests in flight", sig);
    const char *grace = getenv("SHUSHU_SHUTDOWN_GRACE_MS"); /* tests shorten it */
    long grace_ms = grace ? strtol(grace, NULL, 10) : 0;
    sh_server_stop(srv, grace_ms > 0 && grace_ms <= 600000 ? (int)grace_ms : 10000);
    srv = NULL;
    rc = 0;
out:
    sh_server_stop(srv, 0);
    sh_static_free(app.web);
    sh_app_close(&app);
    sh_db_unclaim(claim);
    sh_metrics_free();
    sh_err_clear(&err);
    if (rc == 0)
        sh_log(SH_LOG_INFO, "stopped", "store closed");
    sh_log_stop();
    return rc;
}
