/*
 * Stack, control transfer, software interrupt and segment-register handlers.
 *
 * Multi-word stack operations (PUSHA, POPA, ENTER, LEAVE, POP Ev) do all their memory
 * accesses before ESP or any register changes, so a #SS/#PF restarts them cleanly.
 */
#include "cpu/interp.h"

/* Mask a near branch target to the operand size and check it against the CS limit. */
static uint32_t branch_target(X86CPU *cpu, uint32_t target, unsigned osize)
{
    if (osize == 2) {
        target &= 0xffff;
    }
    if (unlikely(target > cpu->seg[R_CS].limit)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    return target;
}

void interp_near_branch(X86CPU *cpu, uint32_t target, unsigned osize)
{
    cpu->eip = branch_target(cpu, target, osize);
}

/* ---- stack ---- */

void h_push(X86CPU *cpu, const DecodedInsn *i)
{
    stack_push(cpu, i->osize, opnd_read(cpu, i, 0));
}

void h_pop(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = stack_load(cpu, 0, i->osize);

    sp_set(cpu, cpu->regs[R_ESP] + i->osize);
    reg_write(cpu, i->op[0].reg, i->osize, v);
}

/* POP Ev: a memory destination's address is computed with the incremented ESP. */
void h_pop_ev(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = stack_load(cpu, 0, i->osize);
    uint32_t old_esp = cpu->regs[R_ESP];

    if (i->op[0].type == OT_MEM) {
        uint32_t ea;

        sp_set(cpu, old_esp + i->osize);
        ea = insn_ea(cpu, i);
        cpu->regs[R_ESP] = old_esp;
        mem_write(cpu, i->seg, ea, i->osize, v);
        sp_set(cpu, old_esp + i->osize);
    } else {
        sp_set(cpu, old_esp + i->osize);
        reg_write(cpu, i->op[0].reg, i->osize, v);
    }
}

/* A 32-bit push of a segment register writes only the selector word (P6 behaviour). */
void h_push_sreg(X86CPU *cpu, const DecodedInsn *i)
{
    stack_store(cpu, i->osize, 2, cpu->seg[i->op[0].reg].selector);
    sp_set(cpu, cpu->regs[R_ESP] - i->osize);
}

void h_pop_sreg(X86CPU *cpu, const DecodedInsn *i)
{
    int seg = i->op[0].reg;
    uint32_t v = stack_load(cpu, 0, i->osize);

    cpu_load_seg(cpu, seg, (uint16_t)v);
    sp_set(cpu, cpu->regs[R_ESP] + i->osize);
    if (seg == R_SS) {
        cpu->inhibit_irq = true;
    }
}

void h_pusha(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->osize;

    for (int r = R_EAX; r <= R_EDI; r++) {
        stack_store(cpu, (uint32_t)(r + 1) * s, s, reg_read(cpu, (unsigned)r, s));
    }
    sp_set(cpu, cpu->regs[R_ESP] - 8 * s);
}

void h_popa(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->osize;
    uint32_t v[8];

    for (int r = R_EAX; r <= R_EDI; r++) {
        v[r] = stack_load(cpu, (uint32_t)(7 - r) * s, s);
    }
    for (int r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            reg_write(cpu, (unsigned)r, s, v[r]);
        }
    }
    sp_set(cpu, cpu->regs[R_ESP] + 8 * s);
}

/*
 * PUSHF: in v86 mode with IOPL < 3, #GP(0) unless CR4.VME and a 16-bit operand size,
 * when the image has VIF in place of IF and IOPL reads as 3. The pushed 32-bit image
 * has VM and RF clear.
 */
void h_pushf(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t f = cpu_get_eflags(cpu);

    if ((cpu->hflags & HF_VM) && cpu_iopl(cpu) < 3) {
        if (!(cpu->cr[4] & CR4_VME) || i->osize != 2) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        f = (f & ~EF_IF) | ((f & EF_VIF) ? EF_IF : 0) | EF_IOPL;
    }
    stack_push(cpu, i->osize, i->osize == 2 ? f & 0xffff : f & ~(EF_VM | EF_RF));
}

/*
 * POPF. VM, VIP and VIF never change; RF is cleared. IOPL changes only at CPL 0 (real
 * mode counts as CPL 0), IF only when CPL <= IOPL. In v86 mode: IOPL 3 behaves like
 * CPL 3 <= IOPL (IOPL itself kept); IOPL < 3 is #GP(0) unless CR4.VME and a 16-bit
 * operand size, when the popped IF goes to VIF (#GP if it would set VIF with VIP
 * pending, or if it sets TF).
 */
void h_popf(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t old = cpu_get_eflags(cpu);
    uint32_t v = stack_load(cpu, 0, i->osize);
    uint32_t mask = (i->osize == 2) ? 0x7fd5u : 0x247fd5u;
    uint32_t nf;

    if (cpu->hflags & HF_VM) {
        if (cpu_iopl(cpu) < 3) {
            if (!(cpu->cr[4] & CR4_VME) || i->osize != 2) {
                cpu_raise_exception(cpu, EXC_GP, 0);
            }
            if (((v & EF_IF) && (old & EF_VIP)) || (v & EF_TF)) {
                cpu_raise_exception(cpu, EXC_GP, 0);
            }
            mask &= ~(EF_IOPL | EF_IF);
            nf = (old & ~mask) | (v & mask);
            nf = (nf & ~EF_VIF) | ((v & EF_IF) ? EF_VIF : 0);
        } else {
            mask &= ~EF_IOPL;
            nf = (old & ~mask) | (v & mask);
        }
    } else {
        if ((cpu->hflags & HF_PE) && cpu_cpl(cpu) > 0) {
            mask &= ~EF_IOPL;
            if (cpu_cpl(cpu) > cpu_iopl(cpu)) {
                mask &= ~EF_IF;
            }
        }
        nf = (old & ~mask) | (v & mask);
    }
    sp_set(cpu, cpu->regs[R_ESP] + i->osize);
    cpu_set_eflags(cpu, nf & ~EF_RF);
}

/* ENTER: level is taken mod 32; the frame pointer copies use the stack address size. */
void h_enter(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->osize;
    uint32_t alloc = i->imm & 0xffff, level = i->imm2 & 0x1f;
    uint32_t mask = sp_mask(cpu);
    uint32_t sp = cpu->regs[R_ESP], bp = cpu->regs[R_EBP], frame;

    sp -= s;
    mem_write(cpu, R_SS, sp & mask, s, reg_read(cpu, R_EBP, s));
    frame = sp;
    if (level > 0) {
        for (uint32_t k = 1; k < level; k++) {
            bp -= s;
            sp -= s;
            mem_write(cpu, R_SS, sp & mask, s, mem_read(cpu, R_SS, bp & mask, s));
        }
        sp -= s;
        mem_write(cpu, R_SS, sp & mask, s, frame);
    }
    sp -= alloc;
    /* The last byte of the new frame must be writable (#SS/#PF before committing). */
    if (alloc) {
        cpu_check_write(cpu, R_SS, sp & mask, 1);
    }
    reg_write(cpu, R_EBP, s, frame & mask);
    sp_set(cpu, sp);
}

void h_leave(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t mask = sp_mask(cpu);
    uint32_t bp = cpu->regs[R_EBP] & mask;
    uint32_t v = mem_read(cpu, R_SS, bp, i->osize);

    sp_set(cpu, bp + i->osize);
    reg_write(cpu, R_EBP, i->osize, v);
}

/* ---- near branches ---- */

void h_jmp(X86CPU *cpu, const DecodedInsn *i)
{
    interp_near_branch(cpu, cpu->eip + i->imm, i->osize);
}

void h_jcc(X86CPU *cpu, const DecodedInsn *i)
{
    if (cpu_cond(cpu, i->opc & 0xf)) {
        interp_near_branch(cpu, cpu->eip + i->imm, i->osize);
    }
}

void h_jmp_ind(X86CPU *cpu, const DecodedInsn *i)
{
    interp_near_branch(cpu, opnd_read(cpu, i, 0), i->osize);
}

void h_call(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t t = branch_target(cpu, cpu->eip + i->imm, i->osize);

    stack_push(cpu, i->osize, cpu->eip);
    cpu->eip = t;
}

void h_call_ind(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t t = branch_target(cpu, opnd_read(cpu, i, 0), i->osize);

    stack_push(cpu, i->osize, cpu->eip);
    cpu->eip = t;
}

void h_ret(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t t = branch_target(cpu, stack_load(cpu, 0, i->osize), i->osize);
    uint32_t imm = i->op[0].type == OT_IMM ? (i->imm & 0xffff) : 0;

    sp_set(cpu, cpu->regs[R_ESP] + i->osize + imm);
    cpu->eip = t;
}

/* LOOP/LOOPE/LOOPNE/JCXZ count with CX or ECX by address size. */
static void loop_common(X86CPU *cpu, const DecodedInsn *i, int kind)
{
    uint32_t amask = i->asize == 2 ? 0xffff : 0xffffffffu;
    uint32_t c = (cpu->regs[R_ECX] - 1) & amask;
    bool take = c != 0;

    if (kind == 1) {
        take = take && cpu_cond(cpu, 4);  /* ZF = 1 */
    } else if (kind == 2) {
        take = take && cpu_cond(cpu, 5);  /* ZF = 0 */
    }
    if (take) {
        uint32_t t = branch_target(cpu, cpu->eip + i->imm, i->osize);

        cpu->regs[R_ECX] = (cpu->regs[R_ECX] & ~amask) | c;
        cpu->eip = t;
    } else {
        cpu->regs[R_ECX] = (cpu->regs[R_ECX] & ~amask) | c;
    }
}

void h_loop(X86CPU *cpu, const DecodedInsn *i)
{
    loop_common(cpu, i, 0);
}

void h_loope(X86CPU *cpu, const DecodedInsn *i)
{
    loop_common(cpu, i, 1);
}

void h_loopne(X86CPU *cpu, const DecodedInsn *i)
{
    loop_common(cpu, i, 2);
}

void h_jcxz(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t c = i->asize == 2 ? cpu->regs[R_ECX] & 0xffff : cpu->regs[R_ECX];

    if (c == 0) {
        interp_near_branch(cpu, cpu->eip + i->imm, i->osize);
    }
}

/* ---- far transfers (system level does the checks) ---- */

void h_jmp_far(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_far_jmp(cpu, (uint16_t)i->imm2, i->imm, cpu->eip);
}

void h_call_far(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_far_call(cpu, (uint16_t)i->imm2, i->imm, i->osize == 4, cpu->eip);
}

static void far_ptr(X86CPU *cpu, const DecodedInsn *i, uint32_t *off, uint16_t *sel)
{
    uint32_t ea = insn_ea(cpu, i);
    uint32_t amask = i->asize == 2 ? 0xffff : 0xffffffffu;

    *off = mem_read(cpu, i->seg, ea, i->osize);
    *sel = (uint16_t)mem_read(cpu, i->seg, (ea + i->osize) & amask, 2);
}

void h_jmp_far_ind(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t off;
    uint16_t sel;

    far_ptr(cpu, i, &off, &sel);
    cpu_far_jmp(cpu, sel, off, cpu->eip);
}

void h_call_far_ind(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t off;
    uint16_t sel;

    far_ptr(cpu, i, &off, &sel);
    cpu_far_call(cpu, sel, off, i->osize == 4, cpu->eip);
}

void h_retf(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_far_ret(cpu, i->osize == 4, i->op[0].type == OT_IMM ? (uint16_t)i->imm : 0);
}

/* IRET also ends NMI blocking (SDM vol. 3 "NMI handling while processing an NMI"). */
void h_iret(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_iret(cpu, i->osize == 4);
    cpu->nmi_blocked = false;
}

/* ---- software interrupts ---- */

void h_int(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_interrupt(cpu, (int)(i->imm & 0xff), EXC_KIND_SOFT, cpu->eip);
}

void h_int3(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_interrupt(cpu, EXC_BP, EXC_KIND_INT3, cpu->eip);
}

void h_into(X86CPU *cpu, const DecodedInsn *i)
{
    if (cpu_cc_compute_all(cpu) & CC_O) {
        cpu_raise_interrupt(cpu, EXC_OF, EXC_KIND_INTO, cpu->eip);
    }
}

void h_int1(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_interrupt(cpu, EXC_DB, EXC_KIND_ICEBP, cpu->eip);
}

/* ---- segment registers ---- */

/* MOV r/m, Sreg: a register destination with 32-bit operand size is zero-extended. */
void h_mov_from_sreg(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = cpu->seg[i->op[1].reg].selector;

    if (i->op[0].type == OT_REG) {
        reg_write(cpu, i->op[0].reg, i->osize, v);
    } else {
        mem_write(cpu, i->seg, insn_ea(cpu, i), 2, v);
    }
}

/* MOV Sreg, r/m: CS is not a valid destination (#UD). SS starts an interrupt shadow. */
void h_mov_to_sreg(X86CPU *cpu, const DecodedInsn *i)
{
    int seg = i->op[0].reg;

    if (seg == R_CS) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    cpu_load_seg(cpu, seg, (uint16_t)opnd_read(cpu, i, 1));
    if (seg == R_SS) {
        cpu->inhibit_irq = true;
    }
}

/* LES/LDS/LSS/LFS/LGS: the segment is loaded (and may fault) before the register. */
void h_lseg(X86CPU *cpu, const DecodedInsn *i)
{
    int seg;
    uint32_t off;
    uint16_t sel;

    switch (i->opc) {
    case 0xc4: seg = R_ES; break;
    case 0xc5: seg = R_DS; break;
    case 0xb2: seg = R_SS; break;
    case 0xb4: seg = R_FS; break;
    default: seg = R_GS; break;
    }
    far_ptr(cpu, i, &off, &sel);
    cpu_load_seg(cpu, seg, sel);
    reg_write(cpu, i->op[0].reg, i->osize, off);
}
