/*
 * internal.h - helpers shared by the core modules (srp_ prefix, never
 * exported: the library exports only ^sr_).
 */
#ifndef SR_INTERNAL_H
#define SR_INTERNAL_H

#include "sentiroute.h"

#include <stdarg.h>

#define SR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SR_MIN(a, b) ((a) < (b) ? (a) : (b))   /* evaluates twice */
#define SR_MAX(a, b) ((a) > (b) ? (a) : (b))   /* evaluates twice */

/* srp_error - fill err (if not NULL) and return code. */
int srp_error(sr_error *err, int code, int sys, const char *where, const char *fmt, ...)
    SR_PRINTFLIKE(5, 6);

/* srp_strlcpy - copy with truncation (between UTF-8 characters), always NUL-terminated;
 * returns strlen(src). */
size_t srp_strlcpy(char *dst, const char *src, size_t size);

/* srp_escape - copy untrusted bytes into dst for a log line: printable
 * ASCII and valid UTF-8 pass, everything else becomes \xNN, capped at
 * size-1 bytes with "..." when cut.  Returns dst. */
char *srp_escape(char *dst, size_t size, const char *src, size_t len);

/* the time of one job in requests: a Zendesk comment reads the comments
 * (a paged lookup: SRP_LOOKUP_SLOTS), PUTs, and on a closed ticket looks
 * for a follow-up, POSTs it and looks again after an
 * IdempotentRequestError.  A job's worst case is this many times
 * (handoff.timeout + handoff.connect_timeout); the lease must outlast it
 * (config.c refuses a shorter one, outbox.c sizes batches by it) */
#define SRP_LOOKUP_SLOTS 2
#define SRP_JOB_MAX_REQUESTS (4 + SRP_LOOKUP_SLOTS)

/* the most pages one paged lookup reads (a retry's search for what an
 * earlier attempt sent): Zendesk keeps at most 5000 comments a ticket,
 * 50 pages of 100 */
#define SRP_LOOKUP_MAX_PAGES 50

#endif
