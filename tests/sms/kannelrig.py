#!/usr/bin/python3
"""kannelrig - real Kannel (bearerbox + smsbox), a fake phone and
sentiroute-sms on 127.0.0.1, for tests/sms/test_kannel.py and
tests/bench/bench_sms.py (stdlib only).

Every server is a child of the test, on ports from bind(port 0), stopped by
PID; readiness is checked on the right process (smsbox "online" on the
bearerbox status page, the shim's HTTP port).  A missing binary raises.
"""
import json, os, pwd, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get("top_srcdir", os.path.abspath(os.path.join(HERE, "..", "..")))
TOP_BUILD = os.environ.get("top_builddir", TOP_SRC)
SHIM = os.path.join(TOP_BUILD, "plugins", "sms", "sentiroute-sms")
CTL = os.path.join(TOP_BUILD, "tools", "sentiroutectl")
SECRET = "kannel-shared-secret-4711"


def find_tool(name, extra=()):
    for d in list(extra) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if p is None:
        raise RuntimeError(f"{name} not found: apt-get install kannel (contrib/debian-packages.txt)")
    return p


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def wait_port(port, timeout, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.03)
    return False


def gone(proc, timeout=10):
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Phone:
    """A long-lived fake-SMSC client: sends MO lines, collects MT lines."""

    def __init__(self, port):
        self.port = port
        self.lines = []
        self.parts = {}
        self.cv = threading.Condition()
        self.sock = None
        self.stop = False
        self.connect()

    def connect(self):
        end = time.monotonic() + 15
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(None)
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        buf = b""
        while not self.stop:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    mt = self._join(line)
                except Exception as e:  # never let a strange line stop the reader
                    print(f"# phone: cannot decode {line[:200]!r}: {e}", file=sys.stderr)
                    mt = ("", "", line.decode("utf-8", "replace"))
                if mt is None:
                    continue
                with self.cv:
                    self.lines.append((time.monotonic(), mt))
                    self.cv.notify_all()

    def _join(self, line):
        """one MT, or None while parts of a concatenated SMS are missing"""
        # "<from> <to> udh <udh> data <payload>", both url-encoded
        parts = line.split(b" ", 5)
        if len(parts) < 6 or parts[2] != b"udh":
            return decode_mt(line)
        udh = urllib.parse.unquote_to_bytes(parts[3].decode("ascii", "replace"))
        raw = urllib.parse.unquote_to_bytes(parts[5].decode("ascii", "replace").replace("+", " "))
        if len(udh) < 6 or udh[1] != 0 or udh[2] != 3:
            return decode_mt(line)
        ref, total, seq = udh[3], udh[4], udh[5]
        key = (parts[1], ref, total)
        self.parts.setdefault(key, {})[seq] = raw
        if len(self.parts[key]) < total:
            return None
        got = self.parts.pop(key)
        data = b"".join(got.get(i, b"") for i in range(1, total + 1))
        return (parts[0].decode(), parts[1].decode(), guess_text(data))

    def send(self, sender, text=None, ucs2=None, receiver="4000", ucs2_raw=None):
        """text: a UTF-8 'text' line; ucs2: text sent as UTF-16BE; ucs2_raw:
        bytes sent as they are in a UCS-2 message (broken UTF-16)"""
        if ucs2 is not None or ucs2_raw is not None:
            raw = ucs2_raw if ucs2_raw is not None else ucs2.encode("utf-16-be")
            payload = urllib.parse.quote_from_bytes(raw)
            line = f"{sender} {receiver} ucs2 {payload}\n"
        else:
            line = f"{sender} {receiver} text {text}\n"
        self.sock.sendall(line.encode("utf-8"))
        return time.monotonic()

    def count(self):
        with self.cv:
            return len(self.lines)

    def wait(self, n, timeout):
        """wait until at least n MT lines arrived; returns them all"""
        end = time.monotonic() + timeout
        with self.cv:
            while len(self.lines) < n and time.monotonic() < end:
                self.cv.wait(max(0.01, end - time.monotonic()))
            return list(self.lines)

    def close(self):
        self.stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def guess_text(raw):
    """the text of 'udh ... data' parts: Kannel's fake SMSC does not say
    whether they are UCS-2, so look at the high bytes of the 16-bit units"""
    hi = raw[0::2]
    if len(raw) % 2 == 0 and hi and sum(1 for b in hi if b < 0x20 or 0xd8 <= b <= 0xdf) >= 0.8 * len(hi):
        return raw.decode("utf-16-be", "replace")
    return raw.decode("utf-8", "replace")


def decode_mt(line):
    """(sender, receiver, text) of a Kannel->phone line; ucs-2 decoded"""
    parts = line.split(b" ", 3)
    if len(parts) < 4:
        return ("", "", line.decode("utf-8", "replace"))
    snd, rcv, typ, payload = parts[0].decode(), parts[1].decode(), parts[2], parts[3]
    if typ in (b"ucs-2", b"data"):
        raw = urllib.parse.unquote_to_bytes(payload.decode("ascii", "replace").replace("+", " "))
        text = raw.decode("utf-16-be" if typ == b"ucs-2" else "utf-8", "replace")
    else:
        text = payload.decode("utf-8", "replace")
    return (snd, rcv, text)


class Kannel:
    """bearerbox + smsbox with tests/sms/kannel.conf.in"""

    def __init__(self, workdir, default_url, retries=10, log_level=1):
        self.dir = workdir
        (self.admin, self.box, self.fake, self.sendsms) = free_ports(4)
        self.bearerbox = find_tool("bearerbox")
        self.smsbox_bin = find_tool("smsbox")
        with open(os.path.join(HERE, "kannel.conf.in")) as f:
            conf = f.read()
        for k, v in {"@DIR@": workdir, "@ADMIN_PORT@": self.admin, "@BOX_PORT@": self.box,
                     "@FAKESMSC_PORT@": self.fake, "@SENDSMS_PORT@": self.sendsms,
                     "@RETRIES@": retries, "@LOG_LEVEL@": log_level,
                     "@DEFAULT_URL@": default_url}.items():
            conf = conf.replace(k, str(v))
        self.conf_text = conf
        self.conf = os.path.join(workdir, "kannel.conf")
        self.bb = self.sb = None

    def set_shim(self, port):
        text = self.conf_text.replace("@SHIM_PORT@", str(port)).replace("@SECRET@", SECRET)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        self.bb = subprocess.Popen([self.bearerbox, self.conf], stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(self.dir, "bearerbox.out"), "w"))
        if not wait_port(self.box, 30, self.bb):
            raise RuntimeError("bearerbox did not start (see bearerbox.out)")
        self.start_smsbox()

    def start_smsbox(self):
        self.sb = subprocess.Popen([self.smsbox_bin, self.conf], stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(self.dir, "smsbox.out"), "a"))
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.sb.poll() is not None or self.bb.poll() is not None:
                raise RuntimeError("smsbox or bearerbox exited (see *.out)")
            st = self.status()
            if any(l.strip().startswith("smsbox:") and "on-line" in l for l in st.splitlines()) \
                    and wait_port(self.sendsms, 0.2, self.sb):
                return
            time.sleep(0.05)
        raise RuntimeError("smsbox did not come on-line")

    def stop_smsbox(self):
        if self.sb and self.sb.poll() is None:
            self.sb.terminate()
            gone(self.sb)

    def status(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/status.txt?password=statuspw",
                                        timeout=2) as r:
                return r.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        for p in (self.bb,):
            if p and p.poll() is None:
                p.terminate()
        for p in (self.bb, self.sb):
            if p:
                gone(p, 15)


class Shim:
    """sentiroute-sms on a private store"""

    def __init__(self, workdir, extra_conf="", port=None):
        self.dir = workdir
        self.port = port or free_ports(1)[0]
        self.store = os.path.join(workdir, "store")
        os.makedirs(self.store, exist_ok=True)
        self.root = os.geteuid() == 0
        self.user = "nobody" if self.root else None
        self.secret_file = self.secret(SECRET, "kannel.secret")
        self.extra_conf = extra_conf
        self.proc = None
        self.log = os.path.join(workdir, "shim.log")
        if self.root:
            pw = pwd.getpwnam(self.user)
            os.chmod(workdir, 0o755)
            os.chown(self.store, pw.pw_uid, pw.pw_gid)
        self.write_conf()

    def secret(self, value, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        if self.root:
            pw = pwd.getpwnam(self.user)
            os.chown(path, pw.pw_uid, pw.pw_gid)
        return path

    def write_conf(self, extra=None):
        if extra is not None:
            self.extra_conf = extra
        self.conf = os.path.join(self.dir, "sentiroute.conf")
        with open(self.conf, "w") as f:
            f.write(f"""
log = {{ level = "info"; }};
store = {{ path = "{self.store}"; instance = "testhost"; }};
handoff = {{ backoff_base = 0.3; backoff_max = 2; }};
sms = {{
  listen = "127.0.0.1:{self.port}";
  secret_file = "{self.secret_file}";
  deliver_poll_ms = 100;
  sendsms_username = "tester";
  sendsms_password_file = "{self.secret("testpw", "sendsms.password")}";
  {self.extra_conf}
}};
""")

    def start(self, timeout=20):
        cmd = [SHIM, "-c", self.conf, "-f"]
        if self.user:
            cmd += ["-u", self.user]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.log, "a"))
        if not wait_port(self.port, timeout, self.proc):
            raise RuntimeError(f"sentiroute-sms did not start: {self.tail()}")

    def tail(self, n=20):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
        if self.proc:
            gone(self.proc, 20)
        return self.proc.returncode if self.proc else None

    def ctl(self, *args, stdin=None):
        r = subprocess.run([CTL, "-c", self.conf] + list(args), input=stdin,
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"sentiroutectl {' '.join(args)}: {r.stderr}")
        return r.stdout

    def tickets(self):
        return json.loads(self.ctl("tickets", "--format", "json"))

    def transcript(self, ticket):
        return json.loads(self.ctl("ticket", "show", str(ticket), "--format", "json"))
