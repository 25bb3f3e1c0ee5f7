/*
 * System instruction handlers: port I/O, HLT, CLI/STI, CPUID/RDTSC/MSRs, descriptor
 * tables, control and debug registers, protection checks (ARPL/LAR/LSL/VERR/VERW) and
 * the #UD handler of the not-yet-implemented MMX/SSE extensions.
 */
#include "cpu/interp.h"

void interp_log_unimp(X86CPU *cpu, const DecodedInsn *i, const char *why)
{
    if (log_enabled(LOG_UNIMP)) {
        const InsnInfo *e = i->info < insn_table_size ? insn_info(i) : NULL;

        log_printf("unimp: %s %s at %04x:%08x\n", why, e ? e->mnem : "?",
                   cpu->seg[R_CS].selector, cpu->insn_start_eip);
    }
}

void h_ud_decode(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_exception(cpu, EXC_UD, 0);
}

void h_gp0(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_exception(cpu, EXC_GP, 0);
}

void h_ud(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_exception(cpu, EXC_UD, 0);
}

/* RSM is only valid in SMM, which this CPU never enters. */
void h_rsm(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_raise_exception(cpu, EXC_UD, 0);
}

/* ---- port I/O ---- */

void h_in(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint16_t port = i->op[1].type == OT_IMM ? (uint16_t)(i->imm & 0xff) : (uint16_t)cpu->regs[R_EDX];

    cpu_check_io(cpu, port, s);
    reg_write(cpu, R_EAX, s, interp_io_read(cpu, port, s));
}

void h_out(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[1].size;
    uint16_t port = i->op[0].type == OT_IMM ? (uint16_t)(i->imm & 0xff) : (uint16_t)cpu->regs[R_EDX];

    cpu_check_io(cpu, port, s);
    interp_io_write(cpu, port, s, reg_read(cpu, R_EAX, s));
}

/* ---- HLT, CLI, STI ---- */

/* HLT retires (EIP is past it); cpu_exec returns CPU_EXIT_HALTED until an interrupt. */
void h_hlt(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->halted = true;
    cpu_end_block(cpu);
}

/*
 * CLI/STI: allowed when CPL <= IOPL (always in real mode). Otherwise, with CR4.PVI at
 * CPL 3 in protected mode or CR4.VME in v86 mode, they change VIF; else #GP(0).
 * STI with VIP pending in that case is #GP(0).
 */
static bool if_change_allowed(X86CPU *cpu, bool *virt)
{
    *virt = false;
    if (!(cpu->hflags & HF_PE)) {
        return true;
    }
    if (cpu->hflags & HF_VM) {
        if (cpu_iopl(cpu) == 3) {
            return true;
        }
        *virt = (cpu->cr[4] & CR4_VME) != 0;
        return *virt;
    }
    if (cpu_iopl(cpu) >= cpu_cpl(cpu)) {
        return true;
    }
    *virt = cpu_cpl(cpu) == 3 && (cpu->cr[4] & CR4_PVI);
    return *virt;
}

void h_cli(X86CPU *cpu, const DecodedInsn *i)
{
    bool virt;

    if (!if_change_allowed(cpu, &virt)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu->eflags &= virt ? ~EF_VIF : ~EF_IF;
}

/* STI: interrupts stay blocked until after the next instruction if IF was clear. */
void h_sti(X86CPU *cpu, const DecodedInsn *i)
{
    bool virt;

    if (!if_change_allowed(cpu, &virt)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (virt) {
        if (cpu->eflags & EF_VIP) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        cpu->eflags |= EF_VIF;
        return;
    }
    if (!(cpu->eflags & EF_IF)) {
        cpu->eflags |= EF_IF;
        cpu->inhibit_irq = true;
    }
}

/* ---- identification, time stamp, MSRs ---- */

void h_cpuid(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t out[4];

    cpu_cpuid(cpu, cpu->regs[R_EAX], cpu->regs[R_ECX], out);
    cpu->regs[R_EAX] = out[0];
    cpu->regs[R_EBX] = out[1];
    cpu->regs[R_ECX] = out[2];
    cpu->regs[R_EDX] = out[3];
}

/* RDTSC: #GP(0) if CR4.TSD and CPL > 0 (v86 mode is CPL 3). */
void h_rdtsc(X86CPU *cpu, const DecodedInsn *i)
{
    uint64_t t;

    if ((cpu->cr[4] & CR4_TSD) && (cpu->hflags & HF_PE) && cpu_cpl(cpu) > 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    t = cpu_rdtsc(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = (uint32_t)(t >> 32);
}

void h_rdmsr(X86CPU *cpu, const DecodedInsn *i)
{
    uint64_t v;

    if (!cpu_rdmsr(cpu, cpu->regs[R_ECX], &v)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void h_wrmsr(X86CPU *cpu, const DecodedInsn *i)
{
    uint64_t v = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];

    if (!cpu_wrmsr(cpu, cpu->regs[R_ECX], v)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

/*
 * RDPMC: P6 has two 40-bit counters, PerfCtr0/1 (MSRs 0xC1/0xC2). #GP(0) unless CPL 0
 * or CR4.PCE, or for a counter number other than 0 and 1.
 */
void h_rdpmc(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t n = cpu->regs[R_ECX];
    uint64_t v;

    if (((cpu->hflags & HF_PE) && cpu_cpl(cpu) > 0 && !(cpu->cr[4] & CR4_PCE)) || n > 1) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!cpu_rdmsr(cpu, 0xc1 + n, &v)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32) & 0xff;
}

/* SYSENTER/SYSEXIT exist only where CPUID reports SEP (not on the Pentium Pro model):
 * without it they are #UD at any CPL, so SYSEXIT's CPL 0 check is cpu_sysexit()'s, not
 * the decoder's F_PRIV. */
void h_sysenter(X86CPU *cpu, const DecodedInsn *i)
{
    if (!(cpu->model->features_edx & CPUID_SEP)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    cpu_sysenter(cpu);
}

void h_sysexit(X86CPU *cpu, const DecodedInsn *i)
{
    if (!(cpu->model->features_edx & CPUID_SEP)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    cpu_sysexit(cpu);
}

/* ---- descriptor tables ---- */

/* LGDT/LIDT: a 16-bit operand size loads a 24-bit base. */
static void load_dtr(X86CPU *cpu, const DecodedInsn *i, DTReg *dt)
{
    uint32_t ea = insn_ea(cpu, i);
    uint32_t amask = i->asize == 2 ? 0xffff : 0xffffffffu;
    uint16_t limit = cpu_ld16(cpu, i->seg, ea);
    uint32_t base = cpu_ld32(cpu, i->seg, (ea + 2) & amask);

    dt->limit = limit;
    dt->base = i->osize == 2 ? base & 0xffffff : base;
}

/* SGDT/SIDT: with a 16-bit operand size the byte above the 24-bit base is stored as 0. */
static void store_dtr(X86CPU *cpu, const DecodedInsn *i, const DTReg *dt)
{
    uint32_t ea = insn_ea(cpu, i);
    uint32_t amask = i->asize == 2 ? 0xffff : 0xffffffffu;

    cpu_check_write(cpu, i->seg, ea, 6);
    cpu_st16(cpu, i->seg, ea, dt->limit);
    cpu_st32(cpu, i->seg, (ea + 2) & amask, i->osize == 2 ? dt->base & 0xffffff : dt->base);
}

void h_lgdt(X86CPU *cpu, const DecodedInsn *i)
{
    load_dtr(cpu, i, &cpu->gdt);
}

void h_lidt(X86CPU *cpu, const DecodedInsn *i)
{
    load_dtr(cpu, i, &cpu->idt);
}

void h_sgdt(X86CPU *cpu, const DecodedInsn *i)
{
    store_dtr(cpu, i, &cpu->gdt);
}

void h_sidt(X86CPU *cpu, const DecodedInsn *i)
{
    store_dtr(cpu, i, &cpu->idt);
}

/* SLDT/STR/SMSW to a register write the operand size (zero-extended); to memory 16 bits. */
static void store_sel(X86CPU *cpu, const DecodedInsn *i, uint32_t v)
{
    if (i->op[0].type == OT_REG) {
        reg_write(cpu, i->op[0].reg, i->osize, v & size_mask(i->osize));
    } else {
        cpu_st16(cpu, i->seg, insn_ea(cpu, i), (uint16_t)v);
    }
}

void h_sldt(X86CPU *cpu, const DecodedInsn *i)
{
    store_sel(cpu, i, cpu->ldt.selector);
}

void h_str(X86CPU *cpu, const DecodedInsn *i)
{
    store_sel(cpu, i, cpu->tr.selector);
}

void h_lldt(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_lldt(cpu, (uint16_t)opnd_read(cpu, i, 0));
}

void h_ltr(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_ltr(cpu, (uint16_t)opnd_read(cpu, i, 0));
}

/* SMSW is not privileged (no UMIP on this CPU): it reads CR0 at any CPL. */
void h_smsw(X86CPU *cpu, const DecodedInsn *i)
{
    store_sel(cpu, i, cpu->cr[0]);
}

/* LMSW loads CR0 bits 0-3; it can set PE but never clear it. */
void h_lmsw(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = opnd_read(cpu, i, 0) & 0xf;
    uint32_t cr0 = cpu_read_cr(cpu, 0);

    cpu_write_cr(cpu, 0, (cr0 & ~0xeu) | v | (cr0 & CR0_PE));
}

void h_clts(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_write_cr(cpu, 0, cpu_read_cr(cpu, 0) & ~CR0_TS);
}

/* ---- control and debug registers ---- */

static bool cr_valid(unsigned n)
{
    return n == 0 || n == 2 || n == 3 || n == 4;
}

void h_mov_from_cr(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = i->op[1].reg;

    if (!cr_valid(n)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    cpu->regs[i->op[0].reg] = cpu_read_cr(cpu, (int)n);
}

void h_mov_to_cr(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = i->op[0].reg;

    if (!cr_valid(n)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    cpu_write_cr(cpu, (int)n, cpu->regs[i->op[1].reg]);
}

/*
 * DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD). DR7.GD makes any DR access a #DB
 * fault with DR6.BD set (and GD cleared so the handler can use the registers).
 */
static unsigned dr_index(X86CPU *cpu, unsigned n)
{
    if (n == 4 || n == 5) {
        if (cpu->cr[4] & CR4_DE) {
            cpu_raise_exception(cpu, EXC_UD, 0);
        }
        n += 2;
    }
    if (cpu->dr[7] & (1u << 13)) {
        cpu->dr[7] &= ~(1u << 13);
        cpu_raise_debug(cpu, DR6_BD, false, 0);
    }
    return n;
}

void h_mov_from_dr(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu_read_dr(cpu, (int)dr_index(cpu, i->op[1].reg));
}

void h_mov_to_dr(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_write_dr(cpu, (int)dr_index(cpu, i->op[0].reg), cpu->regs[i->op[1].reg]);
}

void h_invlpg(X86CPU *cpu, const DecodedInsn *i)
{
    tlb_flush_page(cpu, cpu->seg[i->seg].base + insn_ea(cpu, i));
}

/* INVD/WBINVD: no caches are modelled, so there is nothing to write back or drop. */
void h_invd(X86CPU *cpu, const DecodedInsn *i)
{
}

/* ---- protection checks ---- */

static void set_zf(X86CPU *cpu, bool z)
{
    uint32_t f = cpu_cc_compute_all(cpu);

    cc_set_flags(cpu, z ? (f | CC_Z) : (f & ~CC_Z));
}

void h_arpl(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t d, s;

    opnd_check_rmw(cpu, i, 0);
    d = opnd_read(cpu, i, 0);
    s = opnd_read(cpu, i, 1);
    if ((d & 3) < (s & 3)) {
        opnd_write(cpu, i, 0, (d & ~3u) | (s & 3));
        set_zf(cpu, true);
    } else {
        set_zf(cpu, false);
    }
}

void h_lar(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v;
    bool ok = cpu_lar(cpu, (uint16_t)opnd_read(cpu, i, 1), &v);

    if (ok) {
        reg_write(cpu, i->op[0].reg, i->osize, v & size_mask(i->osize));
    }
    set_zf(cpu, ok);
}

void h_lsl(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v;
    bool ok = cpu_lsl(cpu, (uint16_t)opnd_read(cpu, i, 1), &v);

    if (ok) {
        reg_write(cpu, i->op[0].reg, i->osize, v & size_mask(i->osize));
    }
    set_zf(cpu, ok);
}

void h_verr(X86CPU *cpu, const DecodedInsn *i)
{
    set_zf(cpu, cpu_verr(cpu, (uint16_t)opnd_read(cpu, i, 0)));
}

void h_verw(X86CPU *cpu, const DecodedInsn *i)
{
    set_zf(cpu, cpu_verw(cpu, (uint16_t)opnd_read(cpu, i, 0)));
}

/* The x87 handlers (h_fpu, h_wait, h_fninit, ...) are in cpu/interp-fpu.c, the MMX/SSE/SSE2
 * handler (h_simd) in cpu/interp-sse.c. */
