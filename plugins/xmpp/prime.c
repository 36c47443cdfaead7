/*
 * prime.c - the one place that works around libstrophe 0.12.2's component
 * crash (Debian 12; upstream master had the same code path in late 2025)
 *
 * Since stream management (XEP-0198), a connection's SM state is
 * allocated only by xmpp_connect_client(), yet every received stanza,
 * every send and every disconnect dereference it: a connection made with
 * xmpp_connect_component() dies with SIGSEGV on the first stanza after
 * the handshake.  srx_conn_prime() makes libstrophe allocate that state
 * without sending a packet: a client connect whose sockopt callback
 * refuses, so it fails in the socket setup before connect(2) and leaves
 * the connection disconnected.  tests/xmpp/test_prime.c shows the crash
 * without it and the fix with it.
 */
#include "build-config.h"

#include "bridge.h"

/* refuse_socket - the sockopt callback that makes the priming connect fail
 * before connect(2) */
static int refuse_socket(xmpp_conn_t *conn, void *sock)
{
    (void)conn;
    (void)sock;
    return -1;
}

/* srx_conn_prime - allocate libstrophe 0.12's SM state for a component */
int srx_conn_prime(xmpp_conn_t *conn)
{
    int rc;

    xmpp_conn_set_sockopt_callback(conn, refuse_socket);
    rc = xmpp_connect_client(conn, "127.0.0.1", 1, NULL, NULL);
    /* TCP keepalive from now on: a server that vanished is noticed */
    xmpp_conn_set_sockopt_callback(conn, xmpp_sockopt_cb_keepalive);
    return rc;
}

