#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: tables_check.py SRCDIR CERTPOST_BINARY
# The reference tables against the program: every path a configuration with
# a CA, its CRL, an issuing CA and that CA's CRL is answered on (as
# `certpost --check-config --debug` lists them) is in docs/serving.md, with
# the section's slug written <slug>; every metric family /metrics exposes is
# in certpost(8) and docs/operations.md. TAP.
import os
import re
import socket
import subprocess
import sys

from tap import check, finish
import tempfile
import time
import urllib.request

src, binary = sys.argv[1], sys.argv[2]



def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


def read(*parts):
    with open(os.path.join(src, *parts)) as f:
        return f.read()


with tempfile.TemporaryDirectory() as d:
    # A root with a CRL, an issuing CA under it with its own CRL.
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key", "-out",
       "root.pem", "-days", "30", "-subj", "/CN=Tables Root", cwd=d)
    sh("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", "iss.key", "-out",
       "iss.csr", "-subj", "/CN=Tables Issuing", cwd=d)
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("basicConstraints=critical,CA:true\n"
                "keyUsage=critical,keyCertSign,cRLSign\n")
    sh("openssl", "x509", "-req", "-in", "iss.csr", "-CA", "root.pem",
       "-CAkey", "root.key", "-CAcreateserial", "-out", "iss.pem", "-days",
       "30", "-extfile", "ext", cwd=d)
    for name in ("root", "iss"):
        with open(os.path.join(d, name + ".cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = %s.idx\n"
                    "crlnumber = %s.num\ndefault_md = sha256\n"
                    "default_crl_days = 7\n" % (name, name))
        open(os.path.join(d, name + ".idx"), "w").close()
        with open(os.path.join(d, name + ".num"), "w") as f:
            f.write("01\n")
        sh("openssl", "ca", "-config", name + ".cnf", "-gencrl", "-keyfile",
           name + ".key", "-cert", name + ".pem", "-out", name + ".crl",
           cwd=d)
    port = 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = os.path.join(d, "certpost.conf")
    with open(conf, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:%d\n[ca \"tbl\"]\n"
                "file = root.pem\ncrl = root.crl\n[issuer \"tbliss\"]\n"
                "file = iss.pem\ncrl = iss.crl\n[access]\n"
                "allow = 127.0.0.0/8\nadmin = 127.0.0.0/8\n" % port)
    r = subprocess.run([binary, "--check-config", "--debug", "--config",
                        conf], capture_output=True, text=True, timeout=60)
    check("--check-config --debug passes", r.returncode == 0,
          r.stdout + r.stderr)
    paths = re.findall(r"^path: +(\S+)", r.stdout, re.M)
    check("it lists the paths", len(paths) > 20, r.stdout)
    serving = read("docs", "serving.md")
    for p in paths:
        pattern = p.replace("/tbliss.", "/<slug>.").replace(
            "/tbl.", "/<slug>.").replace("/tbl+", "/<slug>+")
        if p.startswith("/static/"):
            pattern = "/static/*"
        pattern = re.sub(r"^/helpdesk/(email|qr)-[A-Za-z0-9-]+\.",
                         r"/helpdesk/\1-<tag>.", pattern)
        check("%s is in docs/serving.md" % pattern,
              "`%s`" % pattern in serving, p)

    daemon = subprocess.Popen([binary, "--config", conf],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(
                        "http://127.0.0.1:%d/metrics" % port,
                        timeout=2) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                time.sleep(0.05)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
    families = re.findall(r"^# TYPE (\S+) ", body, re.M)
    check("/metrics answered", len(families) > 10, body[:300])
    man = read("man", "certpost.8.scd")
    ops = read("docs", "operations.md")
    for fam in families:
        check("%s is in certpost(8)" % fam, fam in man)
        check("%s is in docs/operations.md" % fam, fam in ops)

finish()
