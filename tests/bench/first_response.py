#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Times a server from fork to its first successful response.

Starts COMMAND --runs times; each time polls http://127.0.0.1:PORT/PATH,
retrying the connect every millisecond, until it answers 200, then stops
the server with SIGTERM and waits for it. Prints each run's milliseconds
and, last, "median_ms=X". The server is pinned to --cpu (as the benchmark
pins the servers); this process should be pinned elsewhere by the caller.
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def get_status(port, path):
    """The status line of GET path, or None when nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET " + path.encode() +
                      b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n", 1)[0]
    except OSError:
        return None


def one_run(cmd, port, path, cpu, timeout):
    def pin():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, preexec_fn=pin)
    try:
        while True:
            status = get_status(port, path)
            elapsed = time.perf_counter() - t0
            if status is not None and b" 200" in status:
                return elapsed * 1e3
            if p.poll() is not None:
                raise RuntimeError("server exited with %d" % p.returncode)
            if elapsed > timeout:
                raise RuntimeError("no 200 within %.0f s" % timeout)
            time.sleep(0.001)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/healthz")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command")
    times = []
    for _ in range(args.runs):
        ms = one_run(cmd, args.port, args.path, args.cpu, args.timeout)
        times.append(ms)
        print("%.2f" % ms)
    print("median_ms=%.2f" % statistics.median(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
