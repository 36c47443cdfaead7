/*
 * agents.c - the helpdesk agents of xmpp.agents and their presence
 *
 * An agent is available when any of their resources is (XEP-0142's
 * semantics, reference/xmpp.md): no <show/> or "chat" = available,
 * "away" = busy (offered a chat only when nobody is available), "xa",
 * "dnd" and unavailable = not routable.  The pick is the least loaded
 * agent serving the queue, ties to the one assigned least recently.
 */
#include "build-config.h"

#include "srx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[a]))
        a++;
    memmove(s, s + a, n - a + 1);
}

static int parse_one(srx_agent *g, const char *entry, char *err, size_t errsize)
{
    char buf[1024], *colon, *name, *q;

    if (srx_strlcpy(buf, entry, sizeof(buf)) >= sizeof(buf)) {
        snprintf(err, errsize, "\"%.40s...\": too long", entry);
        return -1;
    }
    colon = strchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    trim(buf);
    name = buf + strcspn(buf, " \t");
    if (*name)
        *name++ = '\0';
    trim(name);
    if (strchr(buf, '@') == NULL || strchr(buf, '/') != NULL || buf[0] == '@' ||
        strlen(buf) >= sizeof(g->jid)) {
        snprintf(err, errsize, "\"%.60s\": wants \"user@domain [Name]: queue, queue\"", entry);
        return -1;
    }
    srx_jid_bare(buf, g->jid, sizeof(g->jid));
    if (*name) {
        srx_strlcpy(g->name, name, sizeof(g->name));
    } else {
        /* no name: the local part, capitalized ("alice" -> "Alice") */
        srx_jid_local(g->jid, g->name, sizeof(g->name));
        g->name[0] = (char)toupper((unsigned char)g->name[0]);
    }
    if (colon == NULL)
        return 0;
    for (q = strtok(colon + 1, ","); q != NULL; q = strtok(NULL, ",")) {
        char **v;
        trim(q);
        if (*q == '\0')
            continue;
        if (strcmp(q, "*") == 0) {   /* every queue */
            for (size_t i = 0; i < g->nqueues; i++)
                free(g->queues[i]);
            free(g->queues);
            g->queues = NULL;
            g->nqueues = 0;
            return 0;
        }
        v = realloc(g->queues, (g->nqueues + 1) * sizeof(*v));
        if (v == NULL || (v[g->nqueues] = strdup(q)) == NULL) {
            if (v != NULL)
                g->queues = v;
            snprintf(err, errsize, "out of memory");
            return -1;
        }
        g->queues = v;
        g->nqueues++;
    }
    return 0;
}

/* srx_agents_parse - the xmpp.agents entries */
srx_agents *srx_agents_parse(const char *const *v, size_t n, char *err, size_t errsize)
{
    srx_agents *a = calloc(1, sizeof(*a));

    if (a == NULL || (n > 0 && (a->v = calloc(n, sizeof(*a->v))) == NULL)) {
        free(a);
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char e[200];
        if (parse_one(&a->v[a->n], v[i], e, sizeof(e)) != 0) {
            a->n++;
            snprintf(err, errsize, "[%zu] %s", i, e);
            srx_agents_free(a);
            return NULL;
        }
        for (size_t k = 0; k < a->n; k++)
            if (strcmp(a->v[k].jid, a->v[a->n].jid) == 0) {
                snprintf(err, errsize, "[%zu] %s is listed twice", i, a->v[a->n].jid);
                a->n++;
                srx_agents_free(a);
                return NULL;
            }
        a->n++;
    }
    return a;
}

void srx_agents_free(srx_agents *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++) {
        for (size_t k = 0; k < a->v[i].nqueues; k++)
            free(a->v[i].queues[k]);
        free(a->v[i].queues);
    }
    free(a->v);
    free(a);
}

srx_agent *srx_agents_find(srx_agents *a, const char *jid)
{
    char bare[512];

    if (a == NULL || jid == NULL)
        return NULL;
    srx_jid_bare(jid, bare, sizeof(bare));
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].jid, bare) == 0)
            return &a->v[i];
    return NULL;
}

/* srx_agents_presence - one resource's presence */
int srx_agents_presence(srx_agents *a, const char *full_jid, const char *type, const char *show)
{
    srx_agent *g = srx_agents_find(a, full_jid);
    const char *slash = full_jid ? strchr(full_jid, '/') : NULL;
    const char *res = slash ? slash + 1 : "";
    srx_avail av;
    size_t i;

    if (g == NULL)
        return 0;
    if (type != NULL && *type != '\0' && strcmp(type, "unavailable") != 0)
        return 1;   /* subscribe, probe, error: no news about availability */
    if (type != NULL && strcmp(type, "unavailable") == 0)
        av = SRX_AV_OFF;
    else if (show == NULL || *show == '\0' || strcmp(show, "chat") == 0)
        av = SRX_AV_ON;
    else if (strcmp(show, "away") == 0)
        av = SRX_AV_BUSY;
    else
        av = SRX_AV_OFF;   /* xa, dnd, anything else */
    if (av == SRX_AV_OFF && *res == '\0') {
        g->nres = 0;   /* unavailable from the bare JID: all of them */
        return 1;
    }
    for (i = 0; i < g->nres; i++)
        if (strcmp(g->res[i].res, res) == 0)
            break;
    if (i == g->nres) {
        if (av == SRX_AV_OFF)
            return 1;
        if (g->nres == SRX_AGENT_RES_MAX)
            i = g->nres - 1;   /* many resources: the newest replaces the last */
        else
            g->nres++;
        srx_strlcpy(g->res[i].res, res, sizeof(g->res[i].res));
    }
    if (av == SRX_AV_OFF) {
        g->res[i] = g->res[--g->nres];
        return 1;
    }
    g->res[i].av = av;
    return 1;
}

srx_avail srx_agent_avail(const srx_agent *g)
{
    srx_avail best = SRX_AV_OFF;

    for (size_t i = 0; i < g->nres; i++)
        if (g->res[i].av > best)
            best = g->res[i].av;
    return best;
}

static int serves(const srx_agent *g, const char *queue)
{
    if (g->nqueues == 0)
        return 1;
    for (size_t i = 0; i < g->nqueues; i++)
        if (queue && strcmp(g->queues[i], queue) == 0)
            return 1;
    return 0;
}

/* srx_agents_pick - who takes a chat of queue */
srx_agent *srx_agents_pick(srx_agents *a, const char *queue, int max_chats)
{
    srx_agent *best = NULL;
    srx_avail best_av = SRX_AV_OFF;

    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < a->n; i++) {
        srx_agent *g = &a->v[i];
        srx_avail av = srx_agent_avail(g);
        if (av == SRX_AV_OFF || g->chats >= max_chats || !serves(g, queue))
            continue;
        if (best == NULL || av > best_av ||
            (av == best_av && (g->chats < best->chats ||
                               (g->chats == best->chats && g->last_assigned < best->last_assigned)))) {
            best = g;
            best_av = av;
        }
    }
    if (best != NULL) {
        best->chats++;
        best->last_assigned = ++a->seq;
    }
    return best;
}

/* srx_agents_carry - presence and load survive a reload */
void srx_agents_carry(srx_agents *to, const srx_agents *from)
{
    if (to == NULL || from == NULL)
        return;
    for (size_t i = 0; i < to->n; i++)
        for (size_t k = 0; k < from->n; k++)
            if (strcmp(to->v[i].jid, from->v[k].jid) == 0) {
                memcpy(to->v[i].res, from->v[k].res, sizeof(to->v[i].res));
                to->v[i].nres = from->v[k].nres;
                to->v[i].chats = from->v[k].chats;
                to->v[i].last_assigned = from->v[k].last_assigned;
            }
    to->seq = from->seq;
}
