/*
 * x87 state handling: pending-exception delivery, tag words, FNINIT, the FSTENV/FSAVE and
 * FXSAVE images, 80-bit memory operands. See cpu/fpu.h for the contract.
 */
#include "cpu/fpu.h"

#include <string.h>

void fpu_deliver_pending(X86CPU *cpu)
{
    if (cpu->cr[0] & CR0_NE) {
        cpu_raise_exception(cpu, EXC_MF, 0);
    }
    /*
     * MS-DOS compatible mode: assert FERR#. Deviation: a real CPU freezes at this
     * instruction until the interrupt arrives; here it continues and the machine's IRQ 13
     * is taken at the end of the block.
     */
    if (cpu->bus->ferr) {
        cpu->bus->ferr(cpu->bus_opaque, cpu->cpu_index, true);
        cpu_end_block(cpu);
    }
}

void fpu_update_es(X86CPU *cpu)
{
    uint16_t fsw = cpu->fpu.fsw;
    unsigned pend = fsw & ~cpu->fpu.fcw & FCW_EXC_MASKS;

    /* a stack fault is reported through IE */
    if (pend) {
        fsw |= FSW_ES | FSW_B;
    } else {
        fsw &= (uint16_t)~(FSW_ES | FSW_B);
    }
    cpu->fpu.fsw = fsw;
}

static unsigned tag_of(FloatX80 v)
{
    uint32_t e = f80_exp(v);

    if (e == 0x7fff || (e != 0 && !(v.mant >> 63))) {
        return TAG_SPECIAL; /* NaN, infinity, unsupported */
    }
    if (e == 0) {
        return v.mant == 0 ? TAG_ZERO : TAG_SPECIAL; /* denormals are special */
    }
    return TAG_VALID;
}

uint16_t fpu_full_tags(const X86CPU *cpu)
{
    uint16_t t = 0;

    for (unsigned r = 0; r < 8; r++) {
        unsigned tag = fpu_phys_empty(cpu, r) ? TAG_EMPTY : tag_of(fpu_phys_get(cpu, r));
        t |= (uint16_t)(tag << (2 * r));
    }
    return t;
}

uint8_t fpu_abridged_tags(const X86CPU *cpu)
{
    uint8_t t = 0;

    for (unsigned r = 0; r < 8; r++) {
        if (!fpu_phys_empty(cpu, r)) {
            t |= (uint8_t)(1u << r);
        }
    }
    return t;
}

/* Load a tag word: only empty / not empty matters (SDM: FLDENV recomputes the rest). */
void fpu_set_full_tags(X86CPU *cpu, uint16_t ftw)
{
    uint16_t t = 0;

    for (unsigned r = 0; r < 8; r++) {
        if (((ftw >> (2 * r)) & 3) == TAG_EMPTY) {
            t |= (uint16_t)(3u << (2 * r));
        }
    }
    cpu->fpu.ftw = t;
}

bool fpu_host_x87 = true;
bool fpu_host_sse = true;

void fpu_power_on(X86CPU *cpu)
{
    fpu_sync(cpu); /* empties the host's x87 unit if it held this CPU's registers */
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    /* power-up values (FINIT would give FCW 037F) */
    cpu->fpu.fcw = 0x0040;
    cpu->fpu.ftw = 0x5555;
    cpu->fpu.mxcsr = 0x1f80;
}

void fpu_init_state(X86CPU *cpu)
{
    cpu->fpu.fcw = 0x037f;
    cpu->fpu.fsw = 0;
    cpu->fpu.ftw = 0xffff;
    cpu->fpu.fop = 0;
    cpu->fpu.fip = cpu->fpu.fdp = 0;
    cpu->fpu.fcs = cpu->fpu.fds = 0;
}

FloatX80 fpu_ld80(X86CPU *cpu, int seg, uint32_t off)
{
    FloatX80 v;

    v.mant = cpu_ld64(cpu, seg, off);
    v.se = cpu_ld16(cpu, seg, off + 8);
    return v;
}

void fpu_st80(X86CPU *cpu, int seg, uint32_t off, FloatX80 v)
{
    cpu_check_write(cpu, seg, off, 10);
    cpu_st64(cpu, seg, off, v.mant);
    cpu_st16(cpu, seg, off + 8, v.se);
}

unsigned fpu_store_env(X86CPU *cpu, int seg, uint32_t off, bool op32)
{
    bool real = cpu_real_or_v86(cpu);
    uint16_t ftw = fpu_full_tags(cpu);
    uint32_t fip = cpu->fpu.fip, fdp = cpu->fpu.fdp;

    if (real) {
        /* real-mode images hold 20/32-bit linear pointers */
        fip += (uint32_t)cpu->fpu.fcs << 4;
        fdp += (uint32_t)cpu->fpu.fds << 4;
    }
    if (op32) {
        cpu_check_write(cpu, seg, off, 28);
        /* reserved upper halves are written as ones, as Intel processors do */
        cpu_st32(cpu, seg, off, 0xffff0000u | cpu->fpu.fcw);
        cpu_st32(cpu, seg, off + 4, 0xffff0000u | cpu->fpu.fsw);
        cpu_st32(cpu, seg, off + 8, 0xffff0000u | ftw);
        if (real) {
            cpu_st32(cpu, seg, off + 12, 0xffff0000u | (fip & 0xffff));
            cpu_st32(cpu, seg, off + 16, ((fip >> 16) << 12) | (cpu->fpu.fop & 0x7ff));
            cpu_st32(cpu, seg, off + 20, 0xffff0000u | (fdp & 0xffff));
            cpu_st32(cpu, seg, off + 24, (fdp >> 16) << 12);
        } else {
            cpu_st32(cpu, seg, off + 12, fip);
            cpu_st32(cpu, seg, off + 16, ((uint32_t)(cpu->fpu.fop & 0x7ff) << 16) | cpu->fpu.fcs);
            cpu_st32(cpu, seg, off + 20, fdp);
            cpu_st32(cpu, seg, off + 24, 0xffff0000u | cpu->fpu.fds);
        }
        return 28;
    }
    cpu_check_write(cpu, seg, off, 14);
    cpu_st16(cpu, seg, off, cpu->fpu.fcw);
    cpu_st16(cpu, seg, off + 2, cpu->fpu.fsw);
    cpu_st16(cpu, seg, off + 4, ftw);
    if (real) {
        cpu_st16(cpu, seg, off + 6, (uint16_t)fip);
        cpu_st16(cpu, seg, off + 8, (uint16_t)(((fip >> 16) << 12) | (cpu->fpu.fop & 0x7ff)));
        cpu_st16(cpu, seg, off + 10, (uint16_t)fdp);
        cpu_st16(cpu, seg, off + 12, (uint16_t)((fdp >> 16) << 12));
    } else {
        cpu_st16(cpu, seg, off + 6, (uint16_t)fip);
        cpu_st16(cpu, seg, off + 8, cpu->fpu.fcs);
        cpu_st16(cpu, seg, off + 10, (uint16_t)fdp);
        cpu_st16(cpu, seg, off + 12, cpu->fpu.fds);
    }
    return 14;
}

unsigned fpu_load_env(X86CPU *cpu, int seg, uint32_t off, bool op32)
{
    bool real = cpu_real_or_v86(cpu);
    uint16_t fcw, fsw, ftw, fop, fcs = 0, fds = 0;
    uint32_t fip, fdp;
    unsigned size;

    if (op32) {
        fcw = cpu_ld16(cpu, seg, off);
        fsw = cpu_ld16(cpu, seg, off + 4);
        ftw = cpu_ld16(cpu, seg, off + 8);
        if (real) {
            uint32_t w = cpu_ld32(cpu, seg, off + 16);
            fip = cpu_ld16(cpu, seg, off + 12) | ((w >> 12) << 16);
            fop = w & 0x7ff;
            fdp = cpu_ld16(cpu, seg, off + 20) | ((cpu_ld32(cpu, seg, off + 24) >> 12) << 16);
        } else {
            uint32_t w = cpu_ld32(cpu, seg, off + 16);
            fip = cpu_ld32(cpu, seg, off + 12);
            fcs = (uint16_t)w;
            fop = (w >> 16) & 0x7ff;
            fdp = cpu_ld32(cpu, seg, off + 20);
            fds = cpu_ld16(cpu, seg, off + 24);
        }
        size = 28;
    } else {
        fcw = cpu_ld16(cpu, seg, off);
        fsw = cpu_ld16(cpu, seg, off + 2);
        ftw = cpu_ld16(cpu, seg, off + 4);
        if (real) {
            uint16_t w = cpu_ld16(cpu, seg, off + 8);
            fip = cpu_ld16(cpu, seg, off + 6) | ((uint32_t)(w >> 12) << 16);
            fop = w & 0x7ff;
            fdp = cpu_ld16(cpu, seg, off + 10) | ((uint32_t)(cpu_ld16(cpu, seg, off + 12) >> 12) << 16);
        } else {
            fip = cpu_ld16(cpu, seg, off + 6);
            fcs = cpu_ld16(cpu, seg, off + 8);
            fop = 0;
            fdp = cpu_ld16(cpu, seg, off + 10);
            fds = cpu_ld16(cpu, seg, off + 12);
        }
        size = 14;
    }
    /*
     * Everything read: commit. Real-mode pointers are kept as linear addresses (selector 0).
     * FCW bits 6 (reads as 1) and 7, 13-15 (read as 0) are reserved, as with FLDCW.
     */
    cpu->fpu.fcw = (uint16_t)((fcw & 0x1f3f) | 0x40);
    cpu->fpu.fsw = fsw;
    fpu_set_full_tags(cpu, ftw);
    cpu->fpu.fip = fip;
    cpu->fpu.fdp = fdp;
    cpu->fpu.fcs = fcs;
    cpu->fpu.fds = fds;
    cpu->fpu.fop = fop;
    fpu_update_es(cpu);
    return size;
}

/*
 * FXSAVE image (SDM vol. 2, FXSAVE, table 3-53): FCW, FSW, abridged FTW, FOP, FIP, FCS,
 * FDP, FDS, MXCSR, MXCSR_MASK, ST0-ST7 in 16-byte slots, XMM0-XMM7. Bytes 288-511 are
 * not written. With CR4.OSFXSR = 0 MXCSR and the XMM registers are not saved (allowed
 * by the SDM and what P6 processors do).
 */
void fpu_fxsave(X86CPU *cpu, int seg, uint32_t off)
{
    bool sse = (cpu->cr[4] & CR4_OSFXSR) != 0;

    fpu_sync(cpu);
    if (off & 15) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu_check_write(cpu, seg, off, 288);
    cpu_st16(cpu, seg, off, cpu->fpu.fcw);
    cpu_st16(cpu, seg, off + 2, cpu->fpu.fsw);
    cpu_st16(cpu, seg, off + 4, fpu_abridged_tags(cpu));
    cpu_st16(cpu, seg, off + 6, cpu->fpu.fop & 0x7ff);
    cpu_st32(cpu, seg, off + 8, cpu->fpu.fip);
    cpu_st32(cpu, seg, off + 12, cpu->fpu.fcs);
    cpu_st32(cpu, seg, off + 16, cpu->fpu.fdp);
    cpu_st32(cpu, seg, off + 20, cpu->fpu.fds);
    if (sse) {
        cpu_st32(cpu, seg, off + 24, cpu->fpu.mxcsr);
        cpu_st32(cpu, seg, off + 28, MXCSR_MASK);
    }
    for (unsigned i = 0; i < 8; i++) {
        FloatX80 v = fpu_get(cpu, i);
        uint32_t p = off + 32 + 16 * i;

        cpu_st64(cpu, seg, p, v.mant);
        cpu_st16(cpu, seg, p + 8, v.se);
        cpu_st16(cpu, seg, p + 10, 0);
        cpu_st32(cpu, seg, p + 12, 0);
    }
    if (sse) {
        for (unsigned i = 0; i < 8; i++) {
            uint32_t p = off + 160 + 16 * i;

            cpu_st64(cpu, seg, p, ldq_le_p(cpu->fpu.xmm[i]));
            cpu_st64(cpu, seg, p + 8, ldq_le_p(cpu->fpu.xmm[i] + 8));
        }
    }
}

void fpu_fxrstor(X86CPU *cpu, int seg, uint32_t off)
{
    bool sse = (cpu->cr[4] & CR4_OSFXSR) != 0;
    uint32_t mxcsr = cpu->fpu.mxcsr;
    uint64_t mant[8];
    uint16_t exp[8];
    uint8_t xmm[8][16];
    uint16_t fcw, fsw, ftw8, fop, fcs, fds;
    uint32_t fip, fdp;
    unsigned top;

    fpu_sync(cpu);
    if (off & 15) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    fcw = cpu_ld16(cpu, seg, off);
    fsw = cpu_ld16(cpu, seg, off + 2);
    ftw8 = cpu_ld8(cpu, seg, off + 4);
    fop = cpu_ld16(cpu, seg, off + 6) & 0x7ff;
    fip = cpu_ld32(cpu, seg, off + 8);
    fcs = cpu_ld16(cpu, seg, off + 12);
    fdp = cpu_ld32(cpu, seg, off + 16);
    fds = cpu_ld16(cpu, seg, off + 20);
    if (sse) {
        mxcsr = cpu_ld32(cpu, seg, off + 24);
        if (mxcsr & ~MXCSR_MASK) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
    }
    top = (fsw >> FSW_TOP_SHIFT) & 7;
    for (unsigned i = 0; i < 8; i++) {
        uint32_t p = off + 32 + 16 * i;
        unsigned r = (top + i) & 7;

        mant[r] = cpu_ld64(cpu, seg, p);
        exp[r] = cpu_ld16(cpu, seg, p + 8);
    }
    if (sse) {
        for (unsigned i = 0; i < 8; i++) {
            uint32_t p = off + 160 + 16 * i;

            stq_le_p(xmm[i], cpu_ld64(cpu, seg, p));
            stq_le_p(xmm[i] + 8, cpu_ld64(cpu, seg, p + 8));
        }
    }
    /* commit (FCW reserved bits as in FLDCW) */
    cpu->fpu.fcw = (uint16_t)((fcw & 0x1f3f) | 0x40);
    cpu->fpu.fsw = fsw;
    cpu->fpu.ftw = 0;
    for (unsigned r = 0; r < 8; r++) {
        if (!((ftw8 >> r) & 1)) {
            cpu->fpu.ftw |= (uint16_t)(3u << (2 * r));
        }
    }
    cpu->fpu.fop = fop;
    cpu->fpu.fip = fip;
    cpu->fpu.fcs = fcs;
    cpu->fpu.fdp = fdp;
    cpu->fpu.fds = fds;
    memcpy(cpu->fpu.mant, mant, sizeof(mant));
    memcpy(cpu->fpu.exp, exp, sizeof(exp));
    if (sse) {
        cpu->fpu.mxcsr = mxcsr;
        memcpy(cpu->fpu.xmm, xmm, sizeof(xmm));
    }
    fpu_update_es(cpu);
}
