"""hook.py - a webhook receiver for the milter's integration test.

usage: hook.py PORT DIR
Answers every POST with 200 and {"id": "hN"} and writes the request's
X-Sentiroute-Event header and body to DIR/N.json.  Standard library only.
"""
import http.server
import json
import os
import sys

DIR = sys.argv[2]
COUNT = [0]


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        COUNT[0] += 1
        with open(os.path.join(DIR, "%d.json" % COUNT[0]), "wb") as fp:
            fp.write(body)
        with open(os.path.join(DIR, "%d.event" % COUNT[0]), "w") as fp:
            fp.write(self.headers.get("X-Sentiroute-Event", "-"))
        out = json.dumps({"id": "h%d" % COUNT[0]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


os.makedirs(DIR, exist_ok=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
