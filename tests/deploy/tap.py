# SPDX-License-Identifier: MIT
"""The TAP the deployment checks print: record results, then finish()."""
import sys

_tests = []


def check(name, ok, detail=""):
    """Records one result; detail is printed under a failure."""
    _tests.append((name, bool(ok), str(detail)))


def finish():
    """Prints the plan and every result, and exits 1 when one failed."""
    print("1..%d" % len(_tests))
    failed = 0
    for i, (name, ok, detail) in enumerate(_tests, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            print("#   " + detail[:600].replace("\n", "\n#   "))
    sys.exit(1 if failed else 0)
