/*
 * Runtime log mask (-d ITEMS, -D FILE). The only way x86pc prints diagnostics:
 * there are no compile-time debug printf blocks anywhere in the tree.
 *
 * Items are declared once in util/log-items.def.
 */
#ifndef X86PC_UTIL_LOG_H
#define X86PC_UTIL_LOG_H

#include <stdio.h>

#include "util/common.h"

enum {
#define LOG_ITEM(id, name, help) LOG_BIT_##id,
#include "util/log-items.def"
#undef LOG_ITEM
    LOG_BIT_COUNT
};

enum {
#define LOG_ITEM(id, name, help) LOG_##id = 1u << LOG_BIT_##id,
#include "util/log-items.def"
#undef LOG_ITEM
};

extern uint32_t log_mask;
extern FILE *log_file;

static inline bool log_enabled(uint32_t item)
{
    return unlikely((log_mask & item) != 0);
}

/* Parse "in_asm,int" into a mask; returns false and names the bad item in *bad. */
bool log_parse_items(const char *items, uint32_t *mask, char *bad, size_t badlen);
void log_print_help(FILE *out);
int log_set_file(const char *path); /* 0 on success, -errno otherwise */
void log_printf(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_flush(void);

/* Log only if the item is on: qemu_log_mask() style. */
#define log_mask_printf(item, ...)                                                                \
    do {                                                                                          \
        if (log_enabled(item)) {                                                                  \
            log_printf(__VA_ARGS__);                                                              \
        }                                                                                         \
    } while (0)

/* Fatal user-facing error: "x86pc: <msg>" on stderr, exit status 1. */
void NORETURN fatal(const char *fmt, ...) PRINTF_FMT(1, 2);
/* Non-fatal warning on stderr. */
void warn(const char *fmt, ...) PRINTF_FMT(1, 2);

#endif
