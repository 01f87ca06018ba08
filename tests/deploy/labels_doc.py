#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# docs/labels.md's tables are the catalogs' labels as i18n_compile --labels
# prints them (every label per language, with its source or "unsourced").
#   labels_doc.py SRC I18N_COMPILE [--write]
import os
import subprocess
import sys

src, tool = sys.argv[1], sys.argv[2]
write = "--write" in sys.argv[3:]
order = ["certpost.pot", "de.po", "fr.po", "es.po", "it.po", "nl.po",
         "pt-BR.po", "ja.po", "zh-Hans.po"]
# Under AddressSanitizer the test's ASAN_OPTIONS (detect_leaks=1) would win
# over the tool's own default: libgettextpo's leaks would end it before its
# output is flushed (tools/i18n_compile.c says why they are not its own).
env = dict(os.environ)
env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
out = subprocess.run([tool, "--labels"] + ["%s/i18n/%s" % (src, f) for f in order],
                     capture_output=True, env=env)
if out.returncode != 0:
    sys.exit("i18n_compile --labels failed (%d):\n%s" %
             (out.returncode, out.stderr.decode("utf-8", "replace")))
out.stdout = out.stdout.decode("utf-8")
path = "%s/docs/labels.md" % src
doc = open(path, encoding="utf-8").read()
begin = doc.index("<!-- BEGIN i18n_compile --labels")
begin = doc.index("\n", begin) + 1
end = doc.index("<!-- END i18n_compile --labels")
want = out.stdout.lstrip("\n")
if doc[begin:end] == want:
    sys.exit(0)
if write:
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc[:begin] + want + doc[end:])
    sys.exit(0)
sys.exit("docs/labels.md's tables differ from the catalogs: run "
         "tests/deploy/labels_doc.py %s %s --write" % (src, tool))
