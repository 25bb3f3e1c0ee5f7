/*
 * JIT code buffer with W^X discipline.
 *
 * The region is mapped once. Pages being emitted into are PROT_READ|PROT_WRITE; sealing
 * flips the emitted pages to PROT_READ|PROT_EXEC and flushes the instruction cache for
 * them (a no-op on x86, required on AArch64 and PowerPC). A partially used page stays
 * writable until its block is sealed; the next emission starts on a fresh page so sealed
 * code is never writable again.
 */
#define _DEFAULT_SOURCE
#include "jit/jit.h"

#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

const char *jit_backend_name(void)
{
#ifdef CONFIG_JIT_HOST
    return CONFIG_JIT_HOST;
#else
    return NULL;
#endif
}

bool jit_available(void)
{
    /* No backend translates blocks yet: the interpreter runs everything. */
    return false;
}

static size_t host_page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

bool jit_codebuf_init(JitCodeBuf *cb, size_t size)
{
    size_t ps = host_page_size();
    void *p;

    size = (size + ps - 1) & ~(ps - 1);
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        memset(cb, 0, sizeof(*cb));
        return false;
    }
    cb->base = p;
    cb->size = size;
    cb->used = 0;
    cb->sealed = 0;
    return true;
}

void jit_codebuf_destroy(JitCodeBuf *cb)
{
    if (cb->base) {
        munmap(cb->base, cb->size);
    }
    memset(cb, 0, sizeof(*cb));
}

uint8_t *jit_codebuf_begin(JitCodeBuf *cb, size_t max)
{
    if (!cb->base || max > cb->size - cb->used) {
        return NULL;
    }
    return cb->base + cb->used;
}

bool jit_codebuf_seal(JitCodeBuf *cb, size_t len)
{
    size_t ps = host_page_size();
    size_t start = cb->used & ~(ps - 1);
    size_t end = (cb->used + len + ps - 1) & ~(ps - 1);

    if (len > cb->size - cb->used) {
        return false;
    }
    if (mprotect(cb->base + start, end - start, PROT_READ | PROT_EXEC) != 0) {
        return false;
    }
    __builtin___clear_cache((char *)cb->base + cb->used, (char *)cb->base + cb->used + len);
    /* Never emit into a sealed page again: continue on the next page boundary. */
    cb->used = end < cb->size ? end : cb->size;
    cb->sealed = cb->used;
    return true;
}

void jit_codebuf_reset(JitCodeBuf *cb)
{
    if (cb->base && cb->sealed) {
        mprotect(cb->base, cb->sealed, PROT_READ | PROT_WRITE);
    }
    cb->used = 0;
    cb->sealed = 0;
}
