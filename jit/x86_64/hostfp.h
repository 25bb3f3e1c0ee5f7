/*
 * Shared between the host x87 and host SSE paths of x86-64 hosts (hostx87.c, hostsse.c;
 * contract in cpu/fpu.h).
 */
#ifndef X86PC_JIT_X86_64_HOSTFP_H
#define X86PC_JIT_X86_64_HOSTFP_H

#include "cpu/block.h"
#include "jit/jit.h"

/* Code generated for a block cache's hot blocks (BlockCache.host_x87). */
typedef struct HostX87Code {
    JitCodeBuf cb;
    bool full; /* no more code until the next flush */
} HostX87Code;

/*
 * SSE: hostsse_emit() writes the host code of d at p (4-byte aligned) and returns its
 * length, or 0 when d has no host form; hostsse_install() then makes d run it, once the
 * code at offset off of the buffer is executable. meta carries what emit worked out.
 */
size_t hostsse_emit(const X86CPU *cpu, const DecodedInsn *d, uint8_t *p, uint32_t *meta);
void hostsse_install(DecodedInsn *d, uint32_t off, uint32_t meta);
/* Runs of such instructions (hostsse.c): may the instruction with this meta be in one;
 * emit the run of n instructions from first (descriptor and code at p, 4-byte aligned;
 * returns the length, 0 if it cannot be one run); make first run it. */
bool hostsse_run_member(uint32_t meta);
size_t hostsse_emit_run(const DecodedInsn *first, unsigned n, const uint32_t *meta,
                        uint8_t *p, const uint8_t *base, uint32_t *desc_off);
void hostsse_install_run(DecodedInsn *first, uint32_t desc_off);

#endif
