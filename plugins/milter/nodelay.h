/*
 * nodelay.h - TCP_NODELAY on libmilter's listening socket
 *
 * libmilter answers a message with several small writes (one per header
 * change, then the verdict) and Postfix acknowledges none of them, so with
 * Nagle's algorithm the second write waits for the MTA's delayed ACK:
 * about 40 ms per message on Linux, whatever the filter does.  libmilter
 * offers no hook on its sockets, but accepted sockets inherit TCP_NODELAY
 * from the listener on Linux and the BSDs: after smfi_opensocket(), find
 * the process's listening TCP sockets and set it there.  Header-only so
 * the benchmark's no-op milter gets the same treatment.
 */
#ifndef SRM_NODELAY_H
#define SRM_NODELAY_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* srm_listen_nodelay - TCP_NODELAY on every listening TCP socket among
 * fds 0..1023; returns how many were set (0 for a unix socket) */
static inline int srm_listen_nodelay(void)
{
    int n = 0;

    for (int fd = 0; fd < 1024; fd++) {
        int v = 0, on = 1;
        socklen_t len = sizeof(v);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);

        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) != 0 || v == 0)
            continue;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0)
            n++;
    }
    return n;
}

#endif
