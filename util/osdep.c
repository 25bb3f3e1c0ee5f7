/*
 * Host OS glue: checked allocation and the host clock.
 */
#define _POSIX_C_SOURCE 200809L
#include "util/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static void NORETURN oom(size_t n)
{
    fprintf(stderr, "x86pc: out of memory allocating %zu bytes\n", n);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        oom(n);
    }
    return p;
}

void *xzalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);

    if (!p) {
        oom(n);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        oom(n);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);

    memcpy(p, s, n);
    return p;
}

void *xalloc_pages(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        oom(n);
    }
    return p;
}

void xfree_pages(void *p, size_t n)
{
    if (p) {
        munmap(p, n);
    }
}

int64_t host_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
