#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Floods a server with requests from a source address it refuses.

wrk cannot choose its source address, so this opens TCP connections from
--source (127.0.0.2 by default, outside the allow-list) as fast as it can,
--concurrency at a time, for --duration seconds. Each connection sends one
GET /ca.cer and is counted as:

  turned_away  reset or closed without a byte of response, or answered
               with a status other than 200 (nginx's 403)
  served       answered 200: the allow-list leaked, which must never happen
  errors       connect refused, or no answer within --timeout seconds

Prints one line of key=value pairs; turned_away_per_s is the figure the
benchmark compares. The client closes with SO_LINGER 0 so neither side
piles up TIME_WAIT sockets from the flood (the same for every server).
"""
import argparse
import errno
import selectors
import socket
import struct
import sys
import time

REQUEST = b"GET /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n"
# Linux: let connect() pick the source port, so ports can be shared
# between destinations (the constant is missing from older Pythons).
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
LINGER_RST = struct.pack("ii", 1, 0)


class Conn:
    __slots__ = ("sock", "buf", "started", "sent")

    def __init__(self, sock, started):
        self.sock = sock
        self.buf = b""
        self.started = started
        self.sent = False


def response_complete(buf):
    """True once buf holds a whole response (headers + Content-Length)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return True
    return len(buf) >= end + 4 + length


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", default="127.0.0.2")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    counts = {"attempts": 0, "turned_away": 0, "served": 0, "errors": 0}
    conns = {}

    def finish(c, outcome):
        sel.unregister(c.sock)
        del conns[c.sock.fileno()]
        try:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              LINGER_RST)
        except OSError:
            pass
        c.sock.close()
        counts[outcome] += 1

    def classify(c):
        if c.buf.startswith(b"HTTP/1.1 200") or \
                c.buf.startswith(b"HTTP/1.0 200"):
            return "served"
        return "turned_away"

    def start(now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((args.source, 0))
        counts["attempts"] += 1
        rc = s.connect_ex((args.host, args.port))
        c = Conn(s, now)
        conns[s.fileno()] = c
        sel.register(s, selectors.EVENT_WRITE, c)
        if rc not in (0, errno.EINPROGRESS):
            finish(c, "errors")

    t0 = time.monotonic()
    deadline = t0 + args.duration
    now = t0
    while now < deadline:
        while len(conns) < args.concurrency:
            start(now)
        for key, events in sel.select(timeout=0.05):
            c = key.data
            s = c.sock
            if not c.sent:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == errno.ECONNREFUSED:
                    finish(c, "errors")
                    continue
                if err != 0:
                    finish(c, "turned_away")  # reset during the handshake
                    continue
                try:
                    s.send(REQUEST)
                except OSError:
                    finish(c, "turned_away")
                    continue
                c.sent = True
                sel.modify(s, selectors.EVENT_READ, c)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                finish(c, classify(c))
                continue
            if not data:
                finish(c, classify(c))
                continue
            c.buf += data
            if response_complete(c.buf):
                finish(c, classify(c))
        now = time.monotonic()
        for c in [c for c in conns.values()
                  if now - c.started > args.timeout]:
            finish(c, "errors")
    elapsed = time.monotonic() - t0
    for c in list(conns.values()):
        sel.unregister(c.sock)
        c.sock.close()
    print("attempts=%d turned_away=%d served=%d errors=%d seconds=%.2f "
          "turned_away_per_s=%.0f" % (
              counts["attempts"], counts["turned_away"], counts["served"],
              counts["errors"], elapsed, counts["turned_away"] / elapsed))
    return 1 if counts["served"] else 0


if __name__ == "__main__":
    sys.exit(main())
