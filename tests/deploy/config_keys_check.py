#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: config_keys_check.py SRCDIR CERTPOST_BINARY
# The configuration keys the parser accepts (read from its source: each
# section's handler in server/config/) against what is documented: every key
# appears in config/certpost.conf (the example "with every key") and in
# certpost.conf(5), and every key certpost.conf(5) documents is one the
# parser knows. Then, for every single-valued key, a file giving it twice
# must fail --check-config with "given twice". TAP.
import os
import re
import subprocess
import sys

from tap import check, finish
import tempfile

src, binary = sys.argv[1], sys.argv[2]

# The handler of each section, and the section it reads.
HANDLERS = {
    "server_key": "server", "log_key": "log", "ca_key": 'ca "u"',
    "profile_key": "profile", "access_key": "access", "trust_key": "trust",
    "config_issuer_key": 'issuer "i"', "page_key": "page",
}


def parser_keys():
    """{(section, key): repeatable}, from the handlers' strcmp(k, ...)."""
    keys = {}
    for name in ("config_keys.c", "config_pki.c"):
        with open(os.path.join(src, "server", "config", name)) as f:
            text = f.read()
        for fn, section in HANDLERS.items():
            m = re.search(r"\n" + fn + r"\(.*?\n\{(.*?)\n\}\n", text, re.S)
            if not m:
                continue
            body = m.group(1)
            for km in re.finditer(r'strcmp\(k, "([a-z_]+)"\) [!=]= 0', body):
                key = km.group(1)
                # The statement that handles it: add_* keeps every line.
                rest = body[km.end():km.end() + 160]
                repeat = re.match(r"[^;]*?\b(add_[a-z_]+)\(", rest, re.S)
                keys.setdefault((section, key), False)
                if repeat or key == "check_url":
                    keys[(section, key)] = True
    return keys


def documented(path, pattern):
    with open(path) as f:
        return set(re.findall(pattern, f.read(), re.M))


keys = parser_keys()
names = {k for _, k in keys}
example = documented(os.path.join(src, "config", "certpost.conf"),
                     r"^[#; ]*([a-z_]+) =")
manual = documented(os.path.join(src, "man", "certpost.conf.5.scd"),
                    r"^\*([a-z_]+) =\*")



check("the parser's handlers were found", len(keys) > 30,
      "%d keys" % len(keys))
missing = sorted(names - example)
check("every key is in config/certpost.conf", not missing,
      "missing: " + " ".join(missing))
missing = sorted(names - manual)
check("every key is in certpost.conf(5)", not missing,
      "missing: " + " ".join(missing))
unknown = sorted(manual - names)
check("every key certpost.conf(5) documents is known to the parser",
      not unknown, "unknown: " + " ".join(unknown))

with tempfile.TemporaryDirectory() as tmp:
    ca = os.path.join(tmp, "ca.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", os.path.join(tmp, "ca.key"), "-out", ca,
                    "-days", "30", "-subj", "/CN=Keys Test Root"],
                   check=True, capture_output=True)
    base = ("[server]\nlisten = 127.0.0.1:0\n[ca \"t\"]\nfile = %s\n"
            "[access]\nallow = 127.0.0.0/8\n" % ca)
    for (section, key), repeatable in sorted(keys.items()):
        if repeatable:
            continue
        conf = os.path.join(tmp, "twice.conf")
        with open(conf, "w") as f:
            f.write(base + "[%s]\n%s = yes\n%s = yes\n" % (section, key, key))
        r = subprocess.run([binary, "--check-config", "--config", conf],
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        # An invalid value as well as a valid one: "given twice" must not
        # depend on the value being accepted.
        check("[%s] %s given twice is an error" % (section, key),
              r.returncode != 0 and ("%s: given twice" % key) in out,
              "exit %d: %s" % (r.returncode, out.strip()[-300:]))

finish()
