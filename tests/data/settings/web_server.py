#!/usr/bin/env python3
"""Test web server for `mailspec settings` Autodiscover and ISPDB tests: HTTPS on ADDR:443 (CERT,
KEY) and plain HTTP on ADDR:80, both answering GET and POST from files under ROOT by Host:
ROOT/HOST/PATH (the query is ignored; a path under autodiscover.json/ maps to
ROOT/HOST/autodiscover/autodiscover.json). A file PATH.redirect answers 302 with its content as
Location; plain HTTP serves ROOT/http/HOST/PATH. Every request is logged to LOG as
"METHOD HOST PATH auth=yes|no" (whether an Authorization header came: it never should).
Loopback only; stops on SIGTERM.

usage: web_server.py ADDR ROOT CERT KEY LOG
"""
import http.server
import ipaddress
import os
import signal
import ssl
import sys
import threading

addr, root, cert, key, log = sys.argv[1:6]
if not ipaddress.ip_address(addr).is_loopback:
    sys.exit("web_server.py: loopback addresses only")
lock = threading.Lock()


def handler(base):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 16)) if length else b""
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            path = self.path.split("?", 1)[0]
            with lock, open(log, "a") as f:
                f.write("%s %s %s auth=%s body=%d\n" % (method, host, self.path, "yes" if "Authorization" in self.headers else "no", len(body)))
            if "/autodiscover.json/" in path:
                path = "/autodiscover/autodiscover.json"
            target = os.path.normpath(os.path.join(base, host, path.lstrip("/")))
            if not target.startswith(os.path.abspath(base)):
                return self.send(404, b"", "text/plain")
            if os.path.isfile(target + ".redirect"):
                return self.send(302, b"", "text/plain", open(target + ".redirect").read().strip())
            if not os.path.isfile(target):
                return self.send(404, b"not here\n", "text/plain")
            data = open(target, "rb").read()
            ctype = "application/json" if target.endswith(".json") else "text/xml"
            self.send(200, data, ctype)

        def send(self, status, data, ctype, location=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if location:
                self.send_header("Location", location)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.answer("GET")

        def do_POST(self):
            self.answer("POST")

        def log_message(self, *a):
            pass

    return Handler


tls = http.server.ThreadingHTTPServer((addr, 443), handler(os.path.abspath(root)))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
plain = http.server.ThreadingHTTPServer((addr, 80), handler(os.path.join(os.path.abspath(root), "http")))
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
threading.Thread(target=plain.serve_forever, daemon=True).start()
print("ready", flush=True)
tls.serve_forever()
