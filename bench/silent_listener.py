#!/usr/bin/env python3
"""A TCP listener on loopback that accepts every connection and never sends a byte.

Used by bench/ for the idle-session memory figure: mailspec connects N sessions that wait for a
greeting that never comes. Prints the port on the first line, then, when stdin closes or after
--seconds, one JSON line: {"accepted": N, "peak_open": M}. Closes a connection when the peer does.
"""
import argparse
import json
import os
import resource
import selectors
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--seconds", type=float, default=120.0, help="hard stop (bounded run)")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.listen, 0))
    srv.listen(4096)
    srv.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    print(srv.getsockname()[1], flush=True)

    accepted = peak = open_now = 0
    deadline = time.monotonic() + args.seconds
    running = True
    while running and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            if key.data == "accept":
                for _ in range(512):
                    try:
                        conn, _ = srv.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:  # out of descriptors: the client sees a pending connection
                        break
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, "conn")
                    accepted += 1
                    open_now += 1
                    peak = max(peak, open_now)
            elif key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):  # the caller closed our stdin: stop
                    running = False
            else:
                conn = key.fileobj
                try:
                    data = conn.recv(4096)
                except (ConnectionResetError, OSError):
                    data = b""
                if not data:  # the client closed (or reset): forget it
                    sel.unregister(conn)
                    conn.close()
                    open_now -= 1
    print(json.dumps({"accepted": accepted, "peak_open": peak}), flush=True)


if __name__ == "__main__":
    main()
