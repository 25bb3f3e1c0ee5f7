/*
 * The JIT: translates decoded guest blocks (cpu/block.c) into host code.
 *
 * Invariants (see README "JIT"):
 *  - The interpreter is the reference. Every translated block has an interpreter
 *    equivalent (the decoded block it was made from); a block the translator cannot
 *    handle simply stays interpreted.
 *  - Host code is W^X: a code buffer is writable while a block is emitted and executable
 *    afterwards, never both; the instruction cache is flushed after sealing (AArch64).
 *  - Host backends live in jit/<host>/ with named opcode constants; nothing else in the
 *    tree knows the host instruction set.
 *
 * Status: the code-buffer layer below exists; translation backends are the JIT issue's
 * work. jit_available() is false until a backend translates blocks, and -accel jit says so.
 * The x86-64 directory already holds the host x87 path of the interpreter
 * (jit/x86_64/hostx87.c, see cpu/fpu.h), whose runs of x87 instructions are generated into
 * a code buffer.
 */
#ifndef X86PC_JIT_JIT_H
#define X86PC_JIT_JIT_H

#include "util/common.h"

/* Name of the backend compiled for this host ("x86_64"), or NULL if none. */
const char *jit_backend_name(void);
/* True when -accel jit can run guest code on this build. */
bool jit_available(void);

/*
 * Executable code buffer: a region handed out in chunks. Emission happens with the
 * region writable; jit_codebuf_seal() makes [start, end) executable and flushes the
 * instruction cache. jit_codebuf_reset() throws every block away (after a flush of the
 * block cache), making the region writable again.
 */
typedef struct JitCodeBuf {
    uint8_t *base;
    size_t size;
    size_t used;     /* bytes handed out */
    size_t sealed;   /* bytes [0, sealed) are executable */
} JitCodeBuf;

bool jit_codebuf_init(JitCodeBuf *cb, size_t size);
void jit_codebuf_destroy(JitCodeBuf *cb);
/* Writable space for up to max bytes, or NULL if the buffer is full (caller resets). */
uint8_t *jit_codebuf_begin(JitCodeBuf *cb, size_t max);
/* Commit len bytes emitted at the pointer from jit_codebuf_begin() and make them executable. */
bool jit_codebuf_seal(JitCodeBuf *cb, size_t len);
void jit_codebuf_reset(JitCodeBuf *cb);

#endif
