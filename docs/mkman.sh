#!/bin/sh
# Build the man page from the option table in ui/main.c (one table per truth): each
# entry must stay on one line.
# usage: mkman.sh SRCDIR VERSION > x86pc.1
src=$1
ver=$2
opts=$(sed -n 's/^ *{OPT_[A-Z_]*, "\([^"]*\)", \(NULL\|"[^"]*"\), *"\(.*\)"},$/\1\t\2\t\3/p' "$src/ui/main.c" |
    awk -F'\t' '{ a = $2; gsub(/"/, "", a); if (a == "NULL") a = ""; else a = " \\fI" a "\\fR";
                   h = $3; gsub(/" *"/, "", h); gsub(/\\/, "\\\\", h);
                   printf ".TP\n.B \\-%s%s\n%s\n", $1, a, h }')
OPTS="$opts" VER="$ver" awk '{ gsub(/@VERSION@/, ENVIRON["VER"]); if ($0 == "@OPTIONS@") print ENVIRON["OPTS"]; else print }' \
    "$src/docs/x86pc.1.in"
