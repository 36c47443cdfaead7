#!/usr/bin/python3
"""test_prosody - sentiroute-xmpp end to end with a real Prosody 0.12

One private Prosody on loopback (c2s, an anonymous host for web-chat
visitors, the bridge's component), the bridge as a component with the
Zendesk webhook listener, strict local Zendesk and Gorgias stand-ins
(tests/handoff/fakehelpdesk.py), and visitors, agents and a bot as real
XMPP clients (slixmpp).  Scenarios, in order:

  helpdesk   anonymous visitor: welcome, human request, unclear answer,
             yes, bad email, good email, live chat with an agent (lines
             with their sentiment, answers back, XML-hostile text), /end;
             the ticket's transcript, email, handoff in the store; chat
             states (XEP-0085) relayed both ways while live only, never
             twice in a row, a flood of them bounded, none stored
  languages  the prompts in de, fr, es, pl
  rule       a routing rule (urgent) triggers the prompt
  no agent   a logged-in customer, the agent on dnd: the no-agent text;
             the agent comes back and takes the queued chat with "#N"
  restart    Prosody restarts mid-conversation: the bridge reconnects, an
             answer written during the outage arrives, the chat goes on
  reload     SIGHUP: out of hours (closed today, the text from the config),
             a broken file is refused
  zendesk    handoff to a Zendesk stand-in; the signed webhook relays an
             agent reply into the chat; 401/413/400/404/405 and duplicates
  gorgias    handoff, the conversation goes on by email
  none       the help links
  bot        lines go to a bot, its answers come back, its marker asks
  robust     a flood is rate-limited, a 200 KB line is capped, iq/message
             oddities are answered or ignored, the component link holds
  metrics    conversations, handoffs, resolved without handoff
  client     the bridge logs in as an ordinary account instead
  stop       SIGTERM: a clean exit; no secret in any log
"""
import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

PLAN = 91
tap = xt.Tap(PLAN)
D = xt.tmpdir()
COMP_SECRET = "c0mp-s3cret-planted-1e6d"
SIGNING = "zd-s1gning-planted-77aa"
ZD_TOKEN = "zd-t0ken-planted-5f19"
GG_KEY = "gg-k3y-planted-0c3d"
HELP_PW = "help-pw-planted-9a1b"


def sign(body, ts=None):
    ts = ts or datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = base64.b64encode(hmac.new(SIGNING.encode(), ts.encode() + body, hashlib.sha256).digest())
    return ts, sig.decode()


def post(url, body, headers=None, method="POST"):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:   # a closed connection after an early 413
        return -1, repr(e)


def hook(url, obj, ts=None, sig=None, inv=None, raw=None):
    body = raw if raw is not None else json.dumps(obj).encode()
    t, s = sign(body, ts)
    h = {"Content-Type": "application/json", "X-Zendesk-Webhook-Signature": sig or s,
         "X-Zendesk-Webhook-Signature-Timestamp": t}
    if inv:
        h["X-Zendesk-Webhook-Invocation-Id"] = inv
    return post(url, body, h)


class World:
    pass


CS = "http://jabber.org/protocol/chatstates"


def state_of(m):
    """the XEP-0085 chat state a message carries, or None"""
    for name in ("active", "composing", "paused", "inactive", "gone"):
        if m.xml.find("{%s}%s" % (CS, name)) is not None:
            return name
    return None


def send_state(c, to, state):
    """a standalone chat state: a bodiless chat message"""
    c.send_raw("<message type='chat' to='%s'><%s xmlns='%s'/></message>" % (to, state, CS))


async def states(c, seconds):
    """the standalone chat states c got until seconds from now, in order"""
    await asyncio.sleep(seconds)
    got, c.states[:] = list(c.states), []
    return got


async def state_flood(c, seconds_quiet=1.5, limit=60):
    """chat states c gets until none came for seconds_quiet; and when the
    last one arrived"""
    got, last, end = [], time.time(), time.time() + limit
    while time.time() - last < seconds_quiet and time.time() < end:
        new = await states(c, 0.1)
        if new:
            got += new
            last = time.time()
    return got, last


W = World()


def config(method="helpdesk", extra="", handoff_extra=""):
    return """
log = {{ level = "info"; }};
xmpp = {{
  domain = "bridge.localhost";
  port = {comp};
  secret_file = "{secret}";
  authenticated_domains = ["localhost"];
  agents = ["agent1@localhost Anna: general"];
  idle_timeout = 120;
  rate = 5.0; burst = 10;
  ask_on_first_line = false;
  reconnect_min = 0.2; reconnect_max = 2;
  webhook = {{ listen = "127.0.0.1:{whport}"; signing_secret_file = "{signing}"; max_body = 4096; }};
  {extra}
}};
handoff = {{
  method = "{method}";
  backoff_base = 0.1; backoff_max = 1;
  zendesk = {{ url = "{zd}"; email = "agent@example.com"; token_file = "{zdtok}"; }};
  gorgias = {{ url = "{gg}"; username = "agent@example.com"; api_key_file = "{ggkey}"; }};
  none = {{ links = ["https://help.example.com/faq", "https://help.example.com/returns"]; }};
  {handoff_extra}
}};
route = {{ rules = ( {{ name = "urgent"; label = "urgent"; priority = "high"; handoff = true; }} ); }};
""".format(comp=W.prosody.comp, secret=W.secret, whport=W.whport, signing=W.signing, extra=extra,
           method=method, zd=W.zd.url, zdtok=W.zdtok, gg=W.gg.url, ggkey=W.ggkey,
           handoff_extra=handoff_extra)


async def reload(body):
    n = len(re.findall(r"configuration reloaded|keeping the running configuration", W.bridge.log()))
    W.bridge.write(body)
    W.bridge.signal(signal.SIGHUP)
    return await W.bridge.until_log(r"configuration reloaded|keeping the running configuration",
                                    10, count=n + 1)


async def visitor():
    return await xt.login(W.prosody.c2s, "anon.localhost")


async def handoff_anon(v, ask_line="I want to talk to a human", email=None):
    """human request, yes, email; returns the message after the address"""
    v.say(W.help, ask_line)
    await v.expect("connect you|verbinden|relation|contacto|połączyć")
    v.say(W.help, "yes")
    await v.expect("email address")
    v.say(W.help, email or "visitor@example.org")
    return await v.expect(None)


async def s_helpdesk():
    a1 = W.agent1
    csv = os.path.join(D, "profiles.csv")
    with open(csv, "w") as f:
        f.write("email,name,profile_id,order_value,vip\nv1@example.org,Vera One,P-1001,120.5,false\n")
    rc, out, err = W.bridge.ctl("profiles", "import", csv)
    if rc != 0:
        print("# profiles import: " + err)
    v = await visitor()
    v.say(W.help, "Hello, where is my parcel?")
    m = await v.expect()
    tap.ok("Write \"agent\"" in xt.body_of(m) and str(m["from"]) == W.help,
           "helpdesk: the first line gets the welcome text from help@", xt.body_of(m))
    send_state(v, W.help, "composing")   # no live chat yet: relayed nowhere
    v.say(W.help, "I want to talk to a human")
    m = await v.expect()
    tap.ok("connect you with one of our agents" in xt.body_of(m),
           "helpdesk: a human request asks whether to connect", xt.body_of(m))
    v.say(W.help, "hmm, what do you mean?")
    m = await v.expect()
    tap.ok("did not understand" in xt.body_of(m), "helpdesk: an unclear answer is asked again",
           xt.body_of(m))
    v.say(W.help, "Yes please")
    m = await v.expect()
    tap.ok("at which email address" in xt.body_of(m),
           "helpdesk: an anonymous visitor is asked for an email address", xt.body_of(m))
    tid0 = W.bridge_ticket_of(str(v.boundjid.bare))
    send_state(v, W.help, "paused")
    send_state(a1, "t%d@bridge.localhost" % tid0, "composing")
    send_state(a1, W.help, "paused")
    got_a = await states(a1, 1.5)
    got_v = await states(v, 0)
    tap.ok(not got_a and not got_v,
           "chatstates: none relayed before the handoff (chat, email prompt)",
           [(str(m["from"]), state_of(m)) for m in got_a + got_v])
    v.say(W.help, "my email is nonsense@")
    m = await v.expect()
    tap.ok("does not look like an email address" in xt.body_of(m),
           "helpdesk: nonsense is refused and the address asked again", xt.body_of(m))
    v.say(W.help, "it is v1@Example.org")
    m = await v.expect()
    tap.ok("Connecting you with Anna" in xt.body_of(m), "helpdesk: yes + address connect Anna",
           xt.body_of(m))
    intro = await a1.expect("new chat from")
    ib = xt.body_of(intro)
    tid = int(re.search(r"#(\d+) new chat", ib).group(1)) if intro else 0
    W.t_helpdesk = tid
    tap.ok(intro is not None and "email v1@example.org" in ib and "profile P-1001" in ib and
           "where is my parcel" in ib and str(intro["from"]).startswith("t%d@bridge.localhost" % tid),
           "helpdesk: the agent gets the chat with transcript, email, profile, from t%d@" % tid, ib)
    # live: the agent's typing reaches the visitor, once per state
    for st in ("composing", "composing", "composing", "paused"):
        send_state(a1, "t%d@bridge.localhost" % tid, st)
    got = await states(v, 1.5)
    first = got[0] if got else None
    tap.ok(first is not None and state_of(first) == "composing" and first["type"] == "chat" and
           first.xml.find("{jabber:client}body") is None and str(first["from"]) == W.help and
           str(first["to"]) == str(v.boundjid.full),
           "chatstates: the agent's composing reaches the visitor (chat, no body, from help@, to "
           "the full JID)", str(first) if first is not None else "nothing")
    tap.ok([state_of(m) for m in got] == ["composing", "paused"],
           "chatstates: composing sent three times is relayed once, then paused",
           [state_of(m) for m in got])
    # the visitor's composing and paused reach the agent; active does not
    for st in ("composing", "composing", "active", "paused"):
        send_state(v, W.help, st)
    got = await states(a1, 1.5)
    tap.ok([state_of(m) for m in got] == ["composing", "paused"] and
           all(str(m["from"]).startswith("t%d@bridge.localhost" % tid) and not xt.body_of(m)
               for m in got),
           "chatstates: the visitor's composing, composing, active, paused reach the agent as "
           "composing, paused from t%d@" % tid, [(str(m["from"]), state_of(m)) for m in got])
    # a flood: 10,000 repeats, then 400 alternating; burst 10, rate 5/s
    t0 = time.time()
    for i in range(10000):
        send_state(v, W.help, "composing")
    for i in range(400):
        send_state(v, W.help, "paused" if i % 2 == 0 else "composing")
    got, t_last = await state_flood(a1)
    bound = 10 + 5 * (t_last - t0) + 2
    told = [m for m in v.drain() if "very quickly" in xt.body_of(m)]
    tap.ok(1 <= len(got) <= bound and not told,
           "chatstates: a flood of 10,400 reaches the agent as %d (at most %.0f), no slow-down "
           "text" % (len(got), bound), [xt.body_of(m) for m in told])
    v.say(W.help, "This is terrible, I am furious!!!")
    m = await a1.expect("furious")
    mm = re.search(r"#%d \[(\d+\.\d) (\w+) en" % tid, xt.body_of(m))
    tap.ok(mm is not None and float(mm.group(1)) < 4.0 and mm.group(2) in ("urgent", "negative"),
           "helpdesk: each line reaches the agent with its sentiment", xt.body_of(m))
    a1.say("t%d@bridge.localhost" % tid, "We are sorry, a new parcel is on its way.")
    m = await v.expect("new parcel")
    tap.ok(m is not None and str(m["from"]) == W.help,
           "helpdesk: the agent's answer reaches the visitor from help@", xt.body_of(m))
    hostile = "<b>bold</b> & \"quotes\" 'apos' ]]> <![CDATA[x]]> &amp; \U0001F621 end"
    v.say(W.help, hostile)
    m = await a1.expect("bold")
    tap.ok(m is not None and xt.body_of(m).endswith("] " + hostile),
           "helpdesk: XML-hostile text arrives intact (escaped on the wire)", xt.body_of(m))
    t = W.bridge.ticket(tid)
    tr = t.get("transcript", [])
    tap.ok(t["email"] == "v1@example.org" and t["profile_id"] == "P-1001" and t["handed_off"] and
           t["method"] == "helpdesk" and t["assignee"] == "agent1@localhost" and
           len(tr) >= 8 and all(x["at"] > 1e9 for x in tr) and
           any(x["direction"] == "out" and "new parcel" in x["text"] for x in tr) and
           any(x["text"] == hostile for x in tr),
           "helpdesk: the ticket holds the timestamped transcript, email, profile id, handoff, agent",
           json.dumps(t)[:1500])
    ins = [x["text"] for x in tr if x["direction"] == "in"]
    tap.ok(len(ins) == 8 and all(ins),
           "chatstates: none stored: the transcript holds the visitor's 8 lines", ins)
    # what is left of the flood (on a loaded machine its tail can come
    # after a pause longer than state_flood's) arrived before the end
    await state_flood(a1)
    await states(v, 0)
    a1.say("t%d@bridge.localhost" % tid, "/end")
    m = await v.expect("left the chat")
    tap.ok(m is not None, "helpdesk: /end tells the visitor the agent left")
    send_state(a1, "t%d@bridge.localhost" % tid, "composing")
    send_state(v, W.help, "composing")
    got = await states(v, 1.5) + await states(a1, 0)
    tap.ok(not got, "chatstates: none relayed after the chat ended",
           [(str(m["from"]), state_of(m)) for m in got])
    await v.bye()


async def s_languages():
    cases = [("de", "Ich möchte bitte mit einem Menschen sprechen", "Soll ich Sie", "ja",
              "E-Mail-Adresse"),
             ("fr", "Je voudrais parler à un conseiller", "Voulez-vous que je vous mette", "oui",
              "adresse e-mail"),
             ("es", "Quiero hablar con una persona", "Quiere que le ponga", "sí",
              "correo electrónico"),
             ("pl", "Chcę rozmawiać z człowiekiem", "Czy połączyć", "tak", "adresem e-mail")]
    for lang, ask, want, yes, want2 in cases:
        v = await visitor()
        v.say(W.help, ask)
        m = await v.expect()
        tap.ok(want in xt.body_of(m), "languages: %s request, %s prompt" % (lang, lang),
               xt.body_of(m))
        v.say(W.help, yes)
        m = await v.expect()
        tap.ok(want2 in xt.body_of(m), "languages: '%s' is a yes; the address asked in %s" % (yes, lang),
               xt.body_of(m))
        await v.bye()


async def s_rule():
    v = await visitor()
    v.say(W.help, "This is the third time I write, my order is missing and nobody answers. "
                  "I will call my lawyer!")
    m = await v.expect()
    ok = await W.bridge.until_log(r"asked whether to connect an agent \(urgent\)", 5)
    tap.ok("connect you" in xt.body_of(m) and ok,
           "rule: a routing rule (urgent -> handoff) asks whether to connect", xt.body_of(m))
    await v.bye()


async def s_no_agent():
    a1 = W.agent1
    a1.send_presence(pshow="dnd")
    await W.bridge.until_log(r"agent agent1@localhost/\S+: dnd", 10)
    alice = W.alice
    alice.say(W.help, "I need to speak to a person about my invoice")
    m = await alice.expect()
    tap.ok("connect you" in xt.body_of(m), "no agent: the customer is asked", xt.body_of(m))
    alice.say(W.help, "ok")
    m = await alice.expect()
    mm = re.search(r"busy at the moment. We have your request \(ticket (\d+)\)", xt.body_of(m))
    tap.ok(mm is not None, "no agent: a logged-in customer skips the address; all agents busy",
           xt.body_of(m))
    W.t_alice = int(mm.group(1)) if mm else 0
    a1.send_presence()
    m = await a1.expect("Chats waiting for an agent")
    tap.ok(m is not None and ("#%d alice@localhost (queue general)" % W.t_alice) in xt.body_of(m),
           "no agent: back online, the agent hears about the queued chat", xt.body_of(m))
    a1.say(W.help, "#%d Hello Alice, Anna here." % W.t_alice)
    m = await alice.expect("Anna here")
    tap.ok(m is not None, "no agent: the agent takes the queued chat with #N; the answer arrives")
    alice.say(W.help, "Thanks, my invoice 4711 is wrong")
    m = await a1.expect("invoice 4711")
    tap.ok(m is not None and str(m["from"]).startswith("t%d@" % W.t_alice),
           "no agent: now live, the customer's lines reach the agent", xt.body_of(m))


async def s_restart():
    p = W.prosody
    pid = W.bridge.proc.pid
    await W.alice.bye()
    await W.agent1.bye()
    p.stop()
    ok = await W.bridge.until_log(r"disconnected from", 15)
    tap.ok(ok, "restart: the bridge notices Prosody going away", W.bridge.tail())
    # an answer written while the server is away (sentiroutectl, from stdin)
    r = xt.subprocess.run([xt.CTL, "-c", W.bridge.conf, "--store", W.bridge.store, "ticket", "reply",
                           str(W.t_alice), "--author", "anna"], input="Written during the outage.",
                          capture_output=True, text=True, timeout=60)
    tap.ok(r.returncode == 0, "restart: sentiroutectl ticket reply while Prosody is down", r.stderr)
    p.start()
    ok = await W.bridge.until_log(r"connected to .* \(component\)", 20, count=2)
    tap.ok(ok and xt.alive(W.bridge.proc) and W.bridge.proc.pid == pid,
           "restart: the same bridge process reconnects with backoff", W.bridge.tail())
    W.alice = await xt.login(p.c2s, "alice@localhost", "alicepw")
    W.agent1 = await xt.login(p.c2s, "agent1@localhost", "agentpw")
    await W.bot.bye()
    await start_bot()
    m = await W.alice.expect("during the outage", timeout=15)
    tap.ok(m is not None, "restart: the answer written during the outage is delivered")
    await W.bridge.until_log(r"agent agent1@localhost/\S+: available", 10, count=3)
    W.alice.say(W.help, "Are you still there?")
    m = await W.agent1.expect("still there", timeout=15)
    tap.ok(m is not None, "restart: the live chat goes on after the restart")
    W.agent1.say("t%d@bridge.localhost" % W.t_alice, "Yes, still here.")
    m = await W.alice.expect("still here")
    tap.ok(m is not None, "restart: and the agent's answers still reach the customer")
    # now the bridge itself restarts: the chat is resumed from the store
    rc = W.bridge.stop()
    W.bridge.start()
    W.alice.say(W.help, "Did you restart something?")
    m = await W.agent1.expect("restart something", timeout=15)
    tap.ok(rc == 0 and m is not None and str(m["from"]).startswith("t%d@" % W.t_alice),
           "restart: after a bridge restart the live chat resumes from the store",
           W.bridge.tail(8))
    W.agent1.say("t%d@bridge.localhost" % W.t_alice, "Only the bridge.")
    m = await W.alice.expect("Only the bridge")
    tap.ok(m is not None, "restart: and the agent's answers arrive again")
    W.agent1.say("t%d@bridge.localhost" % W.t_alice, "/end")
    await W.alice.expect("left the chat")


async def s_reload():
    today = datetime.datetime.utcnow().date()
    days = ", ".join('"%s"' % (today + datetime.timedelta(days=k)).isoformat() for k in (-1, 0, 1))
    ok = await reload(config(extra='hours = { timezone = "UTC"; open = ["mon-sun 08:00-20:00"]; '
                             'closed = [%s]; }; texts = { closed = ["en: Closed today (we work '
                             '{hours}); ticket {ticket} is noted.", "de: Heute geschlossen."]; };'
                             % days))
    tap.ok(ok and "configuration reloaded" in W.bridge.log(), "reload: SIGHUP reloads",
           W.bridge.tail())
    v = await visitor()
    m = await handoff_anon(v)
    tap.ok(re.match(r"Closed today \(we work mon-sun 08:00-20:00\); ticket \d+ is noted\.$",
                    xt.body_of(m)) is not None,
           "reload: out of hours (a closed day): the office-hours text, as the config words it",
           xt.body_of(m))
    W.bridge.write("xmpp = { agents = [\"not a jid\"]; };\n")
    W.bridge.signal(signal.SIGHUP)
    ok = await W.bridge.until_log(r"keeping the running configuration", 10)
    v.say(W.help, "still there?")
    tap.ok(ok and xt.alive(W.bridge.proc), "reload: a broken file is refused, the bridge runs on",
           W.bridge.tail())
    await v.bye()


async def s_zendesk():
    ok = await reload(config("zendesk"))
    v = await visitor()
    m = await handoff_anon(v, "I would like to talk to a person", "zoe@example.org")
    mm = re.search(r"answer you here in this chat \(ticket (\d+)\)", xt.body_of(m))
    tap.ok(ok and mm is not None, "zendesk: the visitor hears a person will answer in the chat",
           xt.body_of(m))
    tid = int(mm.group(1)) if mm else 0
    ext = "sr-xt-t%d" % tid
    got = await xt.until(lambda: any(t.get("external_id") == ext for t in W.zd.state()["tickets"]), 20)
    zt = [t for t in W.zd.state()["tickets"] if t.get("external_id") == ext]
    tap.ok(got and zt[0]["requester"]["email"] == "zoe@example.org" and
           "talk to a person" in zt[0]["comment"]["body"] and
           re.search(r"\d\d:\d\d:\d\d", zt[0]["comment"]["body"]),
           "zendesk: a ticket with the email and the timestamped transcript",
           json.dumps(zt)[:1200])
    zid = str(zt[0]["id"]) if zt else "0"
    url = "http://127.0.0.1:%d/zendesk" % W.whport
    st, body = hook(url, {"external_id": ext, "ticket_id": zid, "comment": "Hello Zoe, Jane here.",
                          "author": "Jane"}, inv="inv-1")
    m = await v.expect("Jane here")
    tap.ok(st == 200 and m is not None, "zendesk: a signed webhook relays the agent's reply", body)
    st, body = hook(url, {"external_id": ext, "ticket_id": zid, "comment": "Hello Zoe, Jane here.",
                          "author": "Jane"}, inv="inv-1")
    dup = await v.quiet(1.0)
    tap.ok(st == 200 and not dup, "zendesk: a repeated invocation is not relayed twice", body)
    # an invocation that was refused was not relayed: its retry is not a duplicate
    st1, _ = hook(url, {"external_id": ext, "ticket_id": zid + "0", "comment": "Jane again, retried.",
                        "author": "Jane"}, inv="inv-2")
    st2, body = hook(url, {"external_id": ext, "ticket_id": zid, "comment": "Jane again, retried.",
                           "author": "Jane"}, inv="inv-2")
    m = await v.expect("Jane again")
    tap.ok(st1 == 409 and st2 == 200 and m is not None,
           "zendesk: the retry of a refused invocation is relayed", (st1, st2, body))
    # another host sharing the Zendesk account: its ticket 42 is not ours,
    # even without a ticket_id to tell them apart
    st, body = hook(url, {"external_id": "sr-otherhost-t%d" % tid,
                          "comment": "For another host's customer."}, inv="inv-3")
    leak = await v.quiet(1.0)
    tap.ok(st == 200 and "ignored" in body and not leak,
           "zendesk: another instance's external id is ignored, not relayed",
           (st, body, [xt.body_of(m) for m in leak]))
    st, _ = hook(url, {"external_id": ext, "comment": "x"}, sig="AAAA" + "=" * 40)
    tap.ok(st == 401, "zendesk: a bad signature gets 401", st)
    st, _ = hook(url, {"external_id": ext, "comment": "x"}, ts="2020-01-01T00:00:00Z")
    tap.ok(st == 401, "zendesk: a stale timestamp (replay) gets 401", st)
    st, _ = post(url, json.dumps({"external_id": ext, "comment": "x"}).encode(),
                 {"Content-Type": "application/json"})
    tap.ok(st == 401, "zendesk: no signature gets 401", st)
    big = json.dumps({"external_id": ext, "comment": "x" * 10000}).encode()
    st, _ = hook(url, None, raw=big)
    tap.ok(st == 413, "zendesk: an oversized body gets 413", st)
    st, _ = hook(url, None, raw=b"{not json")
    tap.ok(st == 400, "zendesk: a malformed body gets 400", st)
    st, _ = hook(url, {"external_id": "sr-xt-t999999", "comment": "x"})
    tap.ok(st == 404, "zendesk: an unknown ticket gets 404", st)
    st, _ = hook(url, {"external_id": "sr-xt-t%d" % W.t_helpdesk, "comment": "x"})
    tap.ok(st == 409, "zendesk: a ticket not handed to Zendesk gets 409", st)
    st, _ = post(url, None, method="GET")
    st2, _ = hook("http://127.0.0.1:%d/other" % W.whport, {"external_id": ext, "comment": "x"})
    tap.ok(st == 405 and st2 == 404, "zendesk: GET gets 405, another path 404", (st, st2))
    n0 = len(W.zd.state()["comments"].get(zid, []))
    v.say(W.help, "Thank you Jane, the order number is 123.")
    got = await xt.until(lambda: any("order number is 123" in c["body"]
                                  for c in W.zd.state()["comments"].get(zid, [])), 20)
    tap.ok(got and len(W.zd.state()["comments"][zid]) > n0,
           "zendesk: later visitor lines go to the Zendesk ticket as comments",
           json.dumps(W.zd.state()["comments"].get(zid))[:800] + "\n" +
           W.bridge.ctl("outbox", "list", "--format", "json")[1][-1500:])
    # Zendesk retries a delivery whose answer it missed, also one lost in
    # a restart of the bridge: the invocation is still known afterwards
    rc = W.bridge.stop()
    W.bridge.start()
    st, body = hook(url, {"external_id": ext, "ticket_id": zid, "comment": "Hello Zoe, Jane here.",
                          "author": "Jane"}, inv="inv-1")
    dup = [xt.body_of(m) for m in await v.quiet(1.5) if "Jane here" in xt.body_of(m)]
    tap.ok(rc == 0 and st == 200 and "duplicate" in body and not dup,
           "zendesk: a repeated invocation after a bridge restart is not relayed again",
           (st, body, dup))
    await v.bye()


async def s_gorgias():
    ok = await reload(config("gorgias"))
    v = await visitor()
    m = await handoff_anon(v, "Can I talk to a real person please?", "gina@example.org")
    tap.ok(ok and "continue this conversation by email at gina@example.org" in xt.body_of(m),
           "gorgias: the visitor hears the conversation goes on by email", xt.body_of(m))
    got = await xt.until(lambda: any((t.get("customer") or {}).get("email") == "gina@example.org"
                                  for t in W.gg.state()["tickets"]), 20)
    tap.ok(got, "gorgias: a ticket for the visitor's address", json.dumps(W.gg.state())[:800])
    await v.bye()


async def s_none():
    ok = await reload(config("none"))
    v = await visitor()
    v.say(W.help, "I want to talk to a human")
    await v.expect("connect you")
    v.say(W.help, "yes")
    m = await v.expect()
    tap.ok(ok and "These pages answer most questions:\nhttps://help.example.com/faq\n"
           "https://help.example.com/returns" in xt.body_of(m),
           "none: the configured text with the links, no address asked", xt.body_of(m))
    await v.bye()


async def s_bot():
    ok = await reload(config(extra='bot = { jid = "bot@localhost"; };'))
    bot = W.bot
    v = await visitor()
    v.say(W.help, "hi bot")
    m = await v.expect("^bot: hi bot$")
    tap.ok(ok and m is not None and str(m["from"]) == W.help,
           "bot: a line goes to the bot, its answer comes back from help@",
           "%s\n%s\n%s" % (xt.body_of(m), bot.seen, W.bridge.tail(20)))
    v.say(W.help, "I want a refund")
    m = await v.expect("refunds")
    tap.ok(m is not None and xt.body_of(m) == "I cannot do refunds here.",
           "bot: an answer with the handoff marker arrives without it", xt.body_of(m))
    m = await v.expect("connect you")
    tap.ok(m is not None, "bot: the marker asks whether to connect an agent")
    v.say(W.help, "no")
    await v.expect("All right")
    n = len(bot.seen)
    v.say(W.help, "what about shipping?")
    await v.expect("^bot: ")
    tap.ok(len(bot.seen) == n + 1 and bot.seen[-1][1] == "what about shipping?" and
           bot.seen[-1][0].startswith("t") and bot.seen[-1][2].startswith("sr-t"),
           "bot: the bot sees one JID and thread per conversation", bot.seen[-3:])
    await v.bye()
    await reload(config())


async def s_robust():
    v = await visitor()
    vj = str(v.boundjid.bare)
    v.say(W.help, "hello")
    await v.expect()
    for i in range(40):
        v.say(W.help, "flood %d" % i)
    await asyncio.sleep(2)
    got = v.drain()
    warns = [m for m in got if "very quickly" in xt.body_of(m)]
    tap.ok(len(warns) == 1, "robust: a flood is told to slow down once", [xt.body_of(m) for m in got])
    t = W.bridge.ticket(W.bridge_ticket_of(vj))
    n = len([x for x in t["transcript"] if x["text"].startswith("flood")])
    tap.ok(9 <= n <= 15, "robust: only the burst (and the refill) of the flood is stored (%d)" % n)
    await asyncio.sleep(2.5)
    v.say(W.help, "x" * 200000)
    await asyncio.sleep(1.5)
    t = W.bridge.ticket(W.bridge_ticket_of(vj))
    longest = max(len(x["text"]) for x in t["transcript"])
    tap.ok(xt.alive(W.bridge.proc) and longest == 4096,
           "robust: a 200 KB line is kept to max_body_bytes (%d)" % longest)
    # iq we do not serve: an error; ping: a result
    try:
        await v.make_iq_get(queryxmlns="urn:example:unknown", ito="bridge.localhost").send(timeout=5)
        cond = "result"
    except Exception as e:
        cond = getattr(e, "condition", None) or repr(e)
    tap.ok(cond == "service-unavailable", "robust: an unknown iq gets service-unavailable", cond)
    try:
        r = await v.make_iq_get(queryxmlns="urn:xmpp:ping", ito="help@bridge.localhost").send(timeout=5)
        pong = r["type"] == "result"
    except Exception:
        pong = False
    tap.ok(pong, "robust: a ping is answered")
    v.drain()
    v.send_raw("<message type='error' to='help@bridge.localhost' id='e1'><body>err</body>"
               "<error type='cancel'><undefined-condition "
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
    v.send_raw("<message type='headline' to='help@bridge.localhost'><body>news</body></message>")
    v.send_raw("<message type='groupchat' to='help@bridge.localhost'><body>room</body></message>")
    v.send_raw("<message type='chat' to='help@bridge.localhost'><weird xmlns='x:y'><deep><deeper a='1'/>"
               "</deep></weird></message>")
    v.send_raw("<presence to='help@bridge.localhost' type='bogus'/>")
    v.send_raw("<iq type='error' to='bridge.localhost' id='x9'><query xmlns='q:q'/></iq>")
    v.send_raw("<iq type='result' to='bridge.localhost' id='x10'/>")
    v.send_raw("<message type='chat' to='nobody@bridge.localhost'><body>"
               "&lt;/body&gt;&lt;evil/&gt; &amp;amp; \u202e\ufeff</body></message>")
    quiet = await v.quiet(2.0)
    bodies = [xt.body_of(m) for m in quiet]
    tap.ok(not any(b in ("err", "news", "room") or m["type"] == "error" for b, m in zip(bodies, quiet)),
           "robust: error, headline and groupchat messages are never answered", bodies)
    tap.ok(xt.alive(W.bridge.proc) and W.prosody.count("External component successfully authenticated")
           == W.auths, "robust: odd stanzas neither crash the bridge nor break its stream",
           W.prosody.tail())
    await v.bye()


async def s_metrics():
    v = await visitor()
    v.say(W.help, "just browsing, thanks")
    await v.expect()
    v.send_raw("<message type='chat' to='help@bridge.localhost'>"
               "<gone xmlns='http://jabber.org/protocol/chatstates'/></message>")
    ok = await W.bridge.until_log(r"%s: conversation ended \(left\)" % re.escape(str(v.boundjid.bare)), 10)
    tap.ok(ok, "metrics: a visitor leaving (chat state gone) ends the conversation")
    rc, out, err = W.bridge.ctl("metrics")
    val = lambda k: float((re.search(r"^%s (\S+)$" % re.escape(k), out, re.M) or [0, "-1"])[1])
    tap.ok(rc == 0 and val("sentiroute_tickets_created_total") >= 12,
           "metrics: conversations counted (%s)" % val("sentiroute_tickets_created_total"), err)
    tap.ok(val('sentiroute_handoffs_total{method="helpdesk"}') >= 2 and
           val('sentiroute_handoffs_total{method="zendesk"}') >= 1 and
           val('sentiroute_handoffs_total{method="gorgias"}') >= 1,
           "metrics: handoffs per method", out)
    tap.ok(val("sentiroute_resolved_without_handoff_total") >= 2,
           "metrics: resolved without handoff (method none, a visitor who left)", out)
    tap.ok(re.search(r"metrics: conversations=\d+ handed_off=\d+ resolved_without_handoff=\d+ "
                     r"resolution_rate=[\d.]+%", W.bridge.log()) is not None,
           "metrics: the bridge logs the resolution rate")
    await v.bye()


async def s_client():
    d = os.path.join(D, "client")
    os.makedirs(d)
    os.chmod(d, 0o755)
    pw = xt.secret_file(os.path.join(d, "pw"), HELP_PW)
    b = xt.Bridge(d, """
log = {{ level = "info"; }};
xmpp = {{ mode = "client"; jid = "help@localhost"; port = {c2s}; tls = "disable";
  secret_file = "{pw}"; agents = ["agent2@localhost Ben"]; ask_on_first_line = true;
  authenticated_domains = ["localhost"]; }};
""".format(c2s=W.prosody.c2s, pw=pw))
    b.start()
    tap.ok(xt.alive(b.proc), "client: the bridge logs in as help@localhost", b.tail())
    a2 = await xt.login(W.prosody.c2s, "agent2@localhost", "agentpw")
    ok = await b.until_log(r"agent agent2@localhost/\S+: available", 15)
    v = await visitor()
    v.say("help@localhost", "hello there")
    m = await v.expect()
    tap.ok("connect you" in xt.body_of(m) and str(m["from"]).startswith("help@localhost"),
           "client: the first line is offered a person (no bot)", xt.body_of(m))
    v.say("help@localhost", "yes")
    await v.expect("email")
    v.say("help@localhost", "cara@example.org")
    m = await v.expect()
    intro = await a2.expect("new chat")
    tid = int(re.search(r"#(\d+)", xt.body_of(intro)).group(1)) if intro else 0
    tap.ok(ok and "Connecting you with Ben" in xt.body_of(m) and intro is not None,
           "client: the agent gets the chat", xt.body_of(m))
    a2.say("help@localhost", "Hi, Ben here.")   # his only chat: no #N needed
    m = await v.expect("Ben here")
    tap.ok(m is not None, "client: the agent's answer reaches the visitor")
    v.say("help@localhost", "great, thanks")
    m = await a2.expect("great, thanks")
    tap.ok(m is not None and ("#%d" % tid) in xt.body_of(m), "client: and back, marked #N",
           xt.body_of(m))
    rc = b.stop()
    tap.ok(rc == 0, "client: SIGTERM stops it cleanly", rc)
    await v.bye()
    await a2.bye()


async def start_bot():
    """the upstream bot: echoes "bot: TEXT"; asks for a person on "refund" """
    W.bot = await xt.login(W.prosody.c2s, "bot@localhost", "botpw")
    W.bot.seen = []

    def bot_answer(msg):
        if msg["type"] != "chat" or not msg["body"]:
            return
        W.bot.seen.append((str(msg["from"]), msg["body"], msg["thread"]))
        text = "I cannot do refunds here. [[handoff]]" if "refund" in msg["body"] \
            else "bot: " + msg["body"]
        r = W.bot.make_message(mto=msg["from"], mbody=text, mtype="chat")
        r["thread"] = msg["thread"]
        r.send()
    W.bot.add_event_handler("message", bot_answer)


def ticket_of(jid):
    """the id of the visitor's ticket"""
    rc, out, err = W.bridge.ctl("tickets", "--format", "json")
    ids = [t["id"] for t in json.loads(out or "[]") if t["requester"] == jid]
    if not ids:
        raise RuntimeError("no ticket for %s: %s" % (jid, err))
    return ids[-1]


async def main():
    p = W.prosody = xt.Prosody(D, secret=COMP_SECRET)
    for u, pw in (("agent1", "agentpw"), ("agent2", "agentpw"), ("alice", "alicepw"),
                  ("bot", "botpw"), ("help", HELP_PW)):
        p.register(u, pw)
    p.start()
    W.help = "help@bridge.localhost"
    W.secret = xt.secret_file(os.path.join(D, "component.secret"), COMP_SECRET)
    W.signing = xt.secret_file(os.path.join(D, "signing.secret"), SIGNING)
    W.zdtok = xt.secret_file(os.path.join(D, "zd.token"), ZD_TOKEN)
    W.ggkey = xt.secret_file(os.path.join(D, "gg.key"), GG_KEY)
    W.zd = xt.Fake("zendesk", ZD_TOKEN)
    W.gg = xt.Fake("gorgias", GG_KEY)
    W.whport = xt.free_port()
    W.t_helpdesk = W.t_alice = 0
    bd = os.path.join(D, "bridge")
    os.makedirs(bd)
    os.chmod(bd, 0o755)
    W.bridge = xt.Bridge(bd, "")
    W.bridge.write(config())
    W.bridge.start()
    W.bridge_ticket_of = ticket_of
    tap.ok(p.count("External component successfully authenticated") == 1,
           "start: the bridge is in as a component (libstrophe 0.12 primed)", p.tail())
    W.agent1 = await xt.login(p.c2s, "agent1@localhost", "agentpw")
    W.alice = await xt.login(p.c2s, "alice@localhost", "alicepw")
    await start_bot()
    ok = await W.bridge.until_log(r"agent agent1@localhost/\S+: available", 15)
    tap.ok(ok, "start: the bridge sees the agent's presence (by subscription)", W.bridge.tail())

    for name, fn in (("helpdesk", s_helpdesk), ("languages", s_languages), ("rule", s_rule),
                     ("no agent", s_no_agent),
                     ("restart", s_restart), ("reload", s_reload), ("zendesk", s_zendesk),
                     ("gorgias", s_gorgias), ("none", s_none), ("bot", s_bot)):
        start = tap.n
        try:
            await asyncio.wait_for(fn(), 150)
        except Exception as e:
            print("# scenario %s died: %r" % (name, e))
            for line in W.bridge.tail(15).splitlines():
                print("#   " + line)
        print("# %s: %d checks, %.1fs" % (name, tap.n - start, time.time() - T0), flush=True)
    W.auths = p.count("External component successfully authenticated")
    for name, fn in (("robust", s_robust), ("metrics", s_metrics), ("client", s_client)):
        start = tap.n
        try:
            await asyncio.wait_for(fn(), 150)
        except Exception as e:
            print("# scenario %s died: %r" % (name, e))
        print("# %s: %d checks, %.1fs" % (name, tap.n - start, time.time() - T0), flush=True)

    # every relayed message was confirmed by Prosody's handling of the ping
    # sent after it (XEP-0114 has no stream management): none left leased
    def chat_jobs():
        rc, out, err = W.bridge.ctl("outbox", "list", "--format", "json")
        return [(j["id"], j["state"]) for j in json.loads(out or "[]")
                if j.get("kind") == "deliver" and j.get("target") == "chat"]
    ok = await xt.until(lambda: chat_jobs() and all(s == "done" for _, s in chat_jobs()), 10)
    tap.ok(ok and "not marked done" not in W.bridge.log() and
           "did not answer ping" not in W.bridge.log(),
           "stop: the relayed messages are confirmed by the server's answer to a ping in time "
           "(%d done)"
           % len(chat_jobs()), [j for j in chat_jobs() if j[1] != "done"])

    # stop: SIGTERM, and no secret anywhere in the logs
    gone = p.count(r"component disconnected")
    t0 = time.time()
    rc = W.bridge.stop()
    tap.ok(rc == 0 and time.time() - t0 < 5, "stop: SIGTERM exits 0 promptly (%.2fs)" % (time.time() - t0),
           W.bridge.tail())
    tap.ok(await xt.until(lambda: p.count(r"component disconnected") > gone, 5),
           "stop: Prosody sees the component leave", p.tail())
    logs = W.bridge.log() + open(os.path.join(D, "client", "bridge.log")).read() \
        if os.path.exists(os.path.join(D, "client", "bridge.log")) else W.bridge.log()
    leaked = [s for s in (COMP_SECRET, SIGNING, ZD_TOKEN, GG_KEY, HELP_PW) if s in logs]
    tap.ok(not leaked, "stop: no secret in the bridge's logs", leaked)
    p.stop()


T0 = time.time()
try:
    asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 900))
except Exception as e:
    print("# died: %r" % (e,))
    try:
        for line in W.bridge.tail(30).splitlines():
            print("# bridge: " + line)
    except Exception:
        pass
print("# total %.1fs" % (time.time() - T0))
tap.done()
