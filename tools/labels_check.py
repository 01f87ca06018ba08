#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# i18n/labels.json: every on-screen label the page quotes, per language,
# either sourced (text, source, os and checked all given, text not empty)
# or explicitly unsourced ("unsourced": true and a note). Every entry has
# "en"; an unsourced translation carries no text, so the page can never
# show a guessed label as if it were the device's own. Prints how many
# labels each language has sourced and unsourced; exits 1 naming each
# entry that breaks a rule (docs/labels.md).
import json
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
path = os.path.join(top, "i18n", "labels.json")
date_re = re.compile(r"\d{4}-\d{2}-\d{2}$")
SOURCED = ("text", "source", "os", "checked")
META = ("platform", "template", "quoted_as", "note")

try:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    print("labels: cannot read %s: %s" % (path, e))
    sys.exit(1)

langs = doc.get("languages") or []
labels = doc.get("labels")
errors = []
if "en" not in langs:
    errors.append("languages: \"en\" is not listed")
if not isinstance(labels, dict) or not labels:
    errors.append("labels: missing or empty")
    labels = {}


def is_text(v):
    return isinstance(v, str) and v.strip() != ""


def check(lid, lang, e):
    """The reasons entry e (label lid, language lang) breaks the rules."""
    if not isinstance(e, dict):
        return ["not an object"]
    if e.get("unsourced") is True:
        bad = []
        if e.get("source") is not None:
            bad.append("unsourced but names a source")
        if not is_text(e.get("note")):
            bad.append("unsourced without a note saying why")
        if lang == "en":
            if not is_text(e.get("text")):
                bad.append("unsourced English needs the page's wording as text")
        elif e.get("text") is not None:
            bad.append("unsourced translation carries a text (a guess)")
        return bad
    if "unsourced" in e:
        return ["\"unsourced\" must be true or absent"]
    missing = [k for k in SOURCED if k not in e]
    if missing:
        return ["neither sourced nor unsourced (missing %s)" % ", ".join(missing)]
    bad = []
    if not is_text(e["text"]):
        bad.append("sourced text is empty")
    if not is_text(e["source"]):
        bad.append("source is empty")
    if not is_text(e["os"]):
        bad.append("os is empty")
    if not (isinstance(e["checked"], str) and date_re.match(e["checked"])):
        bad.append("checked is not a YYYY-MM-DD date")
    return bad


counts = {lang: [0, 0] for lang in langs}
for lid, entry in labels.items():
    if not isinstance(entry, dict):
        errors.append("%s: not an object" % lid)
        continue
    if "en" not in entry:
        errors.append("%s: no \"en\"" % lid)
    for lang in langs:
        if lang not in entry:
            if lang != "en":
                errors.append("%s: %s: missing (neither sourced nor unsourced)"
                              % (lid, lang))
            continue
        reasons = check(lid, lang, entry[lang])
        for r in reasons:
            errors.append("%s: %s: %s" % (lid, lang, r))
        if not reasons:
            counts[lang][1 if entry[lang].get("unsourced") else 0] += 1
    for key in entry:
        if key not in langs and key not in META:
            errors.append("%s: %s: not a listed language" % (lid, key))

print("%-8s %8s %10s" % ("language", "sourced", "unsourced"))
for lang in langs:
    print("%-8s %8d %10d" % (lang, counts[lang][0], counts[lang][1]))
print("%d labels" % len(labels))
for e in errors:
    print("labels: " + e)
sys.exit(1 if errors else 0)
