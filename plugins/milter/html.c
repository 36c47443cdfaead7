/*
 * html.c - HTML mail bodies as plain text (libxml2's HTML parser)
 *
 * GMime has no HTML-to-text (GMimeFilterHTML goes the other way), so the
 * body is parsed with htmlReadMemory() in recovery mode, without network,
 * and its tree walked iteratively (no recursion: nesting depth is the
 * sender's choice).  Text nodes are appended with white space collapsed;
 * block elements and <br> become line breaks so the quote stripper still
 * sees lines.  Quote containers of the common clients are skipped, and the
 * walk stops at Outlook's reply header, below which only history follows.
 */
#include "build-config.h"

#include "extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct out {
    char *p;
    size_t len, max;
    int full;
    int nl;      /* line breaks at the end of p */
    int space;   /* a space is pending */
} out;

static const char *const skip_elems[] = {"script", "style", "head", "title", "noscript",
                                         "template", "object", "svg", "math"};
static const char *const block_elems[] = {
    "p",  "div", "li", "tr", "table", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3",
    "h4", "h5",  "h6", "pre", "hr",   "section", "article", "header", "footer", "address",
    "center", "form", "blockquote", "tbody", "thead", "body", "main", "nav", "aside"};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, list[i]) == 0)
            return 1;
    return 0;
}

/* put - append bytes, stopping at max (cut at a UTF-8 boundary) */
static void put(out *o, const char *s, size_t n)
{
    if (o->full || n == 0)
        return;
    if (o->len + n > o->max) {
        n = o->max - o->len;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        o->full = 1;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void newline(out *o, int want)
{
    o->space = 0;
    if (o->len == 0)
        return;
    while (o->nl < want) {
        put(o, "\n", 1);
        o->nl++;
    }
}

/* text - a text node, white space collapsed */
static void text(out *o, const char *s)
{
    for (; *s && !o->full; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            o->space = 1;
            continue;
        }
        /* U+00A0 no-break space, as &nbsp; gives it */
        if (c == 0xC2 && (unsigned char)s[1] == 0xA0) {
            s++;
            o->space = 1;
            continue;
        }
        size_t clen = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (size_t k = 1; k < clen; k++)
            if (s[k] == '\0') {
                clen = k;
                break;
            }
        if (o->space && o->nl == 0 && o->len > 0)
            put(o, " ", 1);
        o->space = 0;
        o->nl = 0;
        put(o, s, clen);
        s += clen - 1;
    }
}

/* attr_has - does attribute name of n contain needle (case-insensitive)? */
static int attr_has(xmlNode *n, const char *name, const char *needle)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    int r = 0;

    if (v != NULL) {
        r = strcasestr((const char *)v, needle) != NULL;
        xmlFree(v);
    }
    return r;
}

/* quote_container - an element that holds quoted history only */
static int quote_container(xmlNode *n)
{
    const char *name = (const char *)n->name;

    if (strcasecmp(name, "blockquote") == 0)
        return 1;
    return attr_has(n, "class", "gmail_quote") || attr_has(n, "class", "moz-cite-prefix") ||
           attr_has(n, "class", "yahoo_quoted") || attr_has(n, "class", "protonmail_quote") ||
           attr_has(n, "id", "OLK_SRC_BODY_SECTION") || attr_has(n, "id", "ydp") ||
           attr_has(n, "class", "zmail_extra");
}

/* history_starts - Outlook's reply header: all that follows is history */
static int history_starts(xmlNode *n)
{
    return attr_has(n, "id", "divRplyFwdMsg") || attr_has(n, "id", "x_divRplyFwdMsg") ||
           attr_has(n, "style", "border-top:solid #E1E1E1") ||
           attr_has(n, "style", "border-top:solid #B5C4DF") ||
           attr_has(n, "style", "border-top: solid #E1E1E1") ||
           attr_has(n, "style", "border-top: solid #B5C4DF");
}

static void leave(out *o, xmlNode *n)
{
    if (n->type == XML_ELEMENT_NODE &&
        in_list((const char *)n->name, block_elems, sizeof(block_elems) / sizeof(*block_elems)))
        newline(o, strcasecmp((const char *)n->name, "p") == 0 ? 2 : 1);
}

/* srm_html_to_text - see extract.h */
char *srm_html_to_text(const char *html, size_t len, size_t max, int strip_quotes,
                       size_t *out_len, unsigned *notes)
{
    out o = {0};
    htmlDocPtr doc;
    xmlNode *top, *n;

    o.max = max;
    o.p = malloc(max + 1);
    if (o.p == NULL)
        return NULL;
    o.p[0] = '\0';
    if (len > (size_t)INT32_MAX)
        len = INT32_MAX;
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                             HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED);
    if (doc == NULL) {
        *out_len = 0;
        return o.p;
    }
    top = (xmlNode *)doc;
    n = doc->children;
    while (n != NULL && !o.full) {
        int descend = 0;

        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                text(&o, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && n->name != NULL) {
            const char *name = (const char *)n->name;
            if (in_list(name, skip_elems, sizeof(skip_elems) / sizeof(*skip_elems))) {
                descend = 0;
            } else if (strip_quotes && history_starts(n)) {
                *notes |= SRM_NOTE_QUOTE;
                break;
            } else if (strip_quotes && quote_container(n)) {
                *notes |= SRM_NOTE_QUOTE;
                newline(&o, 1);
            } else {
                if (strcasecmp(name, "br") == 0) {
                    put(&o, "\n", 1);
                    o.nl++;
                    o.space = 0;
                } else if (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0) {
                    o.space = 1;
                } else if (in_list(name, block_elems, sizeof(block_elems) / sizeof(*block_elems))) {
                    newline(&o, 1);
                }
                descend = 1;
            }
        }
        if (descend && n->children != NULL) {
            n = n->children;
            continue;
        }
        if (n->type == XML_ELEMENT_NODE && descend)
            leave(&o, n);
        while (n->next == NULL) {
            n = n->parent;
            if (n == NULL || n == top)
                goto done;
            leave(&o, n);
        }
        n = n->next;
    }
done:
    xmlFreeDoc(doc);
    /* no trailing line breaks */
    while (o.len > 0 && (o.p[o.len - 1] == '\n' || o.p[o.len - 1] == ' '))
        o.p[--o.len] = '\0';
    if (o.full)
        *notes |= SRM_NOTE_TRUNCATED;
    *out_len = o.len;
    return o.p;
}
