/*
 * ctl.h - shared helpers of the sentiroutectl commands (tools/ctl_*.c)
 */
#ifndef SR_CTL_H
#define SR_CTL_H

#include <sentiroute.h>

#define SRCTL_EXIT_USAGE 2

/* srctl_usage_error - print "sentiroutectl: <message>" and a hint; returns
 * SRCTL_EXIT_USAGE for the command to return. */
int srctl_usage_error(const char *fmt, ...) SR_PRINTFLIKE(1, 2);

/* srctl_load_ctx - the configuration (file, or built-in defaults when
 * config_path is NULL) and a context; NULL with *status set to the exit
 * code after printing why. */
sr_ctx *srctl_load_ctx(const char *config_path, int *status);

/* the commands: argv[0] is the command name */
int srctl_eval(const char *config_path, int argc, char **argv);


/* ------------------------------------------------------------------------
 * The store commands (ctl_store.c, ctl_report.c): ingest, rescore,
 * tickets, ticket, outbox, profiles, report, metrics
 * ------------------------------------------------------------------------ */

#include <stdio.h>

/* Global options every store command sees. */
typedef struct srctl_opts {
    const char *config_path;   /* -c, or NULL for the built-in defaults */
    const char *store_dir;     /* --store, or NULL for store.path */
} srctl_opts;

typedef int (*srctl_cmd_fn)(const srctl_opts *o, int argc, char **argv);

/* srctl_find - the store command called name, or NULL */
srctl_cmd_fn srctl_find(const char *name);

/* srctl_usage - the store commands' usage lines */
void srctl_usage(FILE *fp);

/* srctl_open - config, context and store; returns 0 or an exit status */
int srctl_open(const srctl_opts *o, unsigned flags, sr_ctx **ctx, sr_store **st);
void srctl_close(sr_ctx *ctx, sr_store *st);

/* report and metrics (ctl_report.c) */
int srctl_report(const srctl_opts *o, int argc, char **argv);
int srctl_metrics(const srctl_opts *o, int argc, char **argv);

#endif
