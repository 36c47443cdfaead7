/*
 * failsend.c - an LD_PRELOAD shim for the bridge's tests: libstrophe's
 * xmpp_stanza_to_text fails for lack of memory on a message whose body
 * contains $SRX_FAILSEND, the first $SRX_FAILSEND_TIMES (default 1) times.
 * xmpp_send serializes each stanza with it (through the PLT, so the shim
 * is seen), logs "Failed to stanza_to_text" and drops the stanza: the
 * local send failure a bridge must not count as sent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

typedef int (*to_text_fn)(xmpp_stanza_t *, char **, size_t *);

static int poisoned(xmpp_stanza_t *st)
{
    const char *marker = getenv("SRX_FAILSEND");
    xmpp_stanza_t *body, *t;
    const char *text;

    if (marker == NULL || *marker == '\0' || st == NULL)
        return 0;
    body = xmpp_stanza_get_child_by_name(st, "body");
    t = body ? xmpp_stanza_get_children(body) : NULL;
    text = t ? xmpp_stanza_get_text_ptr(t) : NULL;
    return text != NULL && strstr(text, marker) != NULL;
}

int xmpp_stanza_to_text(xmpp_stanza_t *stanza, char **buf, size_t *buflen)
{
    static to_text_fn real;
    static int failed;
    const char *times = getenv("SRX_FAILSEND_TIMES");

    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "xmpp_stanza_to_text");
    if (poisoned(stanza) && failed < (times ? atoi(times) : 1)) {
        failed++;
        *buf = NULL;
        *buflen = 0;
        return XMPP_EMEM;
    }
    return real(stanza, buf, buflen);
}
