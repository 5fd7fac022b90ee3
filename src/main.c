/* main.c — the `shushu` command line: finds the subcommand and runs it. The
 * modules compiled in are listed in modules.c. */
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/log.h"
#include "system/system.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("shushu %s\n", SHUSHU_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"serve", cmd_serve, "启动服务：网页控制台、API 与标准接口"},
    {"init", cmd_init, "初始化新部署：市级机构与三位管理员（询问密码）"},
    {"demo", cmd_demo, "创建演示数据库（示范市与各角色的演示账号）"},
    {"migrate", cmd_migrate, "把数据库结构升级到本程序的版本"},
    {"migrate-data", cmd_migrate_data, "把 SQLite 部署整体迁移到 PostgreSQL，并逐表校验行数与校验和"},
    {"import", cmd_import, "批量导入基础数据（CSV 或 XLSX；先校验，全部正确才写入）"},
    {"export", cmd_export,
     "导出数据（export oneroster：OneRoster 1.2 CSV 压缩包；export students：全国学籍系统《学生基本信息表》）"},
    {"backup", cmd_backup, "在线备份数据库（带校验清单）"},
    {"restore", cmd_restore, "校验备份并恢复数据库"},
    {"duplicates", cmd_duplicates, "疑似重复人员报告（姓名、性别、出生日期相同而证件号不同或缺失）"},
    {"keys", cmd_keys, "轮换加密密钥（keys rotate：重新加密全部敏感字段，审计链保持可校验）"},
    {"kt", cmd_kt, "知识追踪：kt fit 拟合各知识点的 BKT 参数，kt predict 逐题预测答对概率"},
    {"mastery", cmd_mastery, "学情：mastery fit 由已计入的作答拟合各知识点的 BKT 参数，供在线更新使用"},
    {"kg", cmd_kg, "知识图谱：kg import 导入 CSV（先校验，全部正确才写入），kg export 导出 CSV"},
    {"items", cmd_items,
     "题库：items import 导入 JSON Lines（文件或文件夹；--publish 直接发布），items export 导出"},
    {"verify", cmd_verify, "校验审计日志的摘要链（verify audit）"},
    {"version", cmd_version, "显示版本"},
    {"help", cmd_help, "显示帮助"},
};

static int cmd_help(int argc, char **argv) {
    if (argc > 0) {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[0], commands[i].name) == 0 && commands[i].fn != cmd_help &&
                commands[i].fn != cmd_version) {
                char *args[] = {"--help"};
                return commands[i].fn(1, args);
            }
    }
    printf("数枢 Shushu —— 市级教育数据中枢与智慧教育平台\n\n用法：shushu 子命令 [选项]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-11s %s\n", commands[i].name, commands[i].help);
    printf("\n运行 shushu help 子命令 查看该子命令的选项。\n");
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) {
        fprintf(stderr, "shushu: 无法初始化加密库\n");
        return 1;
    }
    json_set_alloc_funcs(sh_malloc, sh_free);
    if (argc >= 2 && strcmp(argv[1], "serve") != 0)
        sh_log_set_level(SH_LOG_WARN); /* commands report in Chinese; the log keeps to problems */
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(0, NULL);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(0, NULL);
    fprintf(stderr, "shushu: 不认识的子命令“%s”（运行 shushu help 查看全部子命令）\n", argv[1]);
    return 2;
}
