/*
 * The command table's view of a command (after tmux's cmd_entry): each
 * command lives in src/cmd/<verb>.c and exports one entry.
 * Layer: cmd/ (may use every subsystem).
 */
#ifndef CMD_CMD_H
#define CMD_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "api/model-json.h"
#include "cache/cache.h"
#include "cache/resolve.h"
#include "lock/lock.h"
#include "util/strlist.h"

struct mlxk_ctx {
	const char *cache_dir;	  /* --cache-dir, or NULL */
	const char *datasets_dir; /* --datasets-dir, or NULL */
	const char *xet_dir;	  /* --xet-dir, or NULL */
	bool json;		  /* --json before the command name */
};

struct cmd_entry {
	const char *name;
	const char *summary; /* one line for "mlxk --help" */
	const char *usage;   /* synopsis without "usage: mlxk " */
	const char *help;    /* description and options */
	int (*exec)(int argc, char **argv, struct mlxk_ctx *ctx);
};

extern const struct cmd_entry cmd_clean_locks_entry;
extern const struct cmd_entry cmd_health_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_prune_entry;
extern const struct cmd_entry cmd_pull_entry;
extern const struct cmd_entry cmd_rm_entry;
extern const struct cmd_entry cmd_show_entry;

/*
 * Set by SIGINT/SIGTERM; long operations poll it (stop_requested, from
 * util/stop.h: any thread may read it) and stop cleanly.
 */
extern volatile int mlxk_interrupted;

/* Print the command's usage and help to f. */
void cmd_print_help(const struct cmd_entry *e, FILE *f);
/* Reset getopt so a command can parse its own argv from argv[1]. */
void cmd_getopt_reset(void);
struct json_t;
/*
 * Report that the command failed: "mlxk: error: msg" on stderr, or the
 * JSON error envelope of command with error type and data (stolen, may
 * be NULL). Returns 1 (EXIT_FAIL).
 */
int cmd_fail(const char *command, bool json, struct json_t *data,
	     const char *type, const char *msg);
/*
 * Report a bad option the way every command does: one line on stderr
 * with a hint, or the JSON error envelope when json is set. e may be
 * NULL before a command is known ("command": null). Returns 2.
 */
int cmd_usage_error(const struct cmd_entry *e, bool json, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * True if --json is among argv[1..] (before any "--"), else json: the
 * envelope is wanted even when option parsing fails early.
 */
bool cmd_json_requested(int argc, char **argv, bool json);
struct option;
/*
 * Report what getopt_long() just rejected ('?' or ':'), naming the
 * offending option: unknown, missing value or unwanted value. Returns 2.
 */
int cmd_option_error(const struct cmd_entry *e, bool json, char **argv,
		     const struct option *opts);
/*
 * Open the cache selected by --cache-dir or the environment. On failure
 * reports the error (human or JSON for command) and returns -1.
 */
int cmd_open_cache(struct mlxk_ctx *ctx, const char *command, bool json,
		   struct cache *c);
/*
 * Report a model spec that did not resolve (resolve_model() < 0): an
 * empty name is a usage error (exit 2); ambiguous (every match listed)
 * and unknown revisions are one error line, or the JSON error envelope
 * with type ambiguous_match (error.matches) / hash_not_found and data
 * (stolen, may be NULL); not found goes to cmd_model_not_found. Returns
 * the exit code.
 */
int cmd_resolve_failed(const struct cmd_entry *e, bool json, struct cache *c,
		       const char *spec, struct resolved *res,
		       struct json_t *data);
/*
 * The one report of "no such model" for every command: MLX-Knife's
 * wording, the cache that was looked in and what chose it, and what to do
 * next (mlxk list, or mlxk pull), on one line; in JSON the envelope's
 * error of type (model_not_found, or rm's cache_not_found) with the
 * message "No model found matching 'spec'" and the keys cache,
 * cache_source and next. data is stolen. Returns 1.
 */
int cmd_model_not_found(const char *command, bool json, struct cache *c,
			const char *spec, const char *type,
			struct json_t *data);
/*
 * The colour (an SGR sequence) of a health state in human output:
 * "healthy" green, "unhealthy" red, any other state (a warning such as
 * list's "healthy*") yellow. Use only when term_colour(STDOUT_FILENO).
 */
const char *cmd_state_colour(const char *state);
/* True if both stdin and stderr are terminals: a person can answer. */
bool cmd_interactive(void);
/*
 * The one rule of every deleting command (rm, prune, clean-locks and
 * their --datasets/--local-dir/--xet forms; docs/rm-and-locks.md,
 * "Deleting without a terminal"): a person at a terminal is asked; with
 * nobody to ask (no terminal, or --json) nothing is asked, and a run
 * goes ahead only when the command line settles what goes. It does with
 * --force, a dry run or nothing to delete, and when what goes was named
 * exactly or holds no data (lock files); otherwise (guarded: a guessed
 * name, prune's findings) it is refused.
 */
enum cmd_ask {
	CMD_GO,	    /* delete without asking */
	CMD_ASK,    /* ask on the terminal first */
	CMD_REFUSE, /* nobody to ask: cmd_refuse_unasked() */
};
enum cmd_ask cmd_delete_policy(bool force, bool dry_run, bool json,
			       bool anything, bool guarded);
/*
 * Refuse a guarded run without a terminal: one line naming what was not
 * deleted (what) and how to go ahead (retry, naming --force), or the JSON
 * error envelope of type requires_confirmation with data (stolen, may be
 * NULL). Returns 2, as a usage error: the command line must change.
 */
int cmd_refuse_unasked(const char *command, bool json, struct json_t *data,
		       const char *what, const char *retry);
/*
 * When the cache holds no model at all: say which cache was looked in,
 * what chose it, and how to get a model (stderr, human output only).
 */
void cmd_hint_empty_cache(const struct mlxk_ctx *ctx, struct cache *c);
/*
 * When the datasets or Xet cache at root does not exist: say so, what
 * chose it (source) and the option that names another (stderr).
 */
void cmd_hint_missing_area(const char *what, const char *root,
			   const char *source, const char *option);
/* "the cache /x (chosen by HF_HUB_CACHE)", printable. */
void cmd_describe_cache(struct strbuf *sb, const struct cache *c);
/*
 * Ask a yes/no question on the terminal; default_yes picks the answer
 * for an empty line. Returns true for yes.
 */
bool cmd_confirm(const char *question, bool default_yes);

/*
 * What "mlxk health" was asked for. health.c parses the options; the
 * whole-cache and content-verification modes (--cache, --verify,
 * --fix-permissions) run in health-doctor.c.
 */
struct health_opts {
	const char *spec; /* MODEL[@REV], or NULL for all models */
	bool json;
	bool verify;	      /* --verify: re-hash every file */
	bool cache;	      /* --cache: whole-cache diagnostics */
	bool fix_permissions; /* --cache --fix-permissions */
	bool dry_run;	      /* --fix-permissions --dry-run */
	const char *group;    /* --fix-permissions --group GROUP */
};

/* clean-locks --datasets / --local-dir DIR (clean-locks-home.c). */
struct cl_home_opts {
	bool datasets;
	struct strlist local_dirs;
	bool dry_run, force, json, verbose;
	long long older_than;
};
int clean_locks_home(struct mlxk_ctx *ctx, const struct cl_home_opts *o);

/* prune --datasets / --local-dir DIR / --xet (prune-home.c). */
struct prune_home_opts {
	bool datasets, xet, xet_staging;
	struct strlist local_dirs;
	long long older_than; /* < 0: no age-based pruning */
	bool dry_run, force, json, verbose;
};
int prune_home(struct mlxk_ctx *ctx, const struct prune_home_opts *o);

/* health --cache --home [--local-dir DIR]... (health-home.c). */
int health_home_run(struct mlxk_ctx *ctx, bool json,
		    const struct strlist *local_dirs);

/*
 * MLX-Knife's health data ({healthy, unhealthy, summary}) for every model
 * of the cache, by the integrity rules: health --cache puts it beside its
 * own report so that the envelope still validates (health.c).
 */
struct json_t *health_models_json(struct cache *c);

/* Run health --verify and/or --cache; returns the exit code. */
int health_doctor_run(struct mlxk_ctx *ctx, const struct health_opts *o);

/*
 * From here on, SIGINT and SIGTERM only set mlxk_interrupted, so the
 * command can stop at a safe point. Commands that write call this.
 */
void cmd_catch_interrupts(void);

/*
 * Warn about removed lock files whose blocked waiters were left on their
 * own (the escort's time limit, or Ctrl-C): the processes named by
 * `fuser` on them still hold the old file.
 */
void cmd_warn_escorts(const struct strlist *given_up);

/*
 * s as it may reach a terminal (strbuf_add_printable: control characters,
 * escape sequences and newlines of names from the cache become '?'). The
 * result stays valid for the next 7 calls: enough for one printf.
 */
const char *cmd_shown(const char *s);

/* A lock sweep's report (cmd/lock-report.c). */
/* "held by a running process", "used recently", ... */
const char *cmd_lock_reason(enum lock_fate f);
/* A user's name, or "uid N"; a new string. */
char *cmd_owner_name(uid_t uid);
/* Lock files a sweep kept (neither removed nor already gone). */
size_t cmd_locks_kept(const struct lock_sweep *s);
/* "3 held by a running process, 1 used recently" */
void cmd_locks_kept_summary(struct strbuf *sb, const struct lock_sweep *s);
/*
 * Show what a dry sweep s found over folders lock folders ("12 lock files
 * in 3 folders can go; 1 stay (held by a running process).") and ask on
 * the terminal; false (and "Cancelled") when the answer is no.
 */
bool cmd_locks_confirm(const struct lock_sweep *s, size_t folders);
/* "Kept 3: 2 held by ..." and whose lock files we had no permission for. */
void cmd_print_locks_kept(const struct lock_sweep *s);
/* "alice, bob": owners of the lock files we had no permission for. */
void cmd_locks_no_perm_owners(struct strbuf *sb, const struct lock_sweep *s);

#endif
