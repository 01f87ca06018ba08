#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Every link in README.md and docs/*.md that points into the repository
# leads somewhere: the file exists and, with a #fragment, a heading (or an
# explicit anchor) of that name exists in it (GitHub's heading slugs).
# External links are listed, not fetched: this machine has no network.
import os
import re
import sys
import unicodedata

top = sys.argv[1]
pages = [os.path.join(top, "README.md")]
docs = os.path.join(top, "docs")
pages += sorted(os.path.join(docs, f) for f in os.listdir(docs)
                if f.endswith(".md"))
link_re = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
img_re = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]+src=\"([^\"]+)\"")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    s = heading.strip().lower()
    s = re.sub(r"`", "", s)
    s = "".join(c for c in s if c in " -_" or unicodedata.category(c)[0] in "LN")
    return s.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    in_code = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            m = re.match(r"#{1,6}\s+(.*)", line)
            if m:
                base = slug(m.group(1))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else "%s-%d" % (base, n))
            for a in re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line):
                found.add(a)
    return found


bad, external, checked = [], set(), 0
for page in pages:
    text = open(page, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    targets = [m.group(1) for m in link_re.finditer(text)]
    targets += [a or b for a, b in img_re.findall(text)]
    for t in targets:
        if re.match(r"[a-z]+:", t):
            if t.startswith(("http://", "https://")):
                external.add(t)
            continue
        checked += 1
        path, _, frag = t.partition("#")
        dest = (os.path.normpath(os.path.join(os.path.dirname(page), path))
                if path else page)
        rel = os.path.relpath(page, top)
        if not os.path.exists(dest):
            bad.append("%s: %s: no such file" % (rel, t))
        elif frag and dest.endswith(".md") and frag not in anchors(dest):
            bad.append("%s: %s: no heading #%s" % (rel, t, frag))
for b in bad:
    print("broken link:", b)
print("%d pages, %d links into the repository checked, %d external (not "
      "fetched)" % (len(pages), checked, len(external)))
sys.exit(1 if bad else 0)
