"""xmpptest - a private Prosody, the bridge and XMPP clients for the
sentiroute-xmpp integration tests (TAP; run with /usr/bin/python3, which
has Debian's python3-slixmpp).

Every server is a child of the test, on 127.0.0.1 ports found by binding
port 0, stopped by PID at exit; every wait is bounded.  A missing tool
(prosody, prosodyctl, slixmpp) fails the test, it never skips it.
"""
import asyncio
import atexit
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.parsers.expat

logging.basicConfig(level=logging.CRITICAL)   # before slixmpp: it warns at import
import slixmpp  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher import MatchXPath  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get("top_srcdir") or os.path.join(HERE, "..", "..")
TOP_BUILD = os.environ.get("top_builddir") or TOP_SRC
BRIDGE = os.path.join(TOP_BUILD, "plugins", "xmpp", "sentiroute-xmpp")
CTL = os.environ.get("SENTIROUTECTL") or os.path.join(TOP_BUILD, "tools", "sentiroutectl")
SHARED = os.environ.get("SHARED_DIR") or os.path.join(TOP_SRC, "..", "shared")
# the store's test helpers: the process list killed at exit, TAP, the
# strict Zendesk/Gorgias stand-ins (tests/handoff/fakehelpdesk.py)
sys.path.insert(0, os.path.join(TOP_SRC, "tests", "handoff"))
import srtest  # noqa: E402

PROCS = srtest.PROCS
Fake = srtest.Fake
wait_for = srtest.wait_until


class Tap(srtest.Tap):
    """srtest's TAP; a scenario that died early fails its remaining checks"""

    def __init__(self, plan):
        super().__init__(plan)
        self.plan = plan

    def done(self):
        while self.n < self.plan:
            self.ok(False, "not reached")
        super().done()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tmpdir():
    d = tempfile.mkdtemp(prefix="srxtest.")
    os.chmod(d, 0o755)
    atexit.register(shutil.rmtree, d, True)
    return d


def secret_file(path, value, owner="nobody"):
    """a secret the bridge reads: 0600, owned by the user it runs as (it
    reads them again on SIGHUP, after dropping privileges)"""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (value + "\n").encode())
    os.close(fd)
    shutil.chown(path, owner)
    return path


def need_tool(name):
    path = shutil.which(name) or (name if os.path.exists(name) else None)
    if path is None:
        raise RuntimeError("%s is not installed (contrib/setup-debian.sh installs it)" % name)
    return path




async def until(pred, timeout, step=0.05):
    """wait_for for the asyncio scenarios: the clients keep running"""
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        await asyncio.sleep(step)
    return pred()


def alive(p):
    return p is not None and p.poll() is None


def wait_port(port, timeout=20):
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False
    return wait_for(up, timeout)


class Prosody:
    """a private Prosody with c2s, an anonymous host and our component"""

    def __init__(self, d, domain="bridge.localhost", secret="s3cret-comp", extra_components=()):
        need_tool("prosody")
        need_tool("prosodyctl")
        self.dir = os.path.join(d, "prosody")
        self.c2s = free_port()
        self.comp = free_port()
        self.domain = domain
        self.secret = secret
        self.proc = None
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        os.makedirs(os.path.join(self.dir, "certs"), exist_ok=True)
        with open(os.path.join(HERE, "prosody.cfg.lua.in")) as f:
            cfg = f.read()
        for k, v in (("@PEERDIR@", self.dir), ("@C2S_PORT@", str(self.c2s)),
                     ("@COMPONENT_PORT@", str(self.comp)), ("@COMPONENT_SECRET@", secret),
                     ("@COMPONENT@", domain)):
            cfg = cfg.replace(k, v)
        for dom, sec in extra_components:   # e.g. the benchmark's echo component
            cfg += '\nComponent "%s"\n    component_secret = "%s"\n' % (dom, sec)
        self.cfg = os.path.join(self.dir, "prosody.cfg.lua")
        with open(self.cfg, "w") as f:
            f.write(cfg)
        self.log = os.path.join(self.dir, "prosody.log")

    def register(self, user, password, host="localhost"):
        r = subprocess.run(["prosodyctl", "--config", self.cfg, "register", user, host, password],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("prosodyctl register %s: %s" % (user, r.stderr))

    def start(self):
        self.out = open(os.path.join(self.dir, "stdout.log"), "a")
        self.proc = subprocess.Popen(["prosody", "-F", "--config", self.cfg], stdout=self.out,
                                     stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        if not (wait_port(self.c2s) and wait_port(self.comp) and alive(self.proc)):
            raise RuntimeError("prosody did not start: " + self.tail())

    def stop(self):
        if alive(self.proc):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def tail(self, n=30):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def count(self, pattern):
        try:
            with open(self.log) as f:
                return len(re.findall(pattern, f.read()))
        except OSError:
            return 0


class Bridge:
    """sentiroute-xmpp under test, with its own config and store"""

    def __init__(self, d, body, name="sentiroute.conf"):
        self.dir = d
        self.store = os.path.join(d, "store")
        os.makedirs(self.store, exist_ok=True)
        shutil.chown(self.store, "nobody")
        self.conf = os.path.join(d, name)
        self.logpath = os.path.join(d, "bridge.log")
        self.proc = None
        self.write(body)

    def write(self, body):
        with open(self.conf, "w") as f:
            f.write('store = { path = "%s"; sync = false; instance = "xt"; };\n' % self.store)
            f.write(body)

    def start(self, *extra, wait_connect=True):
        before = len(re.findall(r"connected to .* \((component|client)\)", self.log()))
        self.logf = open(self.logpath, "a")
        self.proc = subprocess.Popen([BRIDGE, "-c", self.conf, "-u", "nobody"] + list(extra),
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        if wait_connect and not self.wait_log(r"connected to .* \((component|client)\)", 20,
                                              count=before + 1):
            raise RuntimeError("bridge did not connect (exit %s): %s" % (self.proc.poll(), self.tail()))
        return self

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def tail(self, n=30):
        return "\n".join(self.log().splitlines()[-n:])

    def wait_log(self, pattern, timeout=10, count=1):
        return wait_for(lambda: len(re.findall(pattern, self.log())) >= count or not alive(self.proc),
                        timeout) and len(re.findall(pattern, self.log())) >= count

    async def until_log(self, pattern, timeout=10, count=1):
        """wait_log without stopping the clients' event loop"""
        await until(lambda: len(re.findall(pattern, self.log())) >= count or not alive(self.proc),
                    timeout)
        return len(re.findall(pattern, self.log())) >= count

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        if alive(self.proc):
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                return None
        return self.proc.returncode if self.proc else None

    def ctl(self, *args, timeout=60):
        r = subprocess.run([CTL, "-c", self.conf, "--store", self.store] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    def ticket(self, tid):
        rc, out, err = self.ctl("ticket", "show", str(tid), "--format", "json")
        if rc != 0:
            raise RuntimeError("ticket %s: %s" % (tid, err))
        return json.loads(out)


CHATSTATES = "http://jabber.org/protocol/chatstates"


def prosody_bridge(d):
    """a real Prosody and the bridge as its component, which asks visitors
    on their first line and reconnects fast; (prosody, bridge, support JID)"""
    p = Prosody(d)
    p.start()
    sec = secret_file(os.path.join(d, "secret"), p.secret)
    b = Bridge(d, """
xmpp = {{ domain = "{dom}"; port = {port}; secret_file = "{sec}";
  ask_on_first_line = true; reconnect_min = 0.2; reconnect_max = 1; }};
""".format(dom=p.domain, port=p.comp, sec=sec))
    b.start()
    return p, b, "help@" + p.domain


class Client(slixmpp.ClientXMPP):
    """an XMPP user (visitor, agent, bot) whose incoming messages queue up;
    standalone chat states (XEP-0085, no body), which slixmpp's "message"
    event never sees, collect in order in .states"""

    def __init__(self, jid, password=""):
        super().__init__(jid, password)
        self.inbox = asyncio.Queue()
        self.ready = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self._start)
        self.add_event_handler("message", self._msg)
        self.add_event_handler("message_error", self._msg)
        self.add_event_handler("failed_all_auth", self._fail)
        self.add_event_handler("connection_failed", self._fail)
        self.presence_show = None
        self.states = []
        for st in ("active", "composing", "paused", "inactive", "gone"):
            self.register_handler(Callback("chat state " + st, MatchXPath(
                "{jabber:client}message/{%s}%s" % (CHATSTATES, st)), self._state))

    async def _start(self, _):
        if self.presence_show is not None:
            self.send_presence(pshow=self.presence_show)
        else:
            self.send_presence()
        await self.get_roster()
        if not self.ready.done():
            self.ready.set_result(True)

    def _msg(self, msg):
        if msg["type"] in ("chat", "normal", "error"):
            self.inbox.put_nowait(msg)

    def _state(self, msg):
        if not msg["body"]:
            self.states.append(msg)

    def _fail(self, *a):
        if not self.ready.done():
            self.ready.set_exception(RuntimeError("login failed for %s: %r" % (self.boundjid, a)))

    async def login(self, port, timeout=15):
        self.connect(("127.0.0.1", port), force_starttls=False, disable_starttls=True)
        await asyncio.wait_for(self.ready, timeout)
        return self

    def say(self, to, body, **kw):
        m = self.make_message(mto=to, mbody=body, mtype="chat")
        for k, v in kw.items():
            m[k] = v
        m.send()

    async def expect(self, pattern=None, timeout=10, frm=None):
        """the next message whose body matches pattern (others are kept
        aside and returned to the queue); None on timeout"""
        end = time.time() + timeout
        aside, found = [], None
        while found is None:
            left = end - time.time()
            if left <= 0:
                break
            try:
                m = await asyncio.wait_for(self.inbox.get(), left)
            except asyncio.TimeoutError:
                break
            body = m["body"] or ""
            if (pattern is None or re.search(pattern, body, re.S)) and \
               (frm is None or str(m["from"]).startswith(frm)):
                found = m
            else:
                aside.append(m)
        for m in aside:
            self.inbox.put_nowait(m)
        return found

    def drain(self):
        out = []
        while not self.inbox.empty():
            out.append(self.inbox.get_nowait())
        return out

    async def quiet(self, seconds):
        """messages that arrive within seconds"""
        await asyncio.sleep(seconds)
        return self.drain()

    async def bye(self):
        self.disconnect()
        try:
            await asyncio.wait_for(self.disconnected, 5)
        except Exception:
            pass


async def login(port, jid, password=""):
    return await Client(jid, password).login(port)


def body_of(m):
    return (m["body"] if m is not None else None) or ""


class FakeConn:
    """one accepted component connection of a FakeServer: handshake, then
    raw stanzas; every byte the bridge sends is checked for well-formedness"""

    def __init__(self, sock, domain, secret):
        self.domain = domain
        self.secret = secret
        self.sock = sock
        self.sock.settimeout(10)
        self.data = b""
        self.parser = xml.parsers.expat.ParserCreate()
        self.wellformed = True
        self.error = None
        self.closed = False

    def read_until(self, pattern, timeout=10, start=0):
        end = time.time() + timeout
        while not re.search(pattern, self.data[start:]) and time.time() < end:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except OSError:
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            self.feed(chunk)
        return re.search(pattern, self.data[start:]) is not None

    def feed(self, chunk):
        self.data += chunk
        try:
            self.parser.Parse(chunk, False)
        except xml.parsers.expat.ExpatError as e:
            self.wellformed = False
            self.error = "%s in %r" % (e, self.data[-300:])

    def handshake(self):
        if not self.read_until(rb"<stream:stream[^>]*>"):
            return False
        sid = "fake1234"
        self.send("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/"
                  "streams' xmlns='jabber:component:accept' from='%s' id='%s'>"
                  % (self.domain, sid))
        if not self.read_until(rb"</handshake>"):
            return False
        want = hashlib.sha1((sid + self.secret).encode()).hexdigest()
        got = re.search(rb"<handshake[^>]*>([0-9a-f]+)</handshake>", self.data)
        if not got or got.group(1).decode() != want:
            return False
        self.send("<handshake/>")
        return True

    def send(self, s):
        if isinstance(s, str):
            s = s.encode()
        self.sock.sendall(s)

    def serve(self, seconds, close_on=None, condition="policy-violation"):
        """answer the bridge's pings for seconds, in stream order; when a
        stanza matching close_on (bytes regex) arrives, end the stream with
        a stream error there (as a server refusing that stanza does: what
        follows it is not read) and close; True then"""
        end = time.time() + seconds
        while time.time() < end and not self.closed:
            done = getattr(self, "answered", 0)
            self.read_until(PING, max(0.05, min(0.3, end - time.time())), done)
            bad = re.search(close_on, self.data[done:]) if close_on is not None else None
            stop = done + bad.start() if bad else len(self.data)
            for m in re.finditer(PING, self.data[done:stop]):
                pid = re.search(rb"id=['\"]([^'\"]+)", m.group(0)).group(1).decode()
                self.send("<iq type='result' id='%s' from='%s' to='%s'/>"
                          % (pid, self.domain, self.domain))
                self.answered = done + m.end()
            if bad:
                self.send("<stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                          "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>refused</text>"
                          "</stream:error></stream:stream>" % condition)
                self.sock.close()
                self.closed = True
                return True
        return False

    def msg(self, body, frm="v1@anon.test/web", extra=""):
        self.send("<message type='chat' from='%s' to='help@%s'%s><body>%s</body></message>"
                  % (frm, self.domain, extra, body))


class FakeServer:
    """a fake XEP-0114 server on a free loopback port: what no real server
    would send, or a link that drops at a chosen moment"""

    def __init__(self, domain, secret):
        self.domain = domain
        self.secret = secret
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.conns = queue.Queue()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                s, _ = self.ls.accept()
            except OSError:
                return
            self.conns.put(FakeConn(s, self.domain, self.secret))

    def next(self, timeout=15):
        try:
            c = self.conns.get(timeout=timeout)
        except queue.Empty:
            return None
        return c if c.handshake() else None


# an XEP-0199 ping the bridge sent (self-closed or not)
PING = rb"<iq [^>]*>\s*<ping xmlns=.urn:xmpp:ping./>\s*</iq>|<iq [^>]*>\s*<ping xmlns=.urn:xmpp:ping.>"


def ping_of(conn, start):
    """the (id, to) of the first ping the bridge sent after offset start"""
    m = re.search(PING, conn.data[start:])
    if m is None:
        return None
    iq = m.group(0)
    pid = re.search(rb"id=['\"]([^'\"]+)", iq)
    to = re.search(rb"to=['\"]([^'\"]+)", iq)
    return (pid.group(1).decode() if pid else None, to.group(1).decode() if to else None)


def job_states(b):
    """the states of the bridge's relay (deliver) jobs, oldest first"""
    rc, out, err = b.ctl("outbox", "list", "--format", "json")
    return [j["state"] for j in json.loads(out or "[]") if j.get("kind") == "deliver"]


def fake_bridge(tap, d, domain, secret, settings, sections=""):
    """a bridge connected to a FakeServer: (srv, bridge, first link); the
    xmpp section gets settings besides domain, port and secret file, and
    sections (other sections: "handoff = { ... };") follow it.  The
    first check of the plan is that it connects; the test ends if not."""
    srv = FakeServer(domain, secret)
    sec = secret_file(os.path.join(d, "secret"), secret)
    b = Bridge(d, 'xmpp = { domain = "%s"; port = %d; secret_file = "%s"; %s };\n%s'
               % (domain, srv.port, sec, settings, sections))
    b.start(wait_connect=False)
    c1 = srv.next()
    tap.ok(c1 is not None and b.wait_log(r"connected to", 10),
           "the bridge connects to the fake server", b.tail())
    if c1 is None:
        b.stop()
        tap.done()
        sys.exit(1)
    return srv, b, c1


def agent_reply(b, requester, text, author="anna"):
    """an agent's answer to requester's latest ticket, written with
    sentiroutectl ticket reply (the CompletedProcess)"""
    rc, out, err = b.ctl("tickets", "--format", "json")
    tid = [t["id"] for t in json.loads(out or "[]") if t["requester"] == requester][-1]
    return subprocess.run([CTL, "-c", b.conf, "--store", b.store, "ticket", "reply", str(tid),
                           "--author", author], input=text, capture_output=True, text=True,
                          timeout=60)
