#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The layer check: reads every #include "..." under server/ and fails when an
# include runs up the layer order below, when a header private to a folder
# (*_int.h) is included from outside it, or when the includes between files
# close a circle. With --svg FILE it also draws the folders and the includes
# between them (docs/architecture.svg).
#
#   tools/layers.py [--svg FILE]
import os
import sys

# Top first: a file may include only its own layer or one further down.
LAYERS = ["main", "http", "catalog", "ops", "render", "pki", "config",
          "access", "util"]

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SERVER = os.path.join(TOP, "server")


def layer_of(rel):
    """server/-relative path -> layer name."""
    parts = rel.split("/")
    if len(parts) == 1:
        return os.path.splitext(parts[0])[0]
    return parts[0]


def resolve(src, name):
    """The server/-relative file an #include "name" in src finds, or None
    for a header outside server/ (build_config.h, generated)."""
    here = os.path.dirname(src)
    for cand in (os.path.join(here, name), name):
        cand = os.path.normpath(cand)
        if os.path.isfile(os.path.join(SERVER, cand)):
            return cand
    return None


def read_graph():
    edges = {}
    for root, _, files in os.walk(SERVER):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(root, f), SERVER)
            deps = []
            with open(os.path.join(SERVER, rel), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    line = line.strip()
                    if not line.startswith('#include "'):
                        continue
                    name = line.split('"')[1]
                    if name.startswith("..") or "/../" in name:
                        deps.append((n, name, None))
                        continue
                    deps.append((n, name, resolve(rel, name)))
            edges[rel] = deps
    return edges


def find_cycle(graph):
    """One include circle as a list of files, or None."""
    state = {}
    stack = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in graph.get(v, ()):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if state.get(w) is None:
                c = visit(w)
                if c:
                    return c
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if state.get(v) is None:
            c = visit(v)
            if c:
                return c
    return None


def svg(folder_edges, path):
    w, rowh, boxw, boxh = 520, 64, 150, 34
    x0 = (w - boxw) // 2
    pos = {l: (x0, 20 + i * rowh) for i, l in enumerate(LAYERS)}
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="14">' %
           (w, 40 + len(LAYERS) * rowh),
           '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" '
           'markerWidth="6" markerHeight="6" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    for i, (a, b) in enumerate(sorted(folder_edges)):
        ia, ib = LAYERS.index(a), LAYERS.index(b)
        xa, ya = pos[a]
        xb, yb = pos[b]
        if ib == ia + 1:
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" '
                       'marker-end="url(#a)"/>' %
                       (xa + boxw // 2, ya + boxh, xb + boxw // 2, yb))
            continue
        # A longer edge bends round the side, left or right by turn.
        side = -1 if i % 2 else 1
        off = 12 + 7 * (ib - ia) + (i % 5) * 3
        sx = xa + (boxw if side > 0 else 0)
        cx = sx + side * off * 2
        out.append('<path d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" '
                   'stroke="#999" marker-end="url(#a)"/>' %
                   (sx, ya + boxh // 2, cx, ya + boxh // 2, cx,
                    yb + boxh // 2, sx, yb + boxh // 2))
    for l in LAYERS:
        x, y = pos[l]
        label = l + ("/" if os.path.isdir(os.path.join(SERVER, l)) else ".c")
        out.append('<rect x="%d" y="%d" width="%d" height="%d" rx="6" '
                   'fill="#eef3fb" stroke="#345"/>' % (x, y, boxw, boxh))
        out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' %
                   (x + boxw // 2, y + 22, label))
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def main(argv):
    edges = read_graph()
    problems = []
    graph = {}
    folder_edges = set()
    for src, deps in sorted(edges.items()):
        ls = layer_of(src)
        if ls not in LAYERS:
            problems.append("server/%s: not in a known layer (%s)" %
                            (src, ", ".join(LAYERS)))
            continue
        for n, name, dst in deps:
            where = "server/%s:%d" % (src, n)
            if dst is None:
                if name.startswith("..") or "/../" in name:
                    problems.append('%s: #include "%s" runs up the tree' %
                                    (where, name))
                continue
            ld = layer_of(dst)
            graph.setdefault(src, []).append(dst)
            if ld != ls:
                folder_edges.add((ls, ld))
            if LAYERS.index(ld) < LAYERS.index(ls):
                problems.append('%s: #include "%s": %s is above %s' %
                                (where, name, ld, ls))
            if dst.endswith("_int.h") and os.path.dirname(dst) != \
                    os.path.dirname(src):
                problems.append('%s: #include "%s": private to %s/' %
                                (where, name, os.path.dirname(dst)))
    cycle = find_cycle(graph)
    if cycle:
        problems.append("include circle: " +
                        " -> ".join("server/" + c for c in cycle))
    if len(argv) == 3 and argv[1] == "--svg":
        svg(folder_edges, argv[2])
    for p in problems:
        print(p)
    if problems:
        print("layers: %d problem(s); order: %s" %
              (len(problems), " > ".join(LAYERS)))
        return 1
    print("layers: ok (%d files; %s)" % (len(edges), " > ".join(LAYERS)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
