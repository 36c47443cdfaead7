#!/usr/bin/env python3
"""test_rt_id_refused - an RT token whose user may create tickets but not
set the id custom field (handoff.rt.id_field, SentirouteId): no
SeeCustomField, or neither SetInitialCustomField nor ModifyCustomField on
it.  RT 5 creates the ticket without the field and answers the same 201
(REST2 Record/Writable.pm: the field is "not found" in RT's own log only),
so the search a retry makes before creating again ('CF.{SentirouteId}' =
'EXT') finds nothing, and a lost answer makes a second ticket.

The driver now runs that search once after a create: the created ticket
is kept (the job is done with its id, created once), and when the search
does not find it the admin is told, in one warning for the ticket (never
with the token), which field and which rights; a retry that created after
such a search says that RT may now hold a second ticket.  A search that
cannot tell (an HTML page) changes nothing.  The log said nothing before."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

tap = srtest.Tap(9)
SECRET = "rt-S3cret-planted-4b7e"
WARN = r"T(\d+): job \d+: rt: ticket (\d+) created, but a search for its custom field " \
       r"SentirouteId does not find it \(RT left the field out\): the token's user needs " \
       r"SeeCustomField and SetInitialCustomField \(or ModifyCustomField\) on it"
SEARCH = re.compile(r"'CF\.\{SentirouteId\}' = 'sr-ri-t\d+'")

d = srtest.tmpdir()
sec = srtest.secret_file(d, "secret", SECRET)
fake = srtest.Fake("rt", SECRET)
conf = srtest.write_config(d, """
log = { level = "info"; };
store = { instance = "ri"; sync = false; };
handoff = {
  method = "rt";
  timeout = 5; connect_timeout = 2;
  backoff_base = 0.05; backoff_max = 1; max_attempts = 4;
  rt = { url = "%s"; token_file = "%s"; queue = "General"; };
};
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (fake.url, sec))
store = os.path.join(d, "store")


def run():
    rc, out, err = srtest.ctl(conf, store, "outbox", "run", "--timeout", "20")
    return err


def tickets_of(st, text):
    return [t for t in st["tickets"] if text in t.get("Content", "")]


def job_of(ticket):
    return [j for j in srtest.jobs(conf, store) if j["ticket"] == ticket]


logs = ""

# 1. the field refused, the answer arrives: one ticket, kept, one warning
fake.faults(refuse_cf=["SentirouteId"])
r1 = srtest.ingest(conf, store, "email", "jane@example.com", "Refund me now. Unique-create-one",
                   "--message-id", "<ri1@example.com>")
err = run()
logs += err
st = fake.state()
made = tickets_of(st, "Unique-create-one")
rid = str(made[0]["id"]) if made else ""
jobs = job_of(r1["ticket"])
tap.ok(len(made) == 1 and "SentirouteId" not in made[0].get("CustomFields", {}) and
       len(jobs) == 1 and jobs[0]["state"] == "done" and jobs[0]["remote_id"] == rid,
       "refused field: the ticket is created once and kept (done, remote %s)" % rid,
       json.dumps(st)[:1500] + json.dumps(jobs))
warns = re.findall(WARN, err)
tap.ok(warns == [(str(r1["ticket"]), rid)],
       "refused field: one warning names the ticket, the field and the rights (%r)" % warns,
       err[-2000:])
tap.ok(st["rejected"] == [] and any(SEARCH.fullmatch(q) for q in st.get("queries", [])),
       "the check is the documented TicketSQL search (%r)" % st.get("queries"),
       json.dumps(st["rejected"])[:1500])

# 2. refused and the create's answer lost: the retry's search is blind and
# creates again; the warning says a second ticket may now exist
fake.faults(drop=1)
r2 = srtest.ingest(conf, store, "email", "joe@example.com", "Where is my order? Unique-create-two",
                   "--message-id", "<ri2@example.com>")
err = run()
logs += err
st = fake.state()
made = tickets_of(st, "Unique-create-two")
jobs = job_of(r2["ticket"])
tap.ok(len(made) == 2 and st["dropped"] == 1 and jobs and jobs[0]["state"] == "done" and
       jobs[0]["remote_id"] == str(made[-1]["id"]),
       "refused field, lost answer: the retry cannot find the first ticket and makes a second"
       " (the documented limit: %d tickets)" % len(made), json.dumps(jobs) + err[-1500:])
warns = [m for m in re.finditer(WARN + r"[^\n]*", err) if m.group(1) == str(r2["ticket"])]
tap.ok(len(warns) == 1 and warns[0].group(2) == str(made[-1]["id"]) and
       "attempt 2" in warns[0].group(0) and "second ticket" in warns[0].group(0),
       "refused field, lost answer: the warning says RT may hold a second ticket",
       err[-2000:])

# 3. the field is set: the search finds the ticket, no warning
fake.faults(refuse_cf=[])
r3 = srtest.ingest(conf, store, "email", "ann@example.com", "Broken again. Unique-create-three",
                   "--message-id", "<ri3@example.com>")
err = run()
logs += err
st = fake.state()
made = tickets_of(st, "Unique-create-three")
tap.ok(len(made) == 1 and not re.search(r"T%d: job \d+: rt:" % r3["ticket"], err),
       "field set: one ticket, no warning", err[-1500:])

# 4. the search cannot tell (a proxy's HTML page): done, one ticket, no
# warning, and no second create
fake.faults(refuse_cf=["SentirouteId"], garbage=1)
r4 = srtest.ingest(conf, store, "email", "bob@example.com", "Still nothing. Unique-create-four",
                   "--message-id", "<ri4@example.com>")
err = run()
logs += err
st = fake.state()
made = tickets_of(st, "Unique-create-four")
jobs = job_of(r4["ticket"])
tap.ok(len(made) == 1 and jobs and jobs[0]["state"] == "done" and jobs[0]["attempts"] == 1 and
       not re.search(WARN.replace(r"T(\d+)", "T%d" % r4["ticket"]), err),
       "a search that cannot tell: created once, done, no warning", json.dumps(jobs) + err[-1500:])

# 5. a comment on the first ticket still warns about the seq field when RT
# refuses that one: the create's warning does not use up the ticket's
fake.faults(refuse_cf=["SentirouteId", "SentirouteSeq"])
srtest.ingest(conf, store, "email", "jane@example.com", "Hello? Unique-comment-one",
              "--in-reply-to", "<ri1@example.com>", "--message-id", "<ri5@example.com>")
err = run()
logs += err
tap.ok(re.search(r"T%d: job \d+: rt: comment posted to ticket %s, but RT refused to set its custom"
                 r" field SentirouteSeq" % (r1["ticket"], rid), err),
       "the seq field's warning still comes for a ticket whose create warned", err[-1500:])

tap.ok(SECRET not in logs, "the token is in no log line", logs[-2000:])
fake.stop()
tap.done()
