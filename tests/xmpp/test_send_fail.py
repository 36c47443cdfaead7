#!/usr/bin/python3
"""test_send_fail - a relayed reply that libstrophe could not send (out of
memory while serializing it, or any local send error) is not counted as
sent: it stays pending and goes again.

libstrophe's xmpp_send returns nothing: when it cannot serialize or queue
a stanza it logs an error and drops it.  The bridge then added the job to
those the next ping confirms, the server answered that ping, and the job
was done although nothing had been sent: the reply was lost.

tests/xmpp/libfailsend.so (LD_PRELOAD) makes xmpp_stanza_to_text fail
once for the message carrying the marker.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

SHIM = os.path.join(xt.TOP_BUILD, "tests", "xmpp", ".libs", "libfailsend.so")
tap = xt.Tap(8)
if not os.path.exists(SHIM):
    raise RuntimeError("%s is not built (make check builds it)" % SHIM)
MARK = "NOMEM-MARK"
os.environ.update(LD_PRELOAD=SHIM, SRX_FAILSEND=MARK, SRX_FAILSEND_TIMES="1")
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;")
for k in ("LD_PRELOAD", "SRX_FAILSEND", "SRX_FAILSEND_TIMES"):
    del os.environ[k]   # the bridge has it; sentiroutectl needs none of it

c1.msg("hello there")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered (the shim leaves others alone)",
       c1.data[-300:])
REPLY = MARK + " your refund is approved"
r = xt.agent_reply(b, "v1@anon.test", REPLY)
c1.serve(1.5)
tap.ok(r.returncode == 0 and b.wait_log(r"Failed to stanza_to_text", 5),
       "libstrophe could not serialize the reply (the shim works)", b.tail())
end = time.time() + 15
while time.time() < end and REPLY.encode() not in c1.data:
    c1.serve(0.5)
c1.serve(1.0)   # the ping after it
tap.ok(REPLY.encode() in c1.data, "the reply is sent again and reaches the server", b.tail())
states = xt.job_states(b)
tap.ok(states == ["done"], "the job is done once it was sent (%s)" % states, b.tail())
tap.ok(re.search(r"job \d+.*not sent", b.log()), "the log says the reply was not sent", b.tail())
tap.ok(c1.data.count(REPLY.encode()) == 1, "and it was sent once (%d)"
       % c1.data.count(REPLY.encode()), c1.data[-400:])
rc = b.stop()
tap.ok(rc == 0 and c1.wellformed, "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       c1.error)
tap.done()
