/*
 * Runtime logging: the -d mask and the -D file.
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

uint32_t log_mask;
FILE *log_file;

static const struct {
    const char *name;
    uint32_t bit;
    const char *help;
} log_items[] = {
#define LOG_ITEM(id, name, help) {name, LOG_##id, help},
#include "util/log-items.def"
#undef LOG_ITEM
};

bool log_parse_items(const char *items, uint32_t *mask, char *bad, size_t badlen)
{
    uint32_t m = 0;
    const char *p = items;

    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool found = false;

        if (len == 0) {
            p = end ? end + 1 : p + len;
            continue;
        }
        if (len == 3 && strncmp(p, "all", 3) == 0) {
            m |= (1u << LOG_BIT_COUNT) - 1;
            found = true;
        }
        for (size_t i = 0; !found && i < ARRAY_SIZE(log_items); i++) {
            if (strlen(log_items[i].name) == len && strncmp(log_items[i].name, p, len) == 0) {
                m |= log_items[i].bit;
                found = true;
            }
        }
        if (!found) {
            snprintf(bad, badlen, "%.*s", (int)len, p);
            return false;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    *mask = m;
    return true;
}

void log_print_help(FILE *out)
{
    fprintf(out, "Log items (comma separated, -d ITEM[,ITEM...]):\n");
    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
        fprintf(out, "%-13s %s\n", log_items[i].name, log_items[i].help);
    }
    fprintf(out, "%-13s %s\n", "all", "every item above");
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        return -errno;
    }
    if (log_file && log_file != stderr) {
        fclose(log_file);
    }
    log_file = f;
    return 0;
}

void log_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(log_file ? log_file : stderr, fmt, ap);
    va_end(ap);
}

void log_flush(void)
{
    fflush(log_file ? log_file : stderr);
}

void fatal(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("x86pc: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    log_flush();
    exit(1);
}

void warn(const char *fmt, ...)
{
    va_list ap;

    fputs("x86pc: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
