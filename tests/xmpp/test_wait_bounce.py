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

"Later" is the outbox's schedule for temporary failures: the backoff of
the job's attempts (handoff.backoff_base doubling up to backoff_max), and
after handoff.max_attempts the reply fails for good, logged and noted on
the ticket.  It used to be a fixed 60 s at every bounce, so a recipient
whose server kept saying "wait" got the reply every minute.

A fake XEP-0114 server answers the pings and sends the bounces.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(14)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"
VISITOR = "v1@remote.test"
BASE, MAX_ATT = 4, 3   # backoff: attempt 1 waits 2..4 s, attempt 2 4..8 s
srv, b, c1 = xt.fake_bridge(tap, D, DOMAIN, SECRET, "ask_on_first_line = true; reconnect_min = 0.1; "
                            "reconnect_max = 0.5; rate = 100.0; burst = 100;",
                            "handoff = { backoff_base = %d.0; backoff_max = 60; max_attempts = %d; };\n"
                            % (BASE, MAX_ATT))


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


def answer_ping():
    """answer the next ping the bridge sent after those answered (serve
    answers every ping it reads, also one for a reply still to bounce)"""
    start = getattr(c1, "answered", 0)
    if c1.read_until(xt.PING, 5, start):
        m = re.search(xt.PING, c1.data[start:])
        pid = re.search(rb"id=['\"]([^'\"]+)", m.group(0)).group(1).decode()
        c1.send("<iq type='result' id='%s' from='%s' to='%s'/>" % (pid, DOMAIN, DOMAIN))
        c1.answered = start + m.end()


c1.msg("hello there", frm=VISITOR + "/web")
tap.ok(c1.read_until(rb"connect you", 10), "the visitor is answered", c1.data[-300:])

# 1. a late "wait" bounce: after the ping's answer made the reply done
rid, job = relay("Your parcel left the warehouse")
c1.serve(1.5)
j = state_of(job, "done")
tap.ok(job and j.get("state") == "done", "the reply is relayed and confirmed: done (%r)" % j,
       b.tail())
t0 = int(time.time())
bounce(rid, "resource-constraint")
b.wait_log(r"job %d bounced after it was confirmed" % job, 5)
time.sleep(0.5)
j = jobs().get(job, {})
ns, t = notes()
tap.ok(j.get("state") == "pending" and "resource-constraint" in j.get("last_error", "")
       and t0 + 1 <= j.get("next_attempt_at", 0) <= int(time.time()) + BASE,
       "a late wait bounce makes the reply pending again, due after the first backoff, "
       "%d s at most (%r)" % (BASE, j), b.tail())
tap.ok(not ns and "undelivered" not in t.get("tags", ""),
       "no note on the ticket: it has not failed (%r)" % ns, b.tail())
# once due it goes again by itself, under its id
n = len(c1.data)
ok = c1.read_until((r"id=['\"]%s['\"]" % rid).encode(), BASE + 5, n)
c1.serve(1.5)
j = state_of(job, "done")
tap.ok(ok and j.get("state") == "done", "once due it is sent again and done (%r)" % j,
       b.tail())

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
end = time.time() + 2 * BASE + 5
while time.time() < end and jobs().get(job2, {}).get("state") != "done":
    c1.serve(0.5)   # answers the ping after it is sent again
j = jobs().get(job2, {})
tap.ok(j.get("state") == "done", "once due it goes again by itself, and is done (%r)" % j,
       b.tail())

# 3. a recipient whose server says "wait" at every attempt: the delay
# grows with the attempts, and after max_attempts the reply fails for good
rid3, job3 = relay("Your replacement ships on Monday")
delays = []
for k in range(1, MAX_ATT + 1):
    t0 = time.time()
    bounce(rid3, "resource-constraint")
    if k < MAX_ATT:
        b.wait_log(r"job %d bounced, again later" % job3, 5, count=k)
        j = jobs().get(job3, {})
        delays.append(j.get("next_attempt_at", 0) - t0)
        # the ping sent after it (within ping_timeout: the reply no longer
        # waits for it), then the reply sent again once due, under its id;
        # its own ping is answered only after the next bounce
        answer_ping()
        if not c1.read_until((r"id=['\"]%s['\"]" % rid3).encode(), BASE * 2 ** k + 5,
                             c1.answered):
            break
tap.ok(len(delays) == MAX_ATT - 1 and BASE / 2 - 1 <= delays[0] <= BASE
       and BASE - 1 <= delays[1] <= 2 * BASE,
       "the delay grows with the attempts: %s s, want %d..%d then %d..%d (60 s before)"
       % (["%.1f" % d for d in delays], BASE // 2, BASE, BASE, 2 * BASE), b.tail())
ok = b.wait_log(r"job %d bounced, failed for good after %d attempts: not delivered "
                r"\(wait error resource-constraint" % (job3, MAX_ATT), 5)
j = state_of(job3, "failed", 5)
ns, t = notes()
tap.ok(ok and j.get("state") == "failed" and "resource-constraint" in j.get("last_error", ""),
       "after %d attempts it fails for good, with the reason logged (%r)" % (MAX_ATT, j),
       b.tail())
tap.ok(any("Reply #" in x.get("text", "") and "resource-constraint" in x.get("text", "")
           for x in ns) and "undelivered" in t.get("tags", ""),
       "and the ticket says so (%r)" % ns, b.tail())
c1.serve(0.3)

rc = b.stop()
tap.ok(rc == 0, "SIGTERM: clean exit", b.tail())
tap.done()
