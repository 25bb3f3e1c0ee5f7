/*
 * Command-line helpers (see options.h).
 */
#include "util/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

void opt_init(OptionParser *p, int argc, char **argv, const OptionDesc *opts, size_t nopts)
{
    memset(p, 0, sizeof(*p));
    p->argc = argc;
    p->argv = argv;
    p->index = 1;
    p->opts = opts;
    p->nopts = nopts;
}

int opt_next(OptionParser *p, const char **arg)
{
    const char *s;

    *arg = NULL;
    if (p->index >= p->argc) {
        return -1;
    }
    s = p->argv[p->index++];
    if (s[0] != '-' || s[1] == '\0') {
        /* QEMU treats a bare argument as the first disk image; be explicit instead. */
        snprintf(p->error, sizeof(p->error),
                 "unexpected argument '%s' (to boot a disk image use -hda FILE)", s);
        return -1;
    }
    s++;
    if (*s == '-') {
        s++;
    }
    snprintf(p->namebuf, sizeof(p->namebuf), "-%s", s);
    p->name = p->namebuf;
    for (size_t i = 0; i < p->nopts; i++) {
        if (strcmp(p->opts[i].name, s) != 0) {
            continue;
        }
        if (p->opts[i].arg) {
            if (p->index >= p->argc) {
                snprintf(p->error, sizeof(p->error), "-%s: requires an argument (%s)", s,
                         p->opts[i].arg);
                return -1;
            }
            *arg = p->argv[p->index++];
        }
        return p->opts[i].id;
    }
    snprintf(p->error, sizeof(p->error), "-%s: unknown option (try -help)", s);
    return -1;
}

void opt_print_help(FILE *out, const OptionDesc *opts, size_t nopts)
{
    for (size_t i = 0; i < nopts; i++) {
        char left[48];
        if (!opts[i].help) {
            continue;
        }
        snprintf(left, sizeof(left), "-%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        if (strlen(left) > 22) {
            fprintf(out, "  %s\n  %-22s %s\n", left, "", opts[i].help); /* too wide: own line */
        } else {
            fprintf(out, "  %-22s %s\n", left, opts[i].help);
        }
    }
}

int kv_parse(const char *str, KeyVal *out, int max, const char *implied_key)
{
    int n = 0;
    const char *p = str;

    if (!*p) {
        return -1;
    }
    while (*p) {
        KeyVal *kv;
        size_t klen = 0, vlen = 0;
        const char *eq, *q;

        if (n >= max) {
            return -1;
        }
        kv = &out[n];
        /* Find '=' before the next unescaped comma. */
        eq = NULL;
        for (q = p; *q && !(*q == ',' && q[1] != ','); q++) {
            if (*q == ',' && q[1] == ',') {
                q++;
                continue;
            }
            if (*q == '=' && !eq) {
                eq = q;
            }
        }
        if (eq) {
            klen = (size_t)(eq - p);
            if (klen == 0 || klen >= sizeof(kv->key)) {
                return -1;
            }
            memcpy(kv->key, p, klen);
            kv->key[klen] = '\0';
            p = eq + 1;
        } else {
            if (n != 0 || !implied_key) {
                /* A flag without value, e.g. "server": value "on". */
                for (q = p; *q && *q != ','; q++) {
                    klen++;
                }
                if (klen == 0 || klen >= sizeof(kv->key)) {
                    return -1;
                }
                memcpy(kv->key, p, klen);
                kv->key[klen] = '\0';
                snprintf(kv->val, sizeof(kv->val), "on");
                p += klen;
                if (*p == ',') {
                    p++;
                }
                n++;
                continue;
            }
            snprintf(kv->key, sizeof(kv->key), "%s", implied_key);
        }
        while (*p) {
            if (*p == ',') {
                if (p[1] == ',') {
                    p++;
                } else {
                    break;
                }
            }
            if (vlen + 1 >= sizeof(kv->val)) {
                return -1;
            }
            kv->val[vlen++] = *p++;
        }
        kv->val[vlen] = '\0';
        if (*p == ',') {
            p++;
        }
        n++;
    }
    return n;
}

bool parse_uint(const char *str, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)str[0])) {
        return false;
    }
    errno = 0;
    v = strtoull(str, &end, 0);
    if (errno || *end) {
        return false;
    }
    *out = v;
    return true;
}

/*
 * floor(0.DIGITS * 2^shift), exactly: the fraction is doubled shift times in decimal, each
 * carry out of its first digit being the next bit of the result. Only the first `shift`
 * digits can change the result (2^shift * 10^-shift = 5^-shift is less than the distance
 * from the rest to the next integer), so longer fractions are cut there.
 */
static uint64_t size_fraction(const char *digits, size_t n, unsigned shift)
{
    char d[40];
    uint64_t v = 0;

    if (n > shift) {
        n = shift;
    }
    for (size_t i = 0; i < n; i++) {
        d[i] = (char)(digits[i] - '0');
    }
    for (unsigned b = 0; b < shift; b++) {
        unsigned carry = 0;
        for (size_t i = n; i-- > 0;) {
            unsigned x = (unsigned)d[i] * 2 + carry;
            d[i] = (char)(x % 10);
            carry = x / 10;
        }
        v = v * 2 + carry;
    }
    return v;
}

bool parse_size(const char *str, char default_suffix, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift;
    const char *frac = NULL;
    size_t nfrac = 0;
    uint64_t fbytes;
    char suffix;

    if (!isdigit((unsigned char)str[0])) {
        return false;
    }
    errno = 0;
    v = strtoull(str, &end, 10);
    if (errno) {
        return false;
    }
    if (*end == '.') {
        frac = end + 1;
        for (end++; isdigit((unsigned char)*end); end++) {
            nfrac++;
        }
        if (!*end) {
            return false; /* a fraction needs an explicit suffix, as in QEMU: "1.5" */
        }
    }
    suffix = *end ? *end : default_suffix;
    if (*end && (end[1] != '\0' && !(end[1] == 'B' && end[2] == '\0') &&
                 !(end[1] == 'i' && end[2] == 'B' && end[3] == '\0'))) {
        return false;
    }
    switch (toupper((unsigned char)suffix)) {
    case 'B':
        shift = 0;
        break;
    case 'K':
        shift = 10;
        break;
    case 'M':
        shift = 20;
        break;
    case 'G':
        shift = 30;
        break;
    case 'T':
        shift = 40;
        break;
    default:
        return false;
    }
    if (frac && shift == 0) {
        return false; /* "1.5B": not a whole number of bytes */
    }
    fbytes = frac ? size_fraction(frac, nfrac, shift) : 0;
    if (v > (UINT64_MAX >> shift) || (v << shift) > UINT64_MAX - fbytes) {
        return false;
    }
    *out = (v << shift) + fbytes;
    return true;
}

bool parse_bool(const char *str, bool *out)
{
    if (!strcmp(str, "on") || !strcmp(str, "yes") || !strcmp(str, "true")) {
        *out = true;
    } else if (!strcmp(str, "off") || !strcmp(str, "no") || !strcmp(str, "false")) {
        *out = false;
    } else {
        return false;
    }
    return true;
}
