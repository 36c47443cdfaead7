/*
 * jsonw.h - a compact JSON object writer for the store's hot records
 *
 * The store writes three records per ingested message (ticket, message,
 * event).  Building them as jansson trees and dumping them cost about
 * 200,000 instructions per message with a 2 KB text (jansson escapes
 * strings one code point at a time).  This writer appends to a buffer:
 * runs of plain bytes are copied, only '"', '\\' and control characters
 * are escaped.  Its output is what jansson's json_dumpb() gives for the
 * same object with JSON_COMPACT | JSON_REAL_PRECISION(9): records stay
 * readable by jansson (srp_get_json) and by mdb_dump users alike.
 * Reading stays with jansson; this is no parser.
 *
 * Strings must be valid UTF-8 (jansson refuses anything else when it
 * loads the record), reals finite: otherwise the writer fails, as
 * json_pack() would, and srp_jw_finish() says so.
 */
#ifndef SR_JSONW_H
#define SR_JSONW_H

#include <stddef.h>
#include <stdint.h>

typedef struct srp_jw {
    char *buf;          /* small, or a malloc'd buffer once it outgrew it */
    size_t len, cap;
    int fields;         /* members written so far (for the commas) */
    int bad;            /* 1: invalid UTF-8 or non-finite real; 2: out of memory */
    char small[2048];
} srp_jw;

/* srp_jw_begin - an empty buffer with the opening brace */
void srp_jw_begin(srp_jw *w);

/* members: key is a plain ASCII literal (not escaped) */
void srp_jw_int(srp_jw *w, const char *key, int64_t v);
void srp_jw_real(srp_jw *w, const char *key, double v);
void srp_jw_str(srp_jw *w, const char *key, const char *s);

/* srp_jw_finish - close the object; 0 and w->buf/len hold the record, or
 * -1 (w->bad says why).  srp_jw_free() in both cases. */
int srp_jw_finish(srp_jw *w);
void srp_jw_free(srp_jw *w);

#endif
