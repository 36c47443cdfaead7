#!/usr/bin/python3
"""test_wait_bounce - a reply bounced with a temporary error goes again.

An error of type "wait" (RFC 6120 8.3.2: retry after waiting) says the
reply did not arrive now, not that it never can.  A late one (after the
server confirmed the reply: the job was done) used to fail the job for
good and note the ticket "Reply #N was not delivered"; an in-time one for
recipient-unavailable (a "wait" condition) was retried but also ended the
visitor's conversation as if they were gone.  Now both leave the reply
pending, due again later, with the reason as its last error, no note on
the ticket, and the conversation going on; once due it goes again under
its id.

A fake XEP-0114 server answers the pings and sends the bounces.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(10)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
VISITOR = "v1@remote.test"
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;")


def jobs():
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return {j["id"]: j for j in json.loads(out or "[]") if j.get("kind") == "deliver"}


def state_of(job, want, timeout=10):
    end = time.time() + timeout
    while time.time() < end and jobs().get(job, {}).get("state") != want:
        time.sleep(0.1)
    return jobs().get(job, {})


def bounce(rid, cond):
    c1.send("<message type='error' from='%s/web' to='help@%s' id='%s'><body>x</body>"
            "<error type='wait'><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Try again later</text>"
            "</error></message>" % (VISITOR, DOMAIN, rid, cond))


def relay(text):
    """an agent's reply relayed to the fake server: (stanza id, job)"""
    n = len(c1.data)
    r = xt.agent_reply(b, VISITOR, text)
    ok = r.returncode == 0 and c1.read_until(text.encode(), 10, n)
    m = re.search(rb"<message [^>]*\bid=['\"](sr-xt-j(\d+))['\"]", c1.data[n:])
    return (m.group(1).decode(), int(m.group(2))) if ok and m else ("", 0)


def notes():
    t = b.ticket(1)
    return [x for x in t.get("transcript", []) if x["direction"] == "note"], t


c1.msg("hello there", frm=VISITOR + "/web")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered", c1.data[-300:])

# 1. a late "wait" bounce: after the ping's answer made the reply done
rid, job = relay("Your parcel left the warehouse")
c1.serve(1.5)
j = state_of(job, "done")
tap.ok(job and j.get("state") == "done", "the reply is relayed and confirmed: done (%r)" % j,
       b.tail())
bounce(rid, "resource-constraint")
b.wait_log(r"job %d bounced after it was confirmed" % job, 5)
time.sleep(0.5)
j = jobs().get(job, {})
ns, t = notes()
tap.ok(j.get("state") == "pending" and "resource-constraint" in j.get("last_error", "")
       and j.get("next_attempt_at", 0) >= time.time() + 30,
       "a late wait bounce makes the reply pending again, due later (%r)" % j, b.tail())
tap.ok(not ns and "undelivered" not in t.get("tags", ""),
       "no note on the ticket: it has not failed (%r)" % ns, b.tail())
# due now: it goes again, under its id
n = len(c1.data)
rc, out, err = b.ctl("outbox", "retry", str(job))
ok = rc == 0 and c1.read_until((r"id=['\"]%s['\"]" % rid).encode(), 10, n)
c1.serve(1.5)
j = state_of(job, "done")
tap.ok(ok and j.get("state") == "done", "once due it is sent again and done (%r)" % j,
       out + err + b.tail())

# 2. an in-time "wait" bounce (before the ping's answer), with a "wait"
# condition that is also one of a visitor who left
rid2, job2 = relay("Your refund is on its way")
bounce(rid2, "recipient-unavailable")
b.wait_log(r"job %d bounced, again later" % job2, 5)
j = jobs().get(job2, {})
ns, t = notes()
tap.ok(job2 and j.get("state") == "pending" and "recipient-unavailable" in j.get("last_error", "")
       and not ns, "an in-time wait bounce: pending again, no note (%r)" % j, b.tail())
c1.serve(1.0)
tap.ok(not re.search(r"%s: conversation ended" % re.escape(VISITOR), b.log()),
       "the visitor's conversation goes on", b.tail())
tap.ok("visitor is gone" not in j.get("last_error", "x"),
       "the reason does not call the visitor gone (%r)" % j.get("last_error"), j)

rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
tap.done()
