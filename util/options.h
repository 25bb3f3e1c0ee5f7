/*
 * Command-line helpers: a table-driven parser for QEMU-style options (-name [ARG], also
 * accepted as --name), "key=val,key=val" lists, sizes and booleans.
 */
#ifndef X86PC_UTIL_OPTIONS_H
#define X86PC_UTIL_OPTIONS_H

#include <stdio.h>

#include "util/common.h"

typedef struct OptionDesc {
    int id;
    const char *name;  /* without the leading '-' */
    const char *arg;   /* argument name for help, NULL if the option takes none */
    const char *help;  /* NULL: an alias, not listed separately */
} OptionDesc;

typedef struct OptionParser {
    int argc;
    char **argv;
    int index;
    const OptionDesc *opts;
    size_t nopts;
    const char *name; /* "-name" of the option just returned, for messages */
    char namebuf[64];
    char error[256];  /* set when opt_next() returns -1 because of an error */
} OptionParser;

void opt_init(OptionParser *p, int argc, char **argv, const OptionDesc *opts, size_t nopts);
/* Next option id (and its argument in *arg), or -1 at the end or on error (p->error). */
int opt_next(OptionParser *p, const char **arg);
void opt_print_help(FILE *out, const OptionDesc *opts, size_t nopts);

typedef struct KeyVal {
    char key[32];
    char val[1024];
} KeyVal;

/*
 * Parse "a=1,b=2". A leading element without '=' is given the key implied_key (e.g.
 * "-boot cd" == "-boot order=cd"); if implied_key is NULL such an element is an error.
 * ",," escapes a comma inside a value, as in QEMU. Returns the count, or -1 on error.
 */
int kv_parse(const char *str, KeyVal *out, int max, const char *implied_key);
/*
 * "128", "128M", "1G", "512k", "1.5G": decimal digits, an optional fraction, an optional
 * suffix B, K, M, G or T (any case, then optionally "B" or "iB"); default_suffix applies to
 * a bare number ('M' for -m). As in QEMU, a fraction needs an explicit suffix other than
 * B ("1.5" and "1.5B" are refused; "1.G" is 1G) and its bytes are rounded down, so the
 * result is a whole number of bytes. No sign, hex or exponent. False on bad input or
 * overflow.
 */
bool parse_size(const char *str, char default_suffix, uint64_t *out);
bool parse_uint(const char *str, uint64_t *out);
bool parse_bool(const char *str, bool *out); /* on/off/yes/no/true/false */

#endif
