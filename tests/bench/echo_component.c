/*
 * echo_component - the no-op baseline for bench_xmpp.py: an XEP-0114
 * component (libstrophe, primed like the bridge) that sends every chat
 * message straight back to its sender, from the address it was sent to.
 * It scores nothing, stores nothing: the bridge's added latency is the
 * difference to it on the same Prosody, clients and traffic.
 *   echo_component DOMAIN SECRET HOST PORT
 */
#include "build-config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

int srx_conn_prime(xmpp_conn_t *conn);

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    xmpp_ctx_t *ctx = ud;
    const char *type = xmpp_stanza_get_type(st);
    char *body;
    xmpp_stanza_t *r;

    if (type && strcmp(type, "error") == 0)
        return 1;
    body = xmpp_message_get_body(st);
    if (body == NULL || xmpp_stanza_get_from(st) == NULL)
        goto out;
    r = xmpp_message_new(ctx, "chat", xmpp_stanza_get_from(st), NULL);
    xmpp_stanza_set_from(r, xmpp_stanza_get_to(st));
    xmpp_message_set_body(r, body);
    xmpp_send(conn, r);
    xmpp_stanza_release(r);
out:
    if (body)
        xmpp_free(ctx, body);
    return 1;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
                    xmpp_stream_error_t *se, void *ud)
{
    (void)error;
    (void)se;
    if (ev == XMPP_CONN_CONNECT) {
        xmpp_handler_add(conn, on_message, NULL, "message", NULL, ud);
        printf("connected\n");
        fflush(stdout);
    } else if (ev == XMPP_CONN_DISCONNECT || ev == XMPP_CONN_FAIL) {
        stop = 1;
    }
}

int main(int argc, char **argv)
{
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;

    if (argc != 5) {
        fprintf(stderr, "usage: echo_component DOMAIN SECRET HOST PORT\n");
        return 64;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    xmpp_initialize();
    ctx = xmpp_ctx_new(NULL, NULL);
    conn = xmpp_conn_new(ctx);
    xmpp_conn_set_jid(conn, argv[1]);
    xmpp_conn_set_pass(conn, argv[2]);
    srx_conn_prime(conn);
    if (xmpp_connect_component(conn, argv[3], (unsigned short)atoi(argv[4]), on_conn, ctx) != 0)
        return 69;
    while (!stop)
        xmpp_run_once(ctx, 50);
    xmpp_disconnect(conn);
    for (int i = 0; i < 10; i++)
        xmpp_run_once(ctx, 10);
    xmpp_conn_release(conn);
    xmpp_ctx_free(ctx);
    xmpp_shutdown();
    return 0;
}
