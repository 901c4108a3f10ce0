#!/usr/bin/env python3
"""Test HTTPS server for `mailspec settings`: serves ROOT on ADDR:PORT with CERT/KEY, logs
each request line (path and Host) to LOG. Files named *.redirect hold a Location to answer 302
with. Loopback only; stops on SIGTERM.

usage: https_server.py ADDR PORT ROOT CERT KEY LOG
"""
import http.server
import ipaddress
import os
import signal
import ssl
import sys

addr, port, root, cert, key, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
if not ipaddress.ip_address(addr).is_loopback:
    sys.exit("https_server.py: loopback addresses only")


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)

    def do_GET(self):
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.headers.get("Host", ""), self.path))
        target = os.path.join(root, self.path.split("?", 1)[0].lstrip("/")) + ".redirect"
        if os.path.isfile(target):
            self.send_response(302)
            self.send_header("Location", open(target).read().strip())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def guess_type(self, path):
        if path.endswith(".txt"):
            return "text/plain"
        if path.endswith(".xml"):
            return "text/xml"
        return super().guess_type(path)

    def log_message(self, *a):
        pass


httpd = http.server.ThreadingHTTPServer((addr, port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("ready", flush=True)
httpd.serve_forever()
