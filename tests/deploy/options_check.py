#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Usage: options_check.py SRCDIR CERTPOST_BINARY
# Every option getopt accepts (the long options table in
# server/config/options.c, and the short letters of its optstring) appears
# in the synopsis `certpost --help` prints (the lines before the first blank
# one) and in certpost(8)'s SYNOPSIS and OPTIONS. TAP.
import os
import re
import subprocess
import sys

from tap import check, finish

src, binary = sys.argv[1], sys.argv[2]
with open(os.path.join(src, "server", "config", "options.c")) as f:
    code = f.read()
longs = re.findall(r'\{"([a-z-]+)", (?:no|required)_argument, NULL, \'(.)\'\}',
                   code)
optstring = re.search(r'getopt_long\(argc, argv, "([^"]+)"', code).group(1)
shorts = {c for c in optstring if c != ":"}
help_text = subprocess.run([binary, "--help"], capture_output=True,
                           text=True, timeout=10).stdout
synopsis = help_text.split("\n\n")[0]
with open(os.path.join(src, "man", "certpost.8.scd")) as f:
    man = f.read()
man_synopsis = man.split("# SYNOPSIS")[1].split("\n# ")[0]
man_options = man.split("# OPTIONS")[1].split("\n# ")[0]

check("the options table was found", len(longs) >= 8, str(longs))
for name, letter in longs:
    # In the synopsis by either spelling; in OPTIONS by its long name.
    in_help = "--" + name in synopsis or (
        letter in shorts and "-" + letter + " " in synopsis)
    check("--%s in --help's synopsis" % name, in_help, synopsis)
    in_man = ("*--" + name + "*" in man_synopsis or
              (letter in shorts and "*-" + letter + "*" in man_synopsis))
    check("--%s in certpost(8)'s SYNOPSIS" % name, in_man, man_synopsis)
    check("--%s in certpost(8)'s OPTIONS" % name,
          "*--" + name + "*" in man_options)
# Usage errors exit 2, and certpost(8) lists them under 2.
status = man.split("# EXIT STATUS")[1].split("\n# ")[0]
under_2 = status.split("*2*")[1] if "*2*" in status else ""
for args, what in ((["--demo", "--config", "x"], "*--demo* given with *--config*"),
                   (["--no-such-option"], "unknown option"),
                   (["extra"], "unexpected argument")):
    r = subprocess.run([binary] + args, capture_output=True, text=True,
                       timeout=10)
    check("%s exits 2" % " ".join(args), r.returncode == 2,
          "exit %d" % r.returncode)
    check("certpost(8) lists '%s' under exit status 2" % what,
          what in under_2, under_2)
finish()
