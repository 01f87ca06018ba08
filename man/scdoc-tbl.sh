#!/bin/sh
# SPDX-License-Identifier: MIT
# scdoc (the page on stdin, roff on stdout), with the first line that tells
# man(1) and lintian to run tbl: scdoc writes tables but not this hint.
printf '%s\n' "'\\\" t"
exec "$1"
