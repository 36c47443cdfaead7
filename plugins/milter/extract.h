/*
 * extract.h - the customer's own words from a raw RFC 5322 message
 *
 * The body-extraction path of sentiroute-milter, kept apart from libmilter
 * so that unit tests and the fuzz target call it directly:
 *
 *   raw message --GMime--> MIME tree --walk--> best text part
 *     (text/plain preferred in multipart/alternative, else text/html
 *      rendered to text with libxml2; attachments, forwarded messages and
 *      parts past the limits skipped)
 *   --> transfer encoding decoded, charset converted to UTF-8
 *   --> quoted replies and signatures dropped --> subject + text
 *
 * Call srm_extract_init() once in main() before any thread starts
 * (g_mime_init, xmlInitParser).  After that srm_extract() is thread-safe:
 * every GMime and libxml2 object it makes is its own.  Nothing here exits
 * or aborts on bad input: malformed MIME, unknown charsets, deep nesting
 * and huge parts end in a bounded result and a note.
 */
#ifndef SRM_EXTRACT_H
#define SRM_EXTRACT_H

#include <stddef.h>

/* Limits for one message. */
typedef struct srm_limits {
    size_t max_parts;   /* MIME parts examined (the rest ignored) */
    size_t max_depth;   /* multipart nesting levels examined */
    size_t max_text;    /* bytes of text kept (decoded part and result) */
    int strip_quotes;   /* drop quoted replies and signatures */
} srm_limits;

/* What happened on the way (srm_mail.notes). */
#define SRM_NOTE_HTML 0x0001u         /* the text came from text/html */
#define SRM_NOTE_QUOTE 0x0002u        /* a quoted reply was dropped */
#define SRM_NOTE_SIGNATURE 0x0004u    /* a signature was dropped */
#define SRM_NOTE_TRUNCATED 0x0008u    /* text beyond max_text was cut */
#define SRM_NOTE_PARTS 0x0010u        /* more parts than max_parts */
#define SRM_NOTE_DEPTH 0x0020u        /* nesting deeper than max_depth */
#define SRM_NOTE_MALFORMED 0x0040u    /* GMime warned about the structure */
#define SRM_NOTE_CHARSET 0x0080u      /* unknown or wrong charset: fallback decoding */
#define SRM_NOTE_NOTEXT 0x0100u       /* no text part: only the subject */
#define SRM_NOTE_UNPARSED 0x0200u     /* GMime could not build a message */
#define SRM_NOTE_ALLQUOTED 0x0400u    /* stripping left nothing: kept the unstripped text */

/*
 * The result.  Every string is NUL-terminated UTF-8 (or NULL when the
 * header is absent) and owned by the struct: srm_mail_clear() frees it.
 *  text        subject, a blank line, then the body text: what is scored
 *              (a reply's or a forward's subject, "Re: ...", is left out
 *              when there is a body: it is the thread's, not this mail's)
 *  body_len    bytes of text that belong to the body (after the subject)
 *  subject     decoded Subject (RFC 2047), control characters removed
 *  message_id, in_reply_to, references   as in the headers, unfolded;
 *              references at most SRM_REFS_MAX bytes: the first id (the
 *              thread's root) and the newest that fit
 *  from_addr   the first From address, lower case; from_name its name
 */
#define SRM_REFS_MAX 1000   /* the store keeps 1024 bytes of References */

typedef struct srm_mail {
    char *text;
    size_t len;
    size_t body_len;
    char *subject;
    char *message_id;
    char *in_reply_to;
    char *references;
    char *from_addr;
    char *from_name;
    unsigned notes;
    unsigned parts;     /* MIME parts seen */
} srm_mail;

/* srm_extract_init - once per process, before threads. */
void srm_extract_init(void);

/* srm_extract_shutdown - at exit, after every thread is done. */
void srm_extract_shutdown(void);

/*
 * srm_extract - fill *out from raw[0..len) (headers, a blank line, body;
 * CRLF or LF).  Returns 0, or -1 when out of memory (*out is then empty).
 * A message GMime cannot parse still gives a result (note UNPARSED): the
 * raw bytes after the first blank line, treated as plain text.
 */
int srm_extract(const char *raw, size_t len, const srm_limits *lim, srm_mail *out);

/*
 * srm_extract_set_fast - on (the default): a message with one text part
 * and a plain header block (see extract.c) is taken apart without GMime's
 * object tree, with the same result; off: always GMime's parser.  For the
 * tests that compare the two; set it before threads use srm_extract.
 * srm_extract_fast_count - how many messages took the short way so far.
 */
void srm_extract_set_fast(int on);
unsigned long srm_extract_fast_count(void);

/* srm_mail_clear - free what *m holds and zero it.  NULL is fine. */
void srm_mail_clear(srm_mail *m);

/*
 * srm_strip_quotes - drop quoted replies and a trailing signature from
 * UTF-8 text in place (LF or CRLF line ends): from the first quote
 * header ("On ... wrote:", "Am ... schrieb", "Le ... a écrit", "El ...
 * escribió", "W dniu ... pisze", "-----Original Message-----", an Outlook
 * "From:/Sent:" block) to the end; every line starting with '>'; the
 * signature after a last "-- " line; "Sent from my ..." footers.  When
 * that would leave only white space the text is kept as it was (note
 * ALLQUOTED).  Returns the new length; *notes gets SRM_NOTE_* bits.
 */
size_t srm_strip_quotes(char *text, size_t len, unsigned *notes);

/*
 * srm_html_to_text - render HTML (UTF-8) as plain text: text nodes in
 * order, line breaks for block elements and <br>, entities decoded,
 * script/style/head skipped; with strip_quotes also the usual quote
 * containers (blockquote, div.gmail_quote, #divRplyFwdMsg, ...).  At most
 * max bytes are produced.  Returns a malloc'd string (*len its length) or
 * NULL when out of memory.
 */
char *srm_html_to_text(const char *html, size_t len, size_t max, int strip_quotes,
                       size_t *out_len, unsigned *notes);

#endif
