/* cli.h — the command line: option parsing, progress display and the subcommands.
 *
 * Each subcommand is `int cmd_NAME(int argc, char **argv)` returning the process
 * exit status (0 ok, 1 failure, 2 wrong usage). Options are `--name value` or
 * `--name=value`; an unknown option or a missing value is wrong usage with a clear
 * message on stderr. */
#ifndef SH_CLI_H
#define SH_CLI_H

#include "app.h"

typedef struct sh_opt {
    const char *name; /* without dashes */
    int takes_value;
    const char *value; /* out: value, or "1" for a flag that was given */
    const char *help;
} sh_opt;

/* Parse argv (after the subcommand) into opts. Positional arguments are returned
 * in pos (up to maxpos). Returns 0, 2 (usage error, already reported) or -1
 * (--help was asked and printed: the command should exit 0). */
int sh_cli_parse(const char *cmd, int argc, char **argv, sh_opt *opts, const char **pos, int maxpos,
                 int *npos);
const char *sh_cli_get(const sh_opt *opts, const char *name);
void sh_cli_usage(const char *cmd, const char *synopsis, const sh_opt *opts);
/* Print an error's Chinese message (and field) to stderr. */
void sh_cli_error(const char *what, const sh_err *err);

/* Record an operation done from the command line in d's audit log (actor
 * "cli"); SH_ERR with the reason printed. */
int sh_cli_audit(sh_db *d, const char *event, int ok, const char *object, const char *detail);

/* Progress bar on stderr when it is a terminal; silent otherwise. */
typedef struct sh_progress {
    const char *label;
    long long total, done;
    int tty;
    long long last_ms;
    char note[64]; /* shown instead of "done/total" when set (e.g. rows read) */
} sh_progress;
void sh_progress_start(sh_progress *p, const char *label, long long total);
void sh_progress_step(sh_progress *p, long long n);
/* Set where p stands (done of total, total > 0) with a note such as "12000 行". */
void sh_progress_at(sh_progress *p, long long done, long long total, const char *note);
void sh_progress_end(sh_progress *p);

/* Where the program's shipped files are (web/dist, data/): next to the binary's
 * folder (build/..) when present, else the current folder. */
const char *sh_cli_home(void);
void sh_cli_config(sh_config *cfg); /* defaults with paths resolved against sh_cli_home */
/* The whole regular file at path (sh_malloc'd, NUL-terminated, *len bytes), or
 * NULL with the reason printed as "shushu CMD: 无法读取WHAT …" (missing, not a
 * regular file, larger than max bytes). */
char *sh_cli_read_file(const char *cmd, const char *what, const char *path, size_t max, size_t *len);

int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_data(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_duplicates(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* export students: a school's or district's students as the national registry form (export_students.c). */
int sh_cli_export_students(int argc, char **argv);
int cmd_kt(int argc, char **argv);
int cmd_mastery(int argc, char **argv);
int cmd_kg(int argc, char **argv);
int cmd_items(int argc, char **argv);
/* `shushu demo`: import and publish the shipped knowledge graphs and item banks
 * under the data folder (demo_content.c); *points and *items count them. */
int sh_cli_demo_content(sh_app *app, long *points, long *items, sh_err *err);
struct sh_items_import_result;
struct sh_provenance;
/* Import the item bank file or folder (every *.jsonl) at path into db in one
 * transaction (rolled back on a dry run or any problem), problems in res. */
int sh_cli_load_items(sh_db *db, const char *path, int publish, int dry_run, const struct sh_provenance *pv,
                      struct sh_items_import_result *res);
/* Open the application on db for a subcommand (key file `keys`, NULL = beside
 * the database); SH_ERR with the reason printed. Close with sh_app_close. */
int sh_cli_open(sh_app *app, const char *db, const char *keys);
/* Print every problem of a file import to stderr, with row and column. */
void sh_cli_print_file_errors(const sh_err *err);
/* `shushu import oneroster FILE.zip …` (called by cmd_import). */
int cmd_import_oneroster(int argc, char **argv);

#endif
