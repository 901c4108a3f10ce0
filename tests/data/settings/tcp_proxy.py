#!/usr/bin/env python3
"""Forwards [::1]:PORT to 127.0.0.1:PORT for each PORT given, so an IPv4-only lab server also
answers on ::1 (a host with A and AAAA records is probed on both). Loopback only; stops on
SIGTERM. usage: tcp_proxy.py PORT...
"""
import signal
import socket
import sys
import threading


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(port):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("::1", port))
    srv.listen(16)
    while True:
        c, _ = srv.accept()
        try:
            u = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            c.close()
            continue
        for x, y in ((c, u), (u, c)):
            threading.Thread(target=pipe, args=(x, y), daemon=True).start()


signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
print("ready", flush=True)
signal.pause()
