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

#endif
