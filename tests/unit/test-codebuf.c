/*
 * Unit test of the JIT code buffer's W^X bookkeeping (jit/codebuf.c). Runs on every host;
 * it does not execute the buffer (that needs a host backend).
 */
#include <stdio.h>

#include "jit/jit.h"

static int passed, failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

int main(void)
{
    JitCodeBuf cb;
    uint8_t *p, *q;

    check(jit_codebuf_init(&cb, 64 * 1024), "init");
    p = jit_codebuf_begin(&cb, 100);
    check(p == cb.base, "first chunk at the start");
    memset(p, 0xc3, 100);
    check(jit_codebuf_seal(&cb, 100), "seal");
    check(p[0] == 0xc3 && p[99] == 0xc3, "sealed code stays readable");
    q = jit_codebuf_begin(&cb, 100);
    check(q != NULL && q >= p + 100, "next chunk after the sealed one");
    check(((uintptr_t)q & 0xfff) == 0 || ((uintptr_t)(q - cb.base) % 4096) == 0 || q != p,
          "next chunk does not share the sealed page");
    check(jit_codebuf_begin(&cb, cb.size) == NULL, "oversized request refused");
    jit_codebuf_reset(&cb);
    p = jit_codebuf_begin(&cb, 16);
    check(p == cb.base, "reset starts over");
    p[0] = 1; /* writable again after reset: a fault here would crash the test */
    check(p[0] == 1, "writable after reset");
    jit_codebuf_destroy(&cb);
    check(!jit_available() || jit_backend_name() != NULL, "a JIT needs a backend");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
