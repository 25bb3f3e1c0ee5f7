#!/bin/sh
# Build the man page from the tables it documents (one table per truth):
#   @OPTIONS@   the option table in ui/main.c (each entry on one line, strings without '"'),
#   @LOGITEMS@  the -d items in util/log-items.def,
#   @VERSION@, @DATADIR@  the version and the installed firmware directory.
# usage: mkman.sh SRCDIR VERSION DATADIR > x86pc.1
# POSIX sh and awk only. Fails (status 1, no output) if a table yields nothing.
src=$1
ver=$2
datadir=${3:-/usr/local/share/x86pc}

# roff: backslashes doubled, hyphens as \- (they are option names or minus signs here).
opts=$(awk -F'"' '
    /^ *\{OPT_[A-Z_]*, "/ {
        # {OPT_X, "name", "ARG", "help"},  or  {OPT_X, "name", NULL, "help"},
        # Aliases have a NULL help and are not listed.
        name = $2
        if ($3 ~ /^, NULL, $/) { arg = ""; help = $4; rest = $5 }
        else if ($3 == ", ") { arg = $4; help = $6; rest = $7 }
        else next
        if (rest !~ /^},/) next
        for (i = 0; i < 3; i++) {
            s = (i == 0) ? name : (i == 1) ? arg : help
            gsub(/\\/, "\\\\", s); gsub(/-/, "\\-", s)
            if (i == 0) name = s; else if (i == 1) arg = s; else help = s
        }
        printf ".TP\n.B \\-%s%s\n%s\n", name, (arg == "" ? "" : " \\fI" arg "\\fR"), help
    }' "$src/ui/main.c")
items=$(awk -F'"' '
    /^LOG_ITEM\(/ {
        name = $2; help = $4
        gsub(/\\/, "\\\\", help); gsub(/-/, "\\-", help)
        printf ".TP\n.B %s\n%s\n", name, help
    }' "$src/util/log-items.def")
if [ -z "$opts" ] || [ -z "$items" ]; then
    echo "mkman.sh: no options or log items found in $src" >&2
    exit 1
fi
OPTS="$opts" ITEMS="$items" VER="$ver" DATADIR="$datadir" awk '{
        gsub(/@VERSION@/, ENVIRON["VER"]); gsub(/@DATADIR@/, ENVIRON["DATADIR"])
        if ($0 == "@OPTIONS@") print ENVIRON["OPTS"]
        else if ($0 == "@LOGITEMS@") print ENVIRON["ITEMS"]
        else print
    }' "$src/docs/x86pc.1.in"
