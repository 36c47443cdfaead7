#!/usr/bin/env python3
"""test_rt_seq_refused - an RT token whose user may comment on tickets but
not set the seq custom field (handoff.rt.seq_field: no ModifyCustomField).
RT 5 posts the comment, then refuses the field: "Permission Denied" in its
201 answer (REST2 Message.pm), and the field keeps its old value.  Each
comment must reach RT once, the jobs are done, and the admin is told
once per ticket (not at every comment, never with the token) that the
field is not set: without it a retry after a lost answer cannot see that
a comment arrived.  The log said nothing before."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

tap = srtest.Tap(4)
SECRET = "rt-S3cret-planted-91c2"
WARN = r"T(\d+): job \d+: rt: comment posted to ticket (\d+), but RT refused to set its " \
       r"custom field SentirouteSeq \(Permission Denied\): the token's user needs " \
       r"ModifyCustomField and SeeCustomField on it"

d = srtest.tmpdir()
sec = srtest.secret_file(d, "secret", SECRET)
fake = srtest.Fake("rt", SECRET)
conf = srtest.write_config(d, """
log = { level = "info"; };
store = { instance = "rs"; sync = false; };
handoff = {
  method = "rt";
  timeout = 5; connect_timeout = 2;
  backoff_base = 0.05; backoff_max = 1; max_attempts = 3;
  rt = { url = "%s"; token_file = "%s"; queue = "General"; };
};
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (fake.url, sec))
store = os.path.join(d, "store")
fake.faults(refuse_cf=["SentirouteSeq"])


def run():
    rc, out, err = srtest.ctl(conf, store, "outbox", "run", "--timeout", "20")
    return err


logs = ""
r = srtest.ingest(conf, store, "email", "jane@example.com", "I want my refund now",
                  "--message-id", "<rs1@example.com>")
logs += run()
texts = ["Hello? Unique-comment-one", "Still waiting. Unique-comment-two"]
for i, t in enumerate(texts):
    srtest.ingest(conf, store, "email", "jane@example.com", t,
                  "--in-reply-to", "<rs1@example.com>", "--message-id", "<rs%d@example.com>" % (i + 2))
    logs += run()   # one run per comment: the once-per-ticket mark is in the store

st = fake.state()
rid = str(st["tickets"][0]["id"]) if st["tickets"] else ""
comments = st["comments"].get(rid, [])
seen = [sum(t in c.get("Content", "") for c in comments) for t in texts]
tap.ok(len(st["tickets"]) == 1 and seen == [1, 1] and len(comments) == 2,
       "each comment reaches RT once (seen %r, %d comments)" % (seen, len(comments)),
       json.dumps(st)[:1500])
jobs = srtest.jobs(conf, store)
tap.ok(len(jobs) == 3 and all(j["state"] == "done" for j in jobs),
       "the handoff and both comments are done", json.dumps(jobs)[:1500])
warns = re.findall(WARN, logs)
tap.ok(len(warns) == 1 and warns[0] == (str(r["ticket"]), rid),
       "the refused field is logged once for the ticket, naming the right (%r)" % warns, logs[-2000:])
tap.ok(SECRET not in logs, "the token is in no log line", logs[-2000:])
fake.stop()
tap.done()
