/*
 * String instructions MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS with REP/REPE/REPNE.
 *
 * ESI, EDI and ECX are committed after every element, so a fault in the middle of a
 * REP leaves the registers describing the remaining work and the restarted instruction
 * continues from there (as hardware does). A REP instruction does at most
 * STRING_BURST elements per handler call (one with EFLAGS.TF, for the single-step trap
 * of each iteration; fewer when a data breakpoint hits); if work remains, EIP is set
 * back to the instruction and the block ends, so pending interrupts are taken between
 * bursts and the instruction re-executes (the usual restartable-REP behaviour). Each
 * call counts as one retired instruction, which keeps -icount deterministic.
 */
#include "cpu/interp.h"

#define STRING_BURST 1024

enum { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

static inline void index_add(X86CPU *cpu, int reg, uint32_t amask, uint32_t delta)
{
    cpu->regs[reg] = (cpu->regs[reg] & ~amask) | ((cpu->regs[reg] + delta) & amask);
}

/* Port I/O goes to the bus as is: the bus logs every access (-d ioport), whoever makes it. */
uint32_t interp_io_read(X86CPU *cpu, uint16_t port, unsigned size)
{
    return cpu->bus->io_read(cpu->bus_opaque, port, size) & size_mask(size);
}

void interp_io_write(X86CPU *cpu, uint16_t port, unsigned size, uint32_t v)
{
    cpu->bus->io_write(cpu->bus_opaque, port, v & size_mask(size), size);
}

static void string_op(X86CPU *cpu, const DecodedInsn *i, int kind)
{
    unsigned s = kind == STR_OUTS ? i->op[1].size : i->op[0].size;
    uint32_t amask = i->asize == 2 ? 0xffffu : 0xffffffffu;
    uint32_t delta = (cpu->eflags & EF_DF) ? (uint32_t)-(int32_t)s : s;
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    bool rep = i->rep != REP_NONE;
    /* With TF every iteration traps; with data breakpoints enabled one may hit. */
    unsigned burst = (cpu->eflags & EF_TF) ? 1 : STRING_BURST;
    bool watch = (cpu->dr[7] & 0xff) != 0;
    unsigned n = 0;

    if (kind == STR_INS || kind == STR_OUTS) {
        cpu_check_io(cpu, port, s);
    }
    for (;;) {
        uint32_t si = cpu->regs[R_ESI] & amask, di = cpu->regs[R_EDI] & amask;
        uint32_t a, b;

        if (rep && (cpu->regs[R_ECX] & amask) == 0) {
            return;
        }
        switch (kind) {
        case STR_MOVS:
            a = mem_read(cpu, i->seg, si, s);
            mem_write(cpu, R_ES, di, s, a);
            index_add(cpu, R_ESI, amask, delta);
            index_add(cpu, R_EDI, amask, delta);
            break;
        case STR_CMPS:
            a = mem_read(cpu, i->seg, si, s);
            b = mem_read(cpu, R_ES, di, s);
            index_add(cpu, R_ESI, amask, delta);
            index_add(cpu, R_EDI, amask, delta);
            cc_set(cpu, CC_OP_SUB8 + size_wi(s), (a - b) & size_mask(s), a, b);
            break;
        case STR_STOS:
            mem_write(cpu, R_ES, di, s, reg_read(cpu, R_EAX, s));
            index_add(cpu, R_EDI, amask, delta);
            break;
        case STR_LODS:
            a = mem_read(cpu, i->seg, si, s);
            reg_write(cpu, R_EAX, s, a);
            index_add(cpu, R_ESI, amask, delta);
            break;
        case STR_SCAS:
            a = reg_read(cpu, R_EAX, s);
            b = mem_read(cpu, R_ES, di, s);
            index_add(cpu, R_EDI, amask, delta);
            cc_set(cpu, CC_OP_SUB8 + size_wi(s), (a - b) & size_mask(s), a, b);
            break;
        case STR_INS:
            /* Probe the destination first so a fault does not lose the port read. */
            cpu_check_write(cpu, R_ES, di, s);
            a = interp_io_read(cpu, port, s);
            mem_write(cpu, R_ES, di, s, a);
            index_add(cpu, R_EDI, amask, delta);
            break;
        default: /* STR_OUTS */
            a = mem_read(cpu, i->seg, si, s);
            interp_io_write(cpu, port, s, a);
            index_add(cpu, R_ESI, amask, delta);
            break;
        }
        if (!rep) {
            return;
        }
        index_add(cpu, R_ECX, amask, (uint32_t)-1);
        if ((cpu->regs[R_ECX] & amask) == 0) {
            return;
        }
        if (kind == STR_CMPS || kind == STR_SCAS) {
            bool zf = (cpu->cc_res & size_mask(s)) == 0;

            if ((i->rep == REP_Z && !zf) || (i->rep == REP_NZ && zf)) {
                return;
            }
        }
        /*
         * Stop between iterations after a burst, after a data breakpoint hit (its #DB
         * trap comes after that iteration) or, with TF, after every iteration (each
         * one single-steps). EIP stays at the instruction, and RF is set so that an
         * event taken now pushes RF = 1 (the SDM's rule for an event between iterations)
         * and an instruction breakpoint on the instruction does not fire again when it
         * resumes; RF is cleared again as the instruction restarts (cpu/exec.c).
         */
        if (++n >= burst || (watch && cpu->dr6_pending)) {
            cpu->eip = cpu->insn_start_eip;
            cpu->eflags |= EF_RF;
            cpu_end_block(cpu);
            return;
        }
    }
}

void h_movs(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_MOVS);
}

void h_cmps(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_CMPS);
}

void h_stos(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_STOS);
}

void h_lods(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_LODS);
}

void h_scas(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_SCAS);
}

void h_ins(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_INS);
}

void h_outs(X86CPU *cpu, const DecodedInsn *i)
{
    string_op(cpu, i, STR_OUTS);
}
