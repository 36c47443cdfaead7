#!/usr/bin/env python3
"""test_cli - sentiroutectl's store commands end to end: the one-command query
"urgent or negative, highest order value first" (options and saved view), the
ticket life cycle, profiles, rescore, reports, metrics, rule errors naming
file:line:path, the sample config documenting every key, method none, and a
read-only reader next to a live writer."""
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtest  # noqa: E402

tap = srtest.Tap(20)
SRC = os.environ.get("top_srcdir") or os.path.join(srtest.HERE, "..", "..")
SAMPLE = os.path.join(SRC, "config", "sentiroute.conf")
d = srtest.tmpdir()
store = os.path.join(d, "store")
conf = srtest.write_config(d, """
store = { instance = "cli"; sync = false; };
route = { rules = (
  { name = "angry-big-order"; label = ["urgent", "negative"]; order_value_min = 200.0;
    queue = "senior"; priority = "high"; tags = ["big-order"]; },
  { name = "promoter"; label = "promoter"; tags = ["review-request"]; }
); };
views = ( { name = "angry"; label = ["urgent", "negative"]; sort = "order_value"; } );
""")

with open(os.path.join(d, "profiles.csv"), "w") as f:
    f.write("email,name,profile_id,order_value,vip\n"
            "rich@example.com,Rich Customer,C-9,900,yes\n"
            "mid@example.com,Mid Customer,C-5,300,no\n"
            "low@example.com,Low Customer,C-1,15,no\n")
with open(os.path.join(d, "profiles.json"), "w") as f:
    json.dump([{"phone": "+4915100000009", "name": "SMS Fan", "profile_id": "C-7", "order_value": 42}], f)
rc1, out1, err1 = srtest.ctl(conf, store, "profiles", "import", os.path.join(d, "profiles.csv"))
rc2, out2, err2 = srtest.ctl(conf, store, "profiles", "import", os.path.join(d, "profiles.json"))
rc3, out3, _ = srtest.ctl(conf, store, "profiles", "show", "+49 151 00000009")
tap.ok(rc1 == 0 and rc2 == 0 and "imported 3" in out1 and "imported 1" in out2 and '"C-7"' in out3,
       "profiles import from CSV and JSON, lookup by number", out1 + out2 + out3 + err1 + err2)

angry = "This is the worst service ever, I am furious and I want a refund!"
r_low = srtest.ingest(conf, store, "email", "low@example.com", angry)
r_rich = srtest.ingest(conf, store, "email", "Rich Customer <rich@example.com>", angry)
r_mid = srtest.ingest(conf, store, "email", "mid@example.com", angry)
r_fan = srtest.ingest(conf, store, "email", "fan@example.com",
                      "Best shop ever, I will recommend you to all my friends!")
srtest.ingest(conf, store, "chat", "calm@anon/1", "hello, what are your opening hours?")
tap.ok(r_rich["queue"] == "senior" and r_rich["priority"] == "high" and r_low["queue"] == "general"
       and r_fan["label"] == "promoter" and "review-request" in r_fan["tags"],
       "ingest routes by label and profile order value",
       json.dumps([r_rich, r_low, r_fan]))

rc, out, err = srtest.ctl(conf, store, "tickets", "--label", "urgent,negative", "--sort", "order_value",
                          "--format", "json")
ids = [t["id"] for t in json.loads(out)] if rc == 0 else []
tap.ok(ids == [r_rich["ticket"], r_mid["ticket"], r_low["ticket"]],
       "tickets --label urgent,negative --sort order_value: highest order value first", out[:1500] + err)
rc, out2, err = srtest.ctl(conf, store, "tickets", "--view", "angry", "--format", "json")
tap.ok(rc == 0 and [t["id"] for t in json.loads(out2)] == ids, "the saved view 'angry' gives the same", err)
rc, table, err = srtest.ctl(conf, store, "tickets", "--channel", "chat")
tap.ok(rc == 0 and "calm@anon" in table and "rich@" not in table and table.startswith("id"),
       "tickets table filtered by channel", table + err)

tid = str(r_rich["ticket"])
rc_r, o_r, e_r = srtest.ctl(conf, store, "ticket", "reply", tid, "--author", "anna", stdin="We are so sorry. Refund sent.")
rc_c, _, e_c = srtest.ctl(conf, store, "ticket", "close", tid)
after_close = srtest.ingest(conf, store, "email", "rich@example.com", "Thank you, that was quick",
                            "--in-reply-to", "<nonexistent@x>")
rc_s, show, e_s = srtest.ctl(conf, store, "ticket", "show", tid, "--format", "json")
t = json.loads(show)
tap.ok(rc_r == 0 and rc_c == 0 and t["status"] == "closed" and t["transcript"][1]["direction"] == "out"
       and t["transcript"][1]["author"] == "anna" and after_close["ticket"] != r_rich["ticket"],
       "reply is an outbound message; close works; a new unthreaded mail opens a new ticket",
       show[:1500] + e_r + e_c + e_s)
rc_o, _, e_o = srtest.ctl(conf, store, "ticket", "reopen", tid)
rc_d, jl, _ = srtest.ctl(conf, store, "outbox", "list", "--format", "json")
deliver = [j for j in json.loads(jl) if j["kind"] == "deliver"]
tap.ok(rc_o == 0 and len(deliver) == 1 and deliver[0]["target"] == "email" and deliver[0]["state"] == "pending",
       "reopen works; the reply waits in the outbox for the email adapter", jl + e_o)
rc_x, _, _ = srtest.ctl(conf, store, "outbox", "drop", str(deliver[0]["id"]) if deliver else "0")
tap.ok(rc_x == 0 and not srtest.jobs(conf, store), "outbox drop removes a job")

sms = srtest.ingest(conf, store, "sms", "+4915100000009", "Hi, one question about my order")
srtest.ingest(conf, store, "sms", "+4915100000009", "actually a second, unrelated topic: invoice broken, awful")
rc, out, err = srtest.ctl(conf, store, "ticket", "split", str(sms["ticket"]), "--at", "2")
m = re.search(r"now ticket (\d+)", out)
rc2, show, _ = srtest.ctl(conf, store, "ticket", "show", m.group(1) if m else "0", "--format", "json")
tap.ok(rc == 0 and m and json.loads(show)["messages"] == 1 and json.loads(show)["profile_id"] == "C-7",
       "ticket split moves the later messages to a new ticket", out + err + show[:800])

rc, out, err = srtest.ctl(conf, store, "rescore")
tap.ok(rc == 0 and re.search(r"rescored (\d+) ticket", out) and int(re.search(r"(\d+)", out).group(1)) >= 7,
       "rescore re-scores every stored ticket", out + err)

svg = os.path.join(d, "week.svg")
rc, out, err = srtest.ctl(conf, store, "report", "--week", "--svg", svg)
ok_svg = False
try:
    root = ET.parse(svg).getroot()
    ok_svg = root.tag.endswith("svg") and len(root.findall("{http://www.w3.org/2000/svg}rect")) > 3
except Exception as e:
    err += str(e)
tap.ok(rc == 0 and "urgent" in out and "handoffs:" in out and ok_svg,
       "report --week prints a table and writes an SVG chart", out + err)

rc, out, err = srtest.ctl(conf, store, "metrics")
lines = [l for l in out.splitlines() if l and not l.startswith("#")]
good = all(re.fullmatch(r'[a-z_]+(\{[a-z_]+="[a-z_]+"(,[a-z_]+="[a-z_]+")*\})? -?\d+(\.\d+)?', l) for l in lines)
tap.ok(rc == 0 and good and 'sentiroute_tickets{label="urgent",status="new"}' in out
       and "sentiroute_outbox_oldest_pending_age_seconds" in out,
       "metrics prints Prometheus text", out[:1500] + err)

bad = srtest.write_config(d, 'route = {\n  rules = (\n    { queue = "a"; },\n    { name = "x";\n      queuee = "b"; }\n  );\n};\n', "bad.conf")
rc, out, err = srtest.ctl(bad, None, "configtest")
tap.ok(rc == 78 and "bad.conf:5: route.rules.[1].queuee" in err, "configtest names file:line:path of a bad rule key", err)

rc, dump, err = srtest.ctl(SAMPLE, None, "configtest", "--dump")
sample = open(SAMPLE).read()
paths, stack = [], []
for line in dump.splitlines():
    s = line.strip()
    if s.endswith("= {"):
        stack.append(s.split()[0])
    elif s == "};":
        stack.pop()
    elif re.match(r"^[a-z_]+ = ", s) and not line.startswith("    "*8):
        paths.append(".".join(stack + [s.split()[0]]))
missing = [p for p in paths if not re.search(r"\b%s\s*=" % re.escape(p.split(".")[-1]), sample)]
tap.ok(rc == 0 and len(paths) > 40 and not missing,
       "the sample config loads and documents every key (%d)" % len(paths), "missing=%s %s" % (missing, err))

dn = srtest.tmpdir()
conf_none = srtest.write_config(dn, 'store = { sync = false; }; handoff = { method = "none"; none = { message = "Help is here:"; links = ["https://help.example.com/a"]; }; };')
r = srtest.ingest(conf_none, os.path.join(dn, "store"), "chat", "v@anon/1", "I want to speak to a human")
tap.ok(r["handoff"] and r["job"] == 0 and r["none_message"] == "Help is here:\nhttps://help.example.com/a",
       "method none answers with the configured message and links", json.dumps(r))

# backfill from raw mail: headers thread and backdate, the body is decoded
m1 = ("From: Jane Doe <Jane@Example.com>\nSubject: =?UTF-8?Q?R=C3=BCckerstattung?=\n"
      "Message-ID: <bf1@example.com>\nDate: Wed, 01 May 2024 10:00:00 +0200\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
      "Ich bin so w=FCtend, das ist eine Frechheit!\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n")
m2 = "From: jane@example.com\nSubject: Re\nIn-Reply-To: <bf1@example.com>\nDate: Thu, 02 May 2024 09:00:00 +0000\n\nthanks, solved\n"
rc1, o1, e1 = srtest.ctl(conf, store, "ingest", "--rfc822", stdin=m1)
rc2, o2, e2 = srtest.ctl(conf, store, "ingest", "--rfc822", stdin=m2)
try:
    a, b = json.loads(o1), json.loads(o2)
    t = json.loads(srtest.ctl(conf, store, "ticket", "show", str(a["ticket"]), "--format", "json")[1])
    good = (b["ticket"] == a["ticket"] and t["subject"] == "R\u00fcckerstattung" and t["created"] == 1714550400
            and "w\u00fctend" in t["transcript"][0]["text"] and t["name"] == "Jane Doe"
            and t["transcript"][1]["at"] == 1714640400)
except Exception as e:
    good, t = False, str(e)
tap.ok(rc1 == 0 and rc2 == 0 and good, "ingest --rfc822 backfills raw mail: threaded, backdated, decoded",
       "%s %s %s" % (e1, e2, json.dumps(t)[:1200]))

# a reporting reader next to a live writer (two processes on one store)
feed = "".join(json.dumps({"channel": "sms", "from": "+49152000%05d" % i, "text": "msg %d" % i}) + "\n" for i in range(300))
w = srtest.start([srtest.CTL, "-c", conf, "--store", store, "ingest", "--jsonl"],
                 stdin=srtest.subprocess.PIPE, stdout=srtest.subprocess.PIPE, stderr=srtest.subprocess.DEVNULL, text=True)
w.stdin.write(feed[: len(feed) // 2])
w.stdin.flush()
first = w.stdout.readline()
rc_ro, out_ro, err_ro = srtest.ctl(conf, store, "tickets", "--channel", "sms", "--format", "json")
w.stdin.write(feed[len(feed) // 2:])
w.stdin.close()
rest = w.stdout.read()
w.wait(timeout=60)
rc, out, err = srtest.ctl(conf, store, "tickets", "--channel", "sms", "--format", "json")
tap.ok(first and rc_ro == 0 and w.returncode == 0 and len(json.loads(out)) >= 302,
       "a read-only reader works while another process writes", err_ro + err)
# outbox drop of a job a worker is sending right now (leased, its request
# in flight) is refused, naming the worker, with exit 75 (documented):
# the job could still arrive.  --force drops it anyway.  It was dropped.
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(4)
accepted = threading.Event()
held = []


def hold():
    # a receiver that reads the request and never answers
    try:
        while True:
            c, _ = lst.accept()
            held.append(c)
            accepted.set()
    except OSError:
        pass


threading.Thread(target=hold, daemon=True).start()
d2 = srtest.tmpdir()
store2 = os.path.join(d2, "store")
conf2 = srtest.write_config(d2, """
store = { instance = "drop"; sync = false; };
handoff = { method = "webhook"; timeout = 20; connect_timeout = 2;
            webhook = { url = "http://127.0.0.1:%d/hook"; secret_file = "%s"; }; };
route = { rules = ( { name = "everyone"; handoff = true; } ); };
""" % (lst.getsockname()[1], srtest.secret_file(d2, "secret", "drop-secret")))
srtest.ingest(conf2, store2, "email", "slow@example.com", "I want my refund now")
job = srtest.jobs(conf2, store2)[0]
worker = srtest.subprocess.Popen([srtest.CTL, "-c", conf2, "--store", store2, "outbox", "run",
                                  "--worker", "w-busy", "--timeout", "60"],
                                 stdout=srtest.subprocess.DEVNULL, stderr=srtest.subprocess.DEVNULL)
srtest.PROCS.append(worker)
accepted.wait(30)
rc_d, out_d, err_d = srtest.ctl(conf2, store2, "outbox", "drop", str(job["id"]))
left = srtest.jobs(conf2, store2)
tap.ok(accepted.is_set() and rc_d == 75 and "w-busy" in err_d and "--force" in err_d and len(left) == 1,
       "outbox drop of a job being sent is refused (exit 75, names the worker, --force)",
       "accepted=%s rc=%d err=%s jobs=%s" % (accepted.is_set(), rc_d, err_d, json.dumps(left)))
rc_f, _, err_f = srtest.ctl(conf2, store2, "outbox", "drop", "--force", str(job["id"]))
tap.ok(rc_f == 0 and not srtest.jobs(conf2, store2) and "w-busy" in err_f,
       "outbox drop --force drops it anyway, with a warning naming the worker",
       "rc=%d err=%s" % (rc_f, err_f))
worker.kill()
worker.wait(timeout=10)
lst.close()
for c in held:
    c.close()

# the library exports the store API, and sr_* only
lib = sorted(glob.glob(os.path.join(os.environ.get("top_builddir") or os.path.join(SRC), "core", ".libs", "libsentiroute.so.*")))
syms = srtest.subprocess.run(["nm", "-D", "--defined-only", lib[0]], capture_output=True, text=True).stdout if lib else ""
names = {l.split()[-1] for l in syms.splitlines() if len(l.split()) == 3 and l.split()[1] in "TDBR"}
want = {"sr_store_open", "sr_ingest", "sr_handoff_request", "sr_ticket_query", "sr_outbox_claim",
        "sr_outbox_complete", "sr_outbox_fail", "sr_outbox_worker_start", "sr_route_eval",
        "sr_profile_import", "sr_e164_normalize", "sr_message_request_handoff", "sr_event_foreach"}
stray = sorted(n for n in names if not n.startswith("sr_") and not n.startswith("_"))
tap.ok(lib and want <= names and not stray, "the store API is exported, nothing but sr_*",
       "missing=%s stray=%s" % (sorted(want - names), stray[:10]))
tap.done()
