#!/usr/bin/python3
"""smtpsink - an SMTP server on 127.0.0.1 for the email reply tests
(aiosmtpd; Debian's python3-aiosmtpd, so run it with /usr/bin/python3).

Every message is written as DIR/NNN.eml (the bytes as received) and
DIR/NNN.json (envelope sender, recipients, the AUTH login).  Faults:
  --drop N        take the first N messages, then close the connection
                  without the final "250" (the client cannot know: an
                  unknown outcome)
  --reject ADDR   answer RCPT TO:<ADDR> with 550 5.1.1
  --tls CERT KEY  offer STARTTLS and require it before MAIL
  --user U --password P   require AUTH (PLAIN/LOGIN, only after STARTTLS)
Prints "PORT <n>" once listening (--port 0: a free one); exits after
--lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Sink:
    def __init__(self, args):
        self.args = args
        self.drop = args.drop
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.args.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.args.dir, "%03d" % self.n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        auth = getattr(session, "auth_data", None)
        login = auth.login.decode() if auth is not None and hasattr(auth, "login") else None
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": login, "tls": session.ssl is not None}, f)
        if self.drop > 0:
            self.drop -= 1
            server.transport.abort()   # taken, but the client never hears "250"
            return "421 4.3.0 gone"
        return "250 2.0.0 queued as %03d" % self.n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--drop", type=int, default=0)
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    args.reject = [a.lower() for a in args.reject]
    os.makedirs(args.dir, exist_ok=True)
    ctx = None
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])

    def auth(server, session, envelope, mechanism, data):
        ok = (data.login.decode() == args.user and data.password.decode() == args.password)
        return AuthResult(success=ok, auth_data=data)   # kept as session.auth_data

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sink = Sink(args)

    def factory():
        kw = {"hostname": "sink.test", "decode_data": False}
        if ctx is not None:
            kw.update(tls_context=ctx, require_starttls=True)
        if args.user:
            kw.update(authenticator=auth, auth_required=True, auth_require_tls=ctx is not None)
        return SMTP(sink, **kw)

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.port))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
