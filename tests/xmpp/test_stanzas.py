#!/usr/bin/python3
"""test_stanzas - what no real server would send, sent to the bridge by a
fake XEP-0114 server: deep nesting, a megabyte of body, invalid UTF-8,
broken XML, unknown elements, stanzas without from or to, and XML-hostile
text that the bridge must escape in its answers.  The bridge must never
crash: a stream it cannot parse is dropped and connected again (with
backoff), everything else is handled or ignored, and every byte it sends
back is well-formed XML.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpptest as xt  # noqa: E402

tap = xt.Tap(15)
D = xt.tmpdir()
SECRET = "fake-s3cret"
DOMAIN = "bridge.test"


srv = xt.FakeServer(DOMAIN, SECRET)
sec = xt.secret_file(os.path.join(D, "secret"), SECRET)
b = xt.Bridge(D, """
xmpp = {{ domain = "{dom}"; port = {port}; secret_file = "{sec}"; max_body_bytes = 4096;
  ask_on_first_line = true; reconnect_min = 0.1; reconnect_max = 1; rate = 100.0; burst = 100; }};
""".format(dom=DOMAIN, port=srv.port, sec=sec))
b.start(wait_connect=False)
c = srv.next()
tap.ok(c is not None and b.wait_log(r"connected to", 10), "the bridge connects to the fake server",
       b.tail())


def answer(conn, pattern=rb"</message>", timeout=10):
    n = len(conn.data)
    ok = conn.read_until(pattern, timeout, n)
    return ok, conn.data[n:]


def ticket_texts(jid):
    rc, out, err = b.ctl("tickets", "--format", "json")
    import json
    ids = [t["id"] for t in json.loads(out or "[]") if t["requester"] == jid]
    if not ids:
        return []
    return [m["text"] for m in b.ticket(ids[-1])["transcript"]]


c.msg("hello there")
ok, got = answer(c)
tap.ok(ok and b"connect you" in got, "a well-formed line is answered (the fake works)", got[-300:])

c.msg("&lt;![CDATA[x]]&gt; &lt;evil/&gt; &amp;amp; ]]&gt; &quot;'", frm="v2@anon.test/r")
ok, got = answer(c)
tap.ok(ok and c.wellformed, "answers to XML-hostile text are well-formed XML", c.error)
texts = ticket_texts("v2@anon.test")
tap.ok(texts and texts[0] == "<![CDATA[x]]> <evil/> &amp; ]]> \"'",
       "the hostile text is stored as the visitor wrote it", texts)

deep = "<a>" * 50000 + "</a>" * 50000
c.send("<message type='chat' from='v3@anon.test/r' to='help@%s'><body>deep</body>%s</message>"
       % (DOMAIN, deep))
ok, got = answer(c)
tap.ok(ok and xt.alive(b.proc), "50,000 nested elements: handled, no crash", b.tail())

c.msg("x" * (1 << 20), frm="v4@anon.test/r")
ok, got = answer(c, timeout=20)
texts = ticket_texts("v4@anon.test")
tap.ok(ok and texts and len(texts[0]) == 4096, "a 1 MB body is kept to max_body_bytes",
       [len(t) for t in texts])

c.send("<foo xmlns='x:y'><bar/></foo>")
c.send("<message type='chat' to='help@%s'><body>no from</body></message>" % DOMAIN)
c.send("<message type='chat' from='v5@anon.test/r'><body>no to</body></message>")
c.send("<message type='chat' from='v5@anon.test/r' to='help@elsewhere.test'><body>x</body></message>")
c.send("<message type='error' from='v5@anon.test/r' to='help@%s'><body>err</body></message>" % DOMAIN)
c.send("<iq type='get' from='v5@anon.test/r' to='%s' id='i1'><query xmlns='jabber:iq:version'/></iq>"
       % DOMAIN)
ok, got = answer(c, rb"</iq>")
tap.ok(ok and b"sentiroute-xmpp" in got and b"<message" not in got,
       "unknown elements and stanzas without from/to or for others are ignored; iq answered", got)
c.send("<message type='chat' from='v5@anon.test/r' to='help@%s'>"
       "<gone xmlns='http://jabber.org/protocol/chatstates'/></message>" % DOMAIN)
c.send("<presence from='v5@anon.test/r' to='help@%s' type='unavailable'/>" % DOMAIN)
c.send("<presence from='v5@anon.test/r' to='help@%s' type='subscribe'/>" % DOMAIN)
ok, got = answer(c, rb"type=.subscribed.")
tap.ok(ok and c.wellformed and xt.alive(b.proc), "chat states and presence of strangers: handled",
       got)

# invalid UTF-8: the parser gives up on the stream; the bridge connects again
c.send(b"<message type='chat' from='v6@anon.test/r' to='help@" + DOMAIN.encode() +
       b"'><body>\xff\xfe bad</body></message>")
c2 = srv.next()
tap.ok(c2 is not None and xt.alive(b.proc), "invalid UTF-8: the stream is dropped and reconnected",
       b.tail())
c2 = c2 or c
c2.msg("still here?", frm="v7@anon.test/r")
ok, got = answer(c2)
tap.ok(ok and b"connect you" in got, "after the reconnect the bridge answers again", got)

c2.send("<message type='chat' from='v8@anon.test/r' to='help@%s'><body>x</mess>" % DOMAIN)
c3 = srv.next()
tap.ok(c3 is not None and xt.alive(b.proc), "broken XML: dropped and reconnected, no crash",
       b.tail())

# the server vanishes mid-stanza, then comes back: backoff, then in again
c3 = c3 or c2
c3.send("<message type='chat' from='v9@anon.test/r' to='help@%s'><bo" % DOMAIN)
c3.sock.close()
c4 = srv.next()
tap.ok(c4 is not None and xt.alive(b.proc), "a connection cut mid-stanza: connected again", b.tail())
n = b.log().count("retrying in")
tap.ok(n >= 3 and re.search(r"retrying in 0\.[1-9]s", b.log()) is not None,
       "each loss is logged with the reconnect delay (%d)" % n, b.tail())

# a server that accepts the component and drops it at once, again and
# again: the delays grow to reconnect_max, not reconnect_min each time
cn = c4
for i in range(4):
    if cn is None:
        break
    cn.sock.close()
    cn = srv.next()
delays = [float(x) for x in re.findall(r"retrying in ([0-9.]+)s", b.log())]
tap.ok(cn is not None and len(delays) >= 7 and delays[-3:] == sorted(delays[-3:]) and
       delays[-1] == 1.0, "a server that drops each connection at once: the delays grow to "
       "reconnect_max (%s)" % delays[-4:], b.tail())

rc = b.stop()
tap.ok(rc == 0 and all(x.wellformed for x in (c, c2, c3, c4, cn) if x),
       "SIGTERM: clean exit; everything the bridge sent was well-formed XML",
       [x.error for x in (c, c2, c3, c4, cn) if x and x.error])
tap.done()
