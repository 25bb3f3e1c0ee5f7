/*
 * x87 FPU architectural semantics shared by the instruction handlers (cpu/interp-fpu.c,
 * cpu/interp-sse.c): register stack, tags, status word, exception reporting, environment
 * images, and the transcendental kernels.
 *
 * State (X86CPU.fpu): mant[]/exp[] are the eight 80-bit registers in physical order;
 * ST(i) is physical (TOP + i) & 7 with TOP in FSW bits 11-13. ftw holds two bits per
 * physical register; the interpreter only distinguishes 11 (empty) from 00 (in use), and
 * the full tags (valid/zero/special) are computed from the contents when an image is
 * stored (FSTENV/FSAVE), which is what a P6 does (it keeps an abridged tag internally).
 *
 * Exceptions: an instruction ORs its exception flags into FSW; if any is unmasked it also
 * sets ES and B. The exception is delivered by the next waiting x87/MMX instruction or
 * WAIT (fpu_check_pending): #MF when CR0.NE = 1, otherwise the FERR# line is asserted
 * through CPUBusOps.ferr (IRQ 13 on a PC) and execution continues; the guest's handler
 * clears the flags (FNCLEX) and the machine lowers the line on a write to port 0xF0.
 */
#ifndef X86PC_CPU_FPU_H
#define X86PC_CPU_FPU_H

#include "config.h"
#include "cpu/interp.h"
#include "cpu/softfloat.h"

/* FSW */
#define FSW_IE 0x0001u
#define FSW_DE 0x0002u
#define FSW_ZE 0x0004u
#define FSW_OE 0x0008u
#define FSW_UE 0x0010u
#define FSW_PE 0x0020u
#define FSW_SF 0x0040u /* stack fault */
#define FSW_ES 0x0080u /* exception summary */
#define FSW_C0 0x0100u
#define FSW_C1 0x0200u
#define FSW_C2 0x0400u
#define FSW_TOP_SHIFT 11
#define FSW_TOP 0x3800u
#define FSW_C3 0x4000u
#define FSW_B 0x8000u
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* FCW */
#define FCW_EXC_MASKS 0x003fu
#define FCW_PC_SHIFT 8
#define FCW_RC_SHIFT 10

/* Tags (two bits per physical register) */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* MXCSR */
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u
#define MXCSR_RC_SHIFT 13
#define MXCSR_FZ 0x8000u
#define MXCSR_MASK 0xffffu /* writable bits (MXCSR_MASK of the FXSAVE image) */

static inline unsigned fpu_top(const X86CPU *cpu)
{
    return (cpu->fpu.fsw >> FSW_TOP_SHIFT) & 7;
}

static inline void fpu_set_top(X86CPU *cpu, unsigned top)
{
    cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~FSW_TOP) | ((top & 7) << FSW_TOP_SHIFT));
}

static inline unsigned fpu_phys(const X86CPU *cpu, unsigned i)
{
    return (fpu_top(cpu) + i) & 7;
}

static inline bool fpu_phys_empty(const X86CPU *cpu, unsigned r)
{
    return ((cpu->fpu.ftw >> (2 * r)) & 3) == TAG_EMPTY;
}

static inline bool fpu_empty(const X86CPU *cpu, unsigned i)
{
    return fpu_phys_empty(cpu, fpu_phys(cpu, i));
}

static inline FloatX80 fpu_phys_get(const X86CPU *cpu, unsigned r)
{
    FloatX80 v = {cpu->fpu.mant[r], cpu->fpu.exp[r]};
    return v;
}

static inline FloatX80 fpu_get(const X86CPU *cpu, unsigned i)
{
    return fpu_phys_get(cpu, fpu_phys(cpu, i));
}

/* Write ST(i) and tag it in use. */
static inline void fpu_set(X86CPU *cpu, unsigned i, FloatX80 v)
{
    unsigned r = fpu_phys(cpu, i);

    cpu->fpu.mant[r] = v.mant;
    cpu->fpu.exp[r] = v.se;
    cpu->fpu.ftw &= (uint16_t)~(3u << (2 * r));
}

static inline void fpu_free_phys(X86CPU *cpu, unsigned r)
{
    cpu->fpu.ftw |= (uint16_t)(3u << (2 * r));
}

/* Pop: tag ST(0) empty, TOP + 1. */
static inline void fpu_pop(X86CPU *cpu)
{
    unsigned top = fpu_top(cpu);

    fpu_free_phys(cpu, top);
    fpu_set_top(cpu, top + 1);
}

/* Softfloat status for an x87 operation from FCW (register destination). */
static inline SFStatus fpu_sf(const X86CPU *cpu)
{
    SFStatus s = {0};
    static const uint8_t prec[4] = {24, 64, 53, 64}; /* PC = 01 is reserved: extended */

    s.round = (cpu->fpu.fcw >> FCW_RC_SHIFT) & 3;
    s.prec = prec[(cpu->fpu.fcw >> FCW_PC_SHIFT) & 3];
    s.masks = cpu->fpu.fcw & FCW_EXC_MASKS;
    s.x87 = true;
    s.adjust = true;
    return s;
}

/*
 * Host x87. On x86-64 hosts (jit/x86_64/hostx87.c) the common x87 instructions run on the
 * host's own x87 unit: the host executes the guest's instruction itself, with the guest's
 * registers, FSW and tags loaded into it (FRSTOR) at the first such instruction and kept
 * there while the guest runs (cpu->fpu.host_live). This is exact because the host is an
 * x87 (same formats, rounding, NaN rules, flags); it is used only while every exception
 * is masked in FCW and PC is not the reserved 01, so nothing is ever delivered by the
 * host. FCW, FOP, FIP/FCS and FDP/FDS stay in cpu->fpu (the interpreter keeps them up to
 * date). Everything else (transcendentals, environment and state images, MMX, unmasked
 * exceptions, stores the TLB does not map directly) runs in the portable code after
 * fpu_sync(), which saves the host unit back (FNSAVE) into cpu->fpu; cpu_exec() does it
 * before returning, so nothing outside the CPU loop ever sees host_live set.
 * fpu_host_x87 (cpu/cpu.h) turns the path off (-accel interp,x87=soft): the portable code
 * then runs everything, as it always does on other hosts.
 *
 * Host SSE (jit/x86_64/hostsse.c), the same idea for SSE/SSE2: in hot blocks an SSE/SSE2
 * instruction with an XMM destination runs as the guest's own instruction on copies of its
 * operands, while MXCSR has its default control (0x1F80: every exception masked, round to
 * nearest, no FTZ/DAZ). The host MXCSR is set to that control with no flags at the first
 * such instruction; the flags collect there (cpu->fpu.sse_live) until fpu_sync() merges
 * them into cpu->fpu.mxcsr and gives the host its own MXCSR back. The host's own code does
 * no floating point inside cpu_exec(), so nothing else raises them there.
 * fpu_host_sse (-accel interp,sse=soft) turns it off.
 */
#ifdef CONFIG_HOST_X87
void hostx87_leave(X86CPU *cpu);
void hostsse_leave(X86CPU *cpu);
/* A host handler for the decoded x87 instruction d, or NULL. */
InsnHandler hostx87_handler(const DecodedInsn *d);
#endif

static inline void fpu_sync(X86CPU *cpu)
{
#ifdef CONFIG_HOST_X87
    if (unlikely(cpu->fpu.host_live)) {
        hostx87_leave(cpu);
    }
    if (unlikely(cpu->fpu.sse_live)) {
        hostsse_leave(cpu);
    }
#else
    (void)cpu;
#endif
}

/* The portable handler of an x87 instruction (what runs when the host path cannot), after
 * fpu_sync(). */
void fpu_soft(X86CPU *cpu, const DecodedInsn *i);

/* #NM for any x87 instruction when CR0.EM or CR0.TS is set. */
static inline void fpu_nm_check(X86CPU *cpu)
{
    if (unlikely(cpu->cr[0] & (CR0_EM | CR0_TS))) {
        cpu_raise_exception(cpu, EXC_NM, 0);
    }
}

/* FOP, FIP/FCS and (memory forms) FDP/FDS of the last non-control instruction. */
static inline void fpu_note(X86CPU *cpu, const DecodedInsn *i, bool mem, uint32_t ea)
{
    cpu->fpu.fop = (uint16_t)(((i->opc & 7u) << 8) | i->modrm);
    cpu->fpu.fip = cpu->insn_start_eip;
    cpu->fpu.fcs = cpu->seg[R_CS].selector;
    if (mem) {
        cpu->fpu.fdp = ea;
        cpu->fpu.fds = cpu->seg[i->seg].selector;
    }
}

/* Deliver a pending unmasked x87 exception (FSW.ES) before a waiting instruction. */
void fpu_deliver_pending(X86CPU *cpu);

static inline void fpu_check_pending(X86CPU *cpu)
{
    if (unlikely(cpu->fpu.fsw & FSW_ES)) {
        fpu_deliver_pending(cpu);
    }
}

/* Recompute ES/B from the flags and masks (after FLDCW, FLDENV, FRSTOR, FXRSTOR). */
void fpu_update_es(X86CPU *cpu);
/* fpu_full_tags(), fpu_abridged_tags() and fpu_set_full_tags(): cpu/cpu.h. */
/* FNINIT state. */
void fpu_init_state(X86CPU *cpu);

/*
 * Environment images: FNSTENV/FLDENV (and the head of FNSAVE/FRSTOR) at seg:off in the
 * 14-byte (op16) or 28-byte (op32) format for the current mode (real/v86 or protected).
 * Return the image size.
 */
unsigned fpu_store_env(X86CPU *cpu, int seg, uint32_t off, bool op32);
unsigned fpu_load_env(X86CPU *cpu, int seg, uint32_t off, bool op32);
void fpu_fxsave(X86CPU *cpu, int seg, uint32_t off);
void fpu_fxrstor(X86CPU *cpu, int seg, uint32_t off);

/* 80-bit memory operands. */
FloatX80 fpu_ld80(X86CPU *cpu, int seg, uint32_t off);
void fpu_st80(X86CPU *cpu, int seg, uint32_t off, FloatX80 v);

/*
 * Transcendental kernels (cpu/fpu-trans.c); results rounded to 64 bits in s->round.
 * fpu_fyl2x and fpu_fpatan take any operands (NaN, zero and infinity rules of the SDM);
 * f2xm1, sincos and tan want finite non-zero operands (trig: fpu_trig_in_range).
 * Accuracy: within one unit in the last place of the 64-bit significand.
 */
FloatX80 fpu_f2xm1(SFStatus *s, FloatX80 x);
FloatX80 fpu_fyl2x(SFStatus *s, FloatX80 x, FloatX80 y, bool plus1);
FloatX80 fpu_fpatan(SFStatus *s, FloatX80 y, FloatX80 x);
/* sin/cos/tan: *out_of_range (C2) when |x| >= 2^63 (operand unchanged). */
/* sin and cos of x; each result's rounding flags go to its own status. */
void fpu_sincos(SFStatus *ssin, SFStatus *scos, FloatX80 x, FloatX80 *sin_out,
                FloatX80 *cos_out);
FloatX80 fpu_tan(SFStatus *s, FloatX80 x);
bool fpu_trig_in_range(FloatX80 x);

#endif
