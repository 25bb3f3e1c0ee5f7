/*
 * Interpreter: instruction handlers (cpu/interp-*.c) and what they share.
 *
 * Handler contract: the exec loop sets cpu->insn_start_eip to the instruction's EIP and
 * cpu->eip to the EIP of the next instruction before calling i->handler, so a handler
 * sees "next EIP" in cpu->eip and only writes it to branch. Faults leave through
 * cpu_raise_exception(), which restores EIP; so a handler does all of its possibly
 * faulting accesses before it commits registers or flags (see cpu/helper.h). String
 * instructions commit ESI/EDI/ECX per element instead.
 *
 * Privilege (F_PRIV) and protected-mode-only (F_PM) checks are done once when a block is
 * decoded (CPL, PE and VM are part of the block key): such instructions get h_gp0 or h_ud
 * as their handler instead. Otherwise a few frequent 32-bit operand forms get a
 * specialised handler with the same semantics (interp_specialize(), cpu/interp-fast.c).
 */
#ifndef X86PC_CPU_INTERP_H
#define X86PC_CPU_INTERP_H

#include "cpu/decode.h"
#include "cpu/mmu.h"

/* Every handler named in cpu/insn.def. */
#define X(map, op, reg, pfx, mn, h, o1, o2, o3, fl) void h_##h(X86CPU *cpu, const DecodedInsn *i);
#include "cpu/insn.def"
#undef X
/* Substitute handlers installed by the block builder. */
void h_ud_decode(X86CPU *cpu, const DecodedInsn *i);
void h_gp0(X86CPU *cpu, const DecodedInsn *i);

/* ---- lazy flags (cpu/flags.c) ---- */
/*
 * cc_op says how the six arithmetic flags follow from cc_res/cc_src1/cc_src2:
 *   CC_OP_EFLAGS    cc_src1 holds the flags themselves.
 *   CC_OP_ADDn      res = src1 + src2 (+ carry): ADD, ADC (carry-out and overflow are
 *                   recoverable from the operands and result whatever the carry-in).
 *   CC_OP_SUBn      res = src1 - src2 (- borrow): SUB, SBB, CMP, NEG (src1 = 0).
 *   CC_OP_INCn/DECn res = src1 +/- 1; cc_src2 holds the preserved CF.
 *   CC_OP_RESn      SF/ZF/PF from res; CF/OF/AF are the bits of cc_src1 (logic ops,
 *                   shifts, multiplies: whatever computed them eagerly).
 * n is the width: +0 byte, +1 word, +2 dword. For every cc_op other than CC_OP_EFLAGS,
 * cc_res holds the result masked to the width (so ZF is cc_res == 0); the operands in
 * cc_src1/cc_src2 need not be masked.
 */
enum {
    CC_OP_EFLAGS,
    CC_OP_ADD8, CC_OP_ADD16, CC_OP_ADD32,
    CC_OP_SUB8, CC_OP_SUB16, CC_OP_SUB32,
    CC_OP_INC8, CC_OP_INC16, CC_OP_INC32,
    CC_OP_DEC8, CC_OP_DEC16, CC_OP_DEC32,
    CC_OP_RES8, CC_OP_RES16, CC_OP_RES32,
};

/* Width index of an operand size: 1 -> 0, 2 -> 1, 4 -> 2. */
static inline unsigned size_wi(unsigned size)
{
    return size >> 1;
}

static inline uint32_t size_mask(unsigned size)
{
    return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static inline uint32_t size_sign(unsigned size)
{
    return 1u << (size * 8 - 1);
}

static inline void cc_set(X86CPU *cpu, unsigned op, uint32_t res, uint32_t src1, uint32_t src2)
{
    cpu->cc_op = op;
    cpu->cc_res = res;
    cpu->cc_src1 = src1;
    cpu->cc_src2 = src2;
}

/* Set all six arithmetic flags eagerly. */
static inline void cc_set_flags(X86CPU *cpu, uint32_t flags)
{
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src1 = flags & CC_ALL;
}

/* Result-based flags: SF/ZF/PF from res (of width size), CF/OF/AF given. */
static inline void cc_set_res(X86CPU *cpu, unsigned size, uint32_t res, uint32_t cf_of_af)
{
    cc_set(cpu, CC_OP_RES8 + size_wi(size), res & size_mask(size), cf_of_af, 0);
}

bool cpu_cond(X86CPU *cpu, unsigned cc); /* Jcc condition cc (0..15) */

/* Sign bit of the width of a cc_op other than CC_OP_EFLAGS. */
static inline uint32_t cc_op_sign(uint32_t op)
{
    return 1u << ((8u << ((op - 1) % 3)) - 1);
}

/*
 * CF alone from the lazy state (ADC, SBB, INC/DEC, RCL/RCR...), without materialising
 * the other five flags. Only the sign-bit position of the operands matters, so operands
 * need not be masked to the width.
 */
static inline uint32_t cc_add_cf(uint32_t a, uint32_t b, uint32_t res, uint32_t sign)
{
    return (((a & b) | ((a ^ b) & ~res)) & sign) ? CC_C : 0;
}

static inline uint32_t cc_sub_cf(uint32_t a, uint32_t b, uint32_t res, uint32_t sign)
{
    return (((~a & b) | (~(a ^ b) & res)) & sign) ? CC_C : 0;
}

static inline uint32_t cc_cf(const X86CPU *cpu)
{
    uint32_t a = cpu->cc_src1, b = cpu->cc_src2, res = cpu->cc_res;

    switch (cpu->cc_op) {
    case CC_OP_ADD8: return cc_add_cf(a, b, res, 0x80u);
    case CC_OP_ADD16: return cc_add_cf(a, b, res, 0x8000u);
    case CC_OP_ADD32: return cc_add_cf(a, b, res, 0x80000000u);
    case CC_OP_SUB8: return cc_sub_cf(a, b, res, 0x80u);
    case CC_OP_SUB16: return cc_sub_cf(a, b, res, 0x8000u);
    case CC_OP_SUB32: return cc_sub_cf(a, b, res, 0x80000000u);
    case CC_OP_INC8: case CC_OP_INC16: case CC_OP_INC32:
    case CC_OP_DEC8: case CC_OP_DEC16: case CC_OP_DEC32:
        return b & CC_C;
    default:
        return a & CC_C; /* CC_OP_EFLAGS, CC_OP_RESn */
    }
}

/* ZF alone from the lazy state (cc_res is masked to the width, see above). */
static inline bool cc_zf(const X86CPU *cpu)
{
    return cpu->cc_op == CC_OP_EFLAGS ? (cpu->cc_src1 & CC_Z) != 0 : cpu->cc_res == 0;
}

/*
 * The handler to run for a decoded instruction: a specialised one for a few frequent
 * 32-bit operand forms, else d->handler (cpu/interp-fast.c; called by the block builder).
 */
InsnHandler interp_specialize(const DecodedInsn *d);
/* The same for the x87 rows of h_fpu (cpu/interp-fpu.c) and for a few SSE2 forms of
 * h_simd (cpu/interp-sse.c). */
InsnHandler fpu_specialize(const DecodedInsn *d);
InsnHandler simd_specialize(const DecodedInsn *d);
/* Does the CPU model have the feature of this MMX/SSE/SSE2 instruction (else #UD)? */
bool simd_model_has(const X86CPU *cpu, const DecodedInsn *d);

/* ---- register access ---- */
static inline uint32_t reg_read(const X86CPU *cpu, unsigned r, unsigned size)
{
    switch (size) {
    case 1:
        return r < 4 ? cpu->regs[r] & 0xff : (cpu->regs[r - 4] >> 8) & 0xff;
    case 2:
        return cpu->regs[r] & 0xffff;
    default:
        return cpu->regs[r];
    }
}

static inline void reg_write(X86CPU *cpu, unsigned r, unsigned size, uint32_t v)
{
    switch (size) {
    case 1:
        if (r < 4) {
            cpu->regs[r] = (cpu->regs[r] & ~0xffu) | (v & 0xff);
        } else {
            cpu->regs[r - 4] = (cpu->regs[r - 4] & ~0xff00u) | ((v & 0xff) << 8);
        }
        break;
    case 2:
        cpu->regs[r] = (cpu->regs[r] & 0xffff0000u) | (v & 0xffff);
        break;
    default:
        cpu->regs[r] = v;
        break;
    }
}

/* Segmented memory access with the fast path inline (cpu/mmu.h). */
static inline uint32_t mem_read(X86CPU *cpu, int seg, uint32_t off, unsigned size)
{
    switch (size) {
    case 1:
        return cpu_ld8_inline(cpu, seg, off);
    case 2:
        return cpu_ld16_inline(cpu, seg, off);
    default:
        return cpu_ld32_inline(cpu, seg, off);
    }
}

static inline void mem_write(X86CPU *cpu, int seg, uint32_t off, unsigned size, uint32_t v)
{
    switch (size) {
    case 1:
        cpu_st8_inline(cpu, seg, off, (uint8_t)v);
        break;
    case 2:
        cpu_st16_inline(cpu, seg, off, (uint16_t)v);
        break;
    default:
        cpu_st32_inline(cpu, seg, off, v);
        break;
    }
}

/* Read operand n (register, memory, immediate or segment selector). */
static inline uint32_t opnd_read(X86CPU *cpu, const DecodedInsn *i, int n)
{
    const InsnOperand *o = &i->op[n];

    switch (o->type) {
    case OT_REG:
        return reg_read(cpu, o->reg, o->size);
    case OT_MEM:
        return mem_read(cpu, i->seg, insn_ea(cpu, i), o->size);
    case OT_IMM:
        return o->reg == 0 ? i->imm : o->reg == 1 ? i->imm2 : 1;
    case OT_SREG:
        return cpu->seg[o->reg].selector;
    default:
        return 0;
    }
}

static inline void opnd_write(X86CPU *cpu, const DecodedInsn *i, int n, uint32_t v)
{
    const InsnOperand *o = &i->op[n];

    if (o->type == OT_REG) {
        reg_write(cpu, o->reg, o->size, v);
    } else {
        mem_write(cpu, i->seg, insn_ea(cpu, i), o->size, v);
    }
}

/* For read-modify-write memory destinations: fault on a read-only page before reading. */
static inline void opnd_check_rmw(X86CPU *cpu, const DecodedInsn *i, int n)
{
    if (i->op[n].type == OT_MEM) {
        cpu_check_write(cpu, i->seg, insn_ea(cpu, i), i->op[n].size);
    }
}

/* ---- stack (SS, ESP or SP by SS.B) ---- */
static inline uint32_t sp_mask(const X86CPU *cpu)
{
    return (cpu->hflags & HF_SS32) ? 0xffffffffu : 0xffffu;
}

static inline void sp_set(X86CPU *cpu, uint32_t v)
{
    uint32_t m = sp_mask(cpu);

    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (v & m);
}

/* Store at SS:(ESP - depth); does not move ESP. */
static inline void stack_store(X86CPU *cpu, uint32_t depth, unsigned size, uint32_t v)
{
    mem_write(cpu, R_SS, (cpu->regs[R_ESP] - depth) & sp_mask(cpu), size, v);
}

/* Load from SS:(ESP + offset); does not move ESP. */
static inline uint32_t stack_load(X86CPU *cpu, uint32_t offset, unsigned size)
{
    return mem_read(cpu, R_SS, (cpu->regs[R_ESP] + offset) & sp_mask(cpu), size);
}

static inline void stack_push(X86CPU *cpu, unsigned size, uint32_t v)
{
    stack_store(cpu, size, size, v);
    sp_set(cpu, cpu->regs[R_ESP] - size);
}

static inline uint32_t stack_pop(X86CPU *cpu, unsigned size)
{
    uint32_t v = stack_load(cpu, 0, size);

    sp_set(cpu, cpu->regs[R_ESP] + size);
    return v;
}

/* ---- misc ---- */
static inline unsigned cpu_cpl(const X86CPU *cpu)
{
    return cpu->hflags & HF_CPL_MASK;
}

static inline unsigned cpu_iopl(const X86CPU *cpu)
{
    return (cpu->eflags & EF_IOPL) >> EF_IOPL_SHIFT;
}

static inline bool cpu_real_or_v86(const X86CPU *cpu)
{
    return !(cpu->hflags & HF_PE) || (cpu->hflags & HF_VM);
}

/* Near branch to target (masked to the operand size); #GP(0) beyond the CS limit. */
void interp_near_branch(X86CPU *cpu, uint32_t target, unsigned osize);

/* Port I/O through the bus, logged with -d ioport (cpu/interp-string.c). */
uint32_t interp_io_read(X86CPU *cpu, uint16_t port, unsigned size);
void interp_io_write(X86CPU *cpu, uint16_t port, unsigned size, uint32_t v);

/* Log an unimplemented instruction (-d unimp) with its bytes' mnemonic. */
void interp_log_unimp(X86CPU *cpu, const DecodedInsn *i, const char *why);

#endif
