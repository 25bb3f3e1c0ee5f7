/*
 * x87 instruction handlers (opcodes D8-DF and WAIT). The opcode table routes every x87
 * row to h_fpu (or to the few control instructions named below); h_fpu dispatches on the
 * opcode byte, the ModRM reg field and the register/memory form.
 *
 * Order of work in every handler: #NM check, pending-exception check (waiting
 * instructions), all memory reads and the write check of the destination, then the
 * computation, and only then the commit (registers, tags, FSW). An unmasked invalid-
 * operation, denormal or divide-by-zero exception leaves the destination and the stack
 * untouched; an unmasked overflow/underflow delivers the exponent-adjusted result to a
 * register and nothing to memory (SDM vol. 1, 4.9.2 and 8.5).
 */
#include "cpu/fpu.h"

#define FPU_INDEFINITE F80_DEFAULT_NAN

/* May the result of an operation with these flags be delivered? */
static inline bool fpu_result_ok(const X86CPU *cpu, const SFStatus *s, bool mem_dest)
{
    unsigned unm = s->flags & ~cpu->fpu.fcw & FCW_EXC_MASKS;
    unsigned stop = SF_IE | SF_DE | SF_ZE | (mem_dest ? SF_OE | SF_UE : 0);

    return (unm & stop) == 0;
}

/* Merge an operation's flags into FSW; C1 from the rounding unless suppressed. */
static void fpu_commit_flags(X86CPU *cpu, const SFStatus *s, bool ok)
{
    unsigned fl = s->flags;
    uint16_t fsw = cpu->fpu.fsw & (uint16_t)~FSW_C1;

    if (fl & ~cpu->fpu.fcw & (SF_IE | SF_DE | SF_ZE)) {
        /* an unmasked pre-computation exception: the operation is not carried out, so
         * no overflow, underflow or precision exception is detected */
        fl &= SF_IE | SF_DE | SF_ZE;
    } else if (!ok) {
        fl &= SF_IE | SF_DE | SF_ZE | SF_OE | SF_UE;
    } else if (s->c1) {
        fsw |= FSW_C1;
    }
    fsw |= (uint16_t)fl;
    if (fl & ~cpu->fpu.fcw & FCW_EXC_MASKS) {
        fsw |= FSW_ES | FSW_B;
    }
    cpu->fpu.fsw = fsw;
}

/* Stack underflow (empty operand): IE + SF, C1 = 0. Returns true if masked. */
static bool fpu_underflow(X86CPU *cpu)
{
    uint16_t fsw = (cpu->fpu.fsw & (uint16_t)~FSW_C1) | FSW_IE | FSW_SF;

    if (!(cpu->fpu.fcw & FSW_IE)) {
        fsw |= FSW_ES | FSW_B;
    }
    cpu->fpu.fsw = fsw;
    return (cpu->fpu.fcw & FSW_IE) != 0;
}

/* Before a push: stack overflow if ST(7) is in use (IE + SF, C1 = 1). Returns false if the
 * push must not happen (unmasked); *v becomes the indefinite on a masked overflow. */
static bool fpu_push_check(X86CPU *cpu, FloatX80 *v, bool *overflow)
{
    *overflow = false;
    if (!fpu_empty(cpu, 7)) {
        cpu->fpu.fsw |= FSW_IE | FSW_SF | FSW_C1;
        *overflow = true;
        if (!(cpu->fpu.fcw & FSW_IE)) {
            cpu->fpu.fsw |= FSW_ES | FSW_B;
            return false;
        }
        *v = FPU_INDEFINITE;
    }
    return true;
}

static void fpu_push(X86CPU *cpu, FloatX80 v)
{
    fpu_set_top(cpu, fpu_top(cpu) - 1);
    fpu_set(cpu, 0, v);
}

/* Push a value that needs no conversion check (constants, FILD, FLD m80, FLD ST(i)). */
static void fpu_push_value(X86CPU *cpu, FloatX80 v)
{
    bool ovf;

    if (fpu_push_check(cpu, &v, &ovf)) {
        if (!ovf) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        }
        fpu_push(cpu, v);
    }
}

/* ---- arithmetic ---- */

/* op: ModRM reg of D8: 0 add, 1 mul, 4 sub (a - b), 5 subr (b - a), 6 div, 7 divr. */
static FloatX80 fpu_arith(SFStatus *s, unsigned op, FloatX80 a, FloatX80 b)
{
    switch (op) {
    case 0:
        return f80_add(s, a, b);
    case 1:
        return f80_mul(s, a, b);
    case 4:
        return f80_sub(s, a, b);
    case 5:
        return f80_sub(s, b, a);
    case 6:
        return f80_div(s, a, b);
    default:
        return f80_div(s, b, a);
    }
}

/* dst = dst op src, both stack registers (indexes relative to TOP); pop afterwards. */
static void fpu_arith_reg(X86CPU *cpu, unsigned op, unsigned dst, unsigned src, bool pop)
{
    SFStatus s;
    FloatX80 r;
    bool ok;

    if (unlikely(fpu_empty(cpu, dst) || fpu_empty(cpu, src))) {
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, dst, FPU_INDEFINITE);
            if (pop) {
                fpu_pop(cpu);
            }
        }
        return;
    }
    s = fpu_sf(cpu);
    r = fpu_arith(&s, op, fpu_get(cpu, dst), fpu_get(cpu, src));
    ok = fpu_result_ok(cpu, &s, false);
    fpu_commit_flags(cpu, &s, ok);
    if (ok) {
        fpu_set(cpu, dst, r);
        if (pop) {
            fpu_pop(cpu);
        }
    }
}

/* ST(0) = ST(0) op m (already converted with the flags in *s; conv_de: the conversion
 * found a denormal, reported unless the division is by zero, as a register operand). */
static void fpu_arith_mem(X86CPU *cpu, unsigned op, SFStatus *s, FloatX80 m, bool conv_de)
{
    FloatX80 r;
    bool ok;

    if (unlikely(fpu_empty(cpu, 0))) {
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, 0, FPU_INDEFINITE);
        }
        return;
    }
    r = fpu_arith(s, op, fpu_get(cpu, 0), m);
    if (conv_de && !(s->flags & SF_ZE)) {
        s->flags |= SF_DE;
    }
    ok = fpu_result_ok(cpu, s, false);
    fpu_commit_flags(cpu, s, ok);
    if (ok) {
        fpu_set(cpu, 0, r);
    }
}

/* ---- comparisons ---- */

static void fpu_set_cc(X86CPU *cpu, unsigned cc)
{
    cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~FSW_CC) | cc);
}

static unsigned cmp_to_cc(int c)
{
    switch (c) {
    case SF_CMP_LT:
        return FSW_C0;
    case SF_CMP_EQ:
        return FSW_C3;
    case SF_CMP_GT:
        return 0;
    default:
        return FSW_C3 | FSW_C2 | FSW_C0;
    }
}

static void fpu_set_eflags_cmp(X86CPU *cpu, int c)
{
    static const uint32_t fl[4] = {CC_C, CC_Z, 0, CC_Z | CC_P | CC_C};

    cc_set_flags(cpu, fl[c]);
}

/*
 * Compare ST(0) with b (b_empty: b is an empty register). eflags: FCOMI-style result in
 * ZF/PF/CF, else C3/C2/C0. npop: pops after a delivered result.
 */
static void fpu_compare(X86CPU *cpu, FloatX80 b, bool b_empty, bool quiet, bool eflags,
                        unsigned npop)
{
    SFStatus s;
    int c;
    bool ok = true;

    if (unlikely(fpu_empty(cpu, 0) || b_empty)) {
        /* unordered whether or not the stack fault is masked; no pop when unmasked */
        ok = fpu_underflow(cpu);
        c = SF_CMP_UN;
    } else {
        s = fpu_sf(cpu);
        c = f80_compare(&s, fpu_get(cpu, 0), b, quiet);
        ok = fpu_result_ok(cpu, &s, false);
        s.c1 = false;
        fpu_commit_flags(cpu, &s, ok);
    }
    /* the result is reported even when an unmasked exception stops the pops */
    if (eflags) {
        fpu_set_eflags_cmp(cpu, c);
    } else {
        fpu_set_cc(cpu, cmp_to_cc(c));
    }
    if (!ok) {
        return;
    }
    while (npop--) {
        fpu_pop(cpu);
    }
}

/* ---- memory operand conversions ---- */

/*
 * A real memory operand of an arithmetic instruction. A signalling NaN stays signalling in
 * the 80-bit format, so that the arithmetic applies the NaN rules (a QNaN beats an SNaN)
 * and raises IE itself.
 */
static FloatX80 fpu_arith_operand_f32(SFStatus *s, uint32_t v32)
{
    if (f32_is_nan(v32) && !(v32 & (1u << 22))) {
        return f80_make(v32 >> 31, 0x7fff, (1ull << 63) | ((uint64_t)(v32 & 0x3fffff) << 40));
    }
    return f80_from_f32(s, v32);
}

static FloatX80 fpu_arith_operand_f64(SFStatus *s, uint64_t v64)
{
    if (f64_is_nan(v64) && !(v64 & (1ull << 51))) {
        return f80_make((v64 >> 63) != 0, 0x7fff,
                        (1ull << 63) | ((v64 & 0x7ffffffffffffull) << 11));
    }
    return f80_from_f64(s, v64);
}

static FloatX80 fpu_load_mem(X86CPU *cpu, const DecodedInsn *i, unsigned kind, SFStatus *s,
                             uint32_t ea)
{
    switch (kind) {
    case 0: /* m32real */
        return fpu_arith_operand_f32(s, cpu_ld32(cpu, i->seg, ea));
    case 1: /* m32int */
        return f80_from_i64((int32_t)cpu_ld32(cpu, i->seg, ea));
    case 2: /* m64real */
        return fpu_arith_operand_f64(s, cpu_ld64(cpu, i->seg, ea));
    default: /* m16int */
        return f80_from_i64((int16_t)cpu_ld16(cpu, i->seg, ea));
    }
}

/* FLD m32/m64real: conversion exceptions (SNaN, denormal) are pre-computation ones. */
static void fpu_fld_conv(X86CPU *cpu, FloatX80 v, SFStatus *s)
{
    bool ovf, ok;

    if (!fpu_push_check(cpu, &v, &ovf)) {
        return;
    }
    if (ovf) {
        fpu_push(cpu, v);
        return;
    }
    /* the denormal-operand exception does not stop a load, even unmasked */
    ok = !(s->flags & ~cpu->fpu.fcw & SF_IE);
    fpu_commit_flags(cpu, s, ok);
    if (ok) {
        fpu_push(cpu, v);
    }
}

/* FST/FSTP to m32/m64 real or m16/m32/m64 int. kind: 0 m32real 1 m32int 2 m64real
 * 3 m16int 4 m64int. */
static void fpu_store_mem(X86CPU *cpu, const DecodedInsn *i, uint32_t ea, unsigned kind,
                          bool pop)
{
    static const uint8_t size[5] = {4, 4, 8, 2, 8};
    SFStatus s = fpu_sf(cpu);
    uint64_t v;
    bool ok;

    s.adjust = false;
    if (unlikely(fpu_empty(cpu, 0))) {
        static const uint64_t indef[5] = {F32_DEFAULT_NAN, 0x80000000u, F64_DEFAULT_NAN,
                                          0x8000u, 0x8000000000000000ull};

        if (!(cpu->fpu.fcw & FSW_IE)) {
            fpu_underflow(cpu);
            return;
        }
        cpu_check_write(cpu, i->seg, ea, size[kind]);
        v = indef[kind];
        ok = true;
        fpu_underflow(cpu);
    } else {
        FloatX80 x = fpu_get(cpu, 0);

        switch (kind) {
        case 0:
            v = f80_to_f32(&s, x);
            break;
        case 2:
            v = f80_to_f64(&s, x);
            break;
        case 1:
            v = (uint32_t)f80_to_int(&s, x, 32, false);
            break;
        case 3:
            v = (uint16_t)f80_to_int(&s, x, 16, false);
            break;
        default:
            v = (uint64_t)f80_to_int(&s, x, 64, false);
            break;
        }
        ok = fpu_result_ok(cpu, &s, true);
        if (ok) {
            cpu_check_write(cpu, i->seg, ea, size[kind]);
        }
        fpu_commit_flags(cpu, &s, ok);
    }
    if (!ok) {
        return;
    }
    switch (size[kind]) {
    case 2:
        cpu_st16(cpu, i->seg, ea, (uint16_t)v);
        break;
    case 4:
        cpu_st32(cpu, i->seg, ea, (uint32_t)v);
        break;
    default:
        cpu_st64(cpu, i->seg, ea, v);
        break;
    }
    if (pop) {
        fpu_pop(cpu);
    }
}

static void fpu_fbld(X86CPU *cpu, const DecodedInsn *i, uint32_t ea)
{
    uint64_t lo = cpu_ld64(cpu, i->seg, ea);
    uint16_t hi = cpu_ld16(cpu, i->seg, ea + 8);
    uint64_t v = 0;
    FloatX80 r;

    /* 18 BCD digits, most significant in byte 8; invalid digits give undefined results */
    for (int d = 17; d >= 0; d--) {
        unsigned digit = d >= 16 ? (hi >> ((d - 16) * 4)) & 0xf : (unsigned)(lo >> (d * 4)) & 0xf;
        v = v * 10 + digit;
    }
    r = f80_from_i64((int64_t)v);
    if (hi & 0x8000) {
        r.se |= 0x8000;
    }
    fpu_push_value(cpu, r);
}

static void fpu_fbstp(X86CPU *cpu, const DecodedInsn *i, uint32_t ea)
{
    SFStatus s = fpu_sf(cpu);
    uint64_t lo = 0;
    uint16_t hi = 0;
    bool ok = true;

    if (fpu_empty(cpu, 0)) {
        if (!fpu_underflow(cpu)) {
            return;
        }
        s.flags = 0;
        lo = 0xc000000000000000ull;
        hi = 0xffff;
    } else {
        FloatX80 x = fpu_get(cpu, 0);
        int64_t n = 0;
        uint64_t m;

        if (!f80_is_nan(x) && !f80_is_unsupported(x) && f80_exp(x) < 0x3fff + 63) {
            n = f80_to_int(&s, x, 64, false);
        } else {
            s.flags |= SF_IE;
        }
        m = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
        if ((s.flags & SF_IE) || m > 999999999999999999ull) {
            s.flags = (s.flags & ~SF_PE) | SF_IE;
            s.c1 = false;
            lo = 0xc000000000000000ull;
            hi = 0xffff;
        } else {
            for (int d = 0; d < 18; d++) {
                unsigned digit = (unsigned)(m % 10);

                m /= 10;
                if (d < 16) {
                    lo |= (uint64_t)digit << (d * 4);
                } else {
                    hi |= (uint16_t)(digit << ((d - 16) * 4));
                }
            }
            if (f80_sign(x)) {
                hi |= 0x8000;
            }
        }
        ok = fpu_result_ok(cpu, &s, true);
    }
    if (ok) {
        cpu_check_write(cpu, i->seg, ea, 10);
        cpu_st64(cpu, i->seg, ea, lo);
        cpu_st16(cpu, i->seg, ea + 8, hi);
    }
    if (!fpu_empty(cpu, 0)) {
        fpu_commit_flags(cpu, &s, ok);
    }
    if (ok) {
        fpu_pop(cpu);
    }
}

/* ---- FSAVE / FRSTOR ---- */

static void fpu_fnsave(X86CPU *cpu, const DecodedInsn *i, uint32_t ea)
{
    bool op32 = i->osize == 4;
    unsigned envsz = op32 ? 28 : 14;

    cpu_check_write(cpu, i->seg, ea, envsz + 80);
    fpu_store_env(cpu, i->seg, ea, op32);
    for (unsigned r = 0; r < 8; r++) {
        FloatX80 v = fpu_get(cpu, r);

        cpu_st64(cpu, i->seg, ea + envsz + 10 * r, v.mant);
        cpu_st16(cpu, i->seg, ea + envsz + 10 * r + 8, v.se);
    }
    fpu_init_state(cpu);
}

static void fpu_frstor(X86CPU *cpu, const DecodedInsn *i, uint32_t ea)
{
    bool op32 = i->osize == 4;
    unsigned envsz = op32 ? 28 : 14;
    FloatX80 st[8];

    for (unsigned r = 0; r < 8; r++) {
        st[r] = fpu_ld80(cpu, i->seg, ea + envsz + 10 * r);
    }
    fpu_load_env(cpu, i->seg, ea, op32);
    for (unsigned r = 0; r < 8; r++) {
        unsigned p = fpu_phys(cpu, r);

        cpu->fpu.mant[p] = st[r].mant;
        cpu->fpu.exp[p] = st[r].se;
    }
}

/* ---- one-operand and special register instructions (D9 E0-FF) ---- */

/* Constants rounded to 64 bits: the value is hi * 2^(e - 63) + a fraction of an ulp given
 * by 'below' (the next 64 bits), so FLDPI & co. follow the rounding control. */
static void fpu_load_const(X86CPU *cpu, unsigned which)
{
    static const struct {
        uint64_t hi, below;
        int32_t e;
    } k[5] = {
        {0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull, 1},  /* log2(10) */
        {0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, 0},  /* log2(e) */
        {0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 1},  /* pi */
        {0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull, -2}, /* log10(2) */
        {0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1}, /* ln(2) */
    };
    FloatX80 v;

    if (which == 0) {
        v = f80_make(false, 0x3fff, 1ull << 63);
    } else if (which == 6) {
        v = f80_make(false, 0, 0);
    } else {
        SFStatus s = fpu_sf(cpu);

        v = f80_round_pack(&s, false, k[which - 1].e, k[which - 1].hi, k[which - 1].below, 64);
    }
    fpu_push_value(cpu, v);
}

static void fpu_fxam(X86CPU *cpu)
{
    FloatX80 v = fpu_get(cpu, 0);
    uint32_t e = f80_exp(v);
    unsigned cc;

    if (fpu_empty(cpu, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else if (f80_is_unsupported(v)) {
        cc = 0;
    } else if (e == 0x7fff) {
        cc = (v.mant << 1) ? FSW_C0 : FSW_C2 | FSW_C0;
    } else if (e == 0) {
        cc = v.mant ? FSW_C3 | FSW_C2 : FSW_C3;
    } else {
        cc = FSW_C2;
    }
    if (f80_sign(v)) {
        cc |= FSW_C1;
    }
    fpu_set_cc(cpu, cc);
}

/* Unary operation on ST(0) with a full softfloat result. */
static void fpu_unary(X86CPU *cpu, FloatX80 (*op)(SFStatus *, FloatX80))
{
    SFStatus s;
    FloatX80 r;
    bool ok;

    if (fpu_empty(cpu, 0)) {
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, 0, FPU_INDEFINITE);
        }
        return;
    }
    s = fpu_sf(cpu);
    r = op(&s, fpu_get(cpu, 0));
    ok = fpu_result_ok(cpu, &s, false);
    fpu_commit_flags(cpu, &s, ok);
    if (ok) {
        fpu_set(cpu, 0, r);
    }
}

static FloatX80 op_sqrt(SFStatus *s, FloatX80 a)
{
    return f80_sqrt(s, a);
}

static FloatX80 op_rndint(SFStatus *s, FloatX80 a)
{
    return f80_round_int(s, a);
}

static FloatX80 op_f2xm1(SFStatus *s, FloatX80 a)
{
    if (f80_is_nan(a) || f80_is_unsupported(a)) {
        return f80_add(s, a, a);
    }
    if (f80_is_inf(a)) {
        return f80_sign(a) ? f80_make(true, 0x3fff, 1ull << 63) : a;
    }
    if (f80_is_zero(a)) {
        return a;
    }
    return fpu_f2xm1(s, a);
}

/* Two-operand instructions on ST(1), ST(0) that pop: FYL2X, FYL2XP1, FPATAN, FSCALE,
 * FPREM(1) (no pop). */
enum { B_FYL2X, B_FYL2XP1, B_FPATAN, B_FSCALE, B_FPREM, B_FPREM1 };

static void fpu_binary_st1(X86CPU *cpu, int which)
{
    SFStatus s;
    FloatX80 a, b, r;
    unsigned quot = 0;
    bool partial = false, ok, pop = which <= B_FPATAN;
    unsigned dst = pop ? 1 : 0;

    if (fpu_empty(cpu, 0) || fpu_empty(cpu, 1)) {
        if (which >= B_FPREM) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C2; /* no partial remainder */
        }
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, dst, FPU_INDEFINITE);
            if (pop) {
                fpu_pop(cpu);
            }
        }
        return;
    }
    s = fpu_sf(cpu);
    s.prec = 64;
    a = fpu_get(cpu, 0);
    b = fpu_get(cpu, 1);
    switch (which) {
    case B_FYL2X:
        r = fpu_fyl2x(&s, a, b, false);
        break;
    case B_FYL2XP1:
        r = fpu_fyl2x(&s, a, b, true);
        break;
    case B_FPATAN:
        r = fpu_fpatan(&s, b, a);
        break;
    case B_FSCALE:
        r = f80_scale(&s, a, b);
        break;
    default:
        r = f80_rem(&s, a, b, which == B_FPREM1, &quot, &partial);
        break;
    }
    ok = fpu_result_ok(cpu, &s, false);
    if (which >= B_FPREM) {
        s.c1 = (quot & 1) != 0;
    }
    fpu_commit_flags(cpu, &s, ok);
    if (!ok) {
        if (which >= B_FPREM) {
            cpu->fpu.fsw &= (uint16_t)~FSW_C2;
        }
        return;
    }
    if (which >= B_FPREM && f80_is_nan(r)) {
        /* a NaN result (NaN operand, or a masked invalid operation): no quotient;
         * C0 and C3 are left as they were */
        cpu->fpu.fsw &= (uint16_t)~FSW_C2;
    } else if (which >= B_FPREM) {
        fpu_set_cc(cpu, (cpu->fpu.fsw & FSW_C1) | (partial ? FSW_C2 : 0) |
                            ((quot & 4) ? FSW_C0 : 0) | ((quot & 2) ? FSW_C3 : 0));
    }
    fpu_set(cpu, dst, r);
    if (pop) {
        fpu_pop(cpu);
    }
}

/* FXTRACT, FPTAN, FSINCOS: replace ST(0) and push a second result. */
enum { P_FXTRACT, P_FPTAN, P_FSINCOS };

static void fpu_push_pair(X86CPU *cpu, int which)
{
    SFStatus s;
    FloatX80 x, r0, r1;
    bool ok;

    if (fpu_empty(cpu, 0)) {
        if (fpu_underflow(cpu)) {
            /* both results are the indefinite; the push is not checked for overflow */
            fpu_set(cpu, 0, FPU_INDEFINITE);
            fpu_push(cpu, FPU_INDEFINITE);
        }
        return;
    }
    if (!fpu_empty(cpu, 7)) {
        /* stack overflow: masked, ST(0) and the new top become the indefinite */
        cpu->fpu.fsw |= FSW_IE | FSW_SF | FSW_C1;
        if (!(cpu->fpu.fcw & FSW_IE)) {
            cpu->fpu.fsw |= FSW_ES | FSW_B;
            return;
        }
        fpu_set(cpu, 0, FPU_INDEFINITE);
        fpu_push(cpu, FPU_INDEFINITE);
        return;
    }
    s = fpu_sf(cpu);
    s.prec = 64;
    x = fpu_get(cpu, 0);
    if (which == P_FXTRACT) {
        r0 = f80_xtract(&s, x, &r1);
    } else {
        if (f80_is_nan(x) || f80_is_unsupported(x)) {
            r0 = r1 = f80_add(&s, x, x);
        } else if (f80_is_inf(x)) {
            s.flags |= SF_IE;
            r0 = r1 = FPU_INDEFINITE;
        } else if (!fpu_trig_in_range(x)) {
            fpu_set_cc(cpu, (cpu->fpu.fsw & FSW_CC & ~FSW_C1) | FSW_C2);
            return;
        } else if (f80_is_zero(x)) {
            r0 = x; /* tan(0) = sin(0) = 0 with its sign; then 1.0 = cos(0) */
            r1 = f80_make(false, 0x3fff, 1ull << 63);
        } else if (which == P_FPTAN) {
            r0 = fpu_tan(&s, x);
            r1 = f80_make(false, 0x3fff, 1ull << 63);
        } else {
            SFStatus c = s;

            fpu_sincos(&s, &c, x, &r0, &r1);
            s.flags |= c.flags;
        }
    }
    ok = fpu_result_ok(cpu, &s, false);
    fpu_commit_flags(cpu, &s, ok);
    if (!ok) {
        return;
    }
    if (which != P_FXTRACT) {
        cpu->fpu.fsw &= (uint16_t)~FSW_C2;
    }
    /* FSINCOS: sin, then cos on top; FPTAN: tan, then 1.0; FXTRACT: exponent, then
     * significand */
    fpu_set(cpu, 0, r0);
    fpu_push(cpu, r1);
}

static void fpu_sin_cos(X86CPU *cpu, bool cosine)
{
    SFStatus s;
    FloatX80 x, sn, cs, r;
    bool ok;

    if (fpu_empty(cpu, 0)) {
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, 0, FPU_INDEFINITE);
        }
        return;
    }
    s = fpu_sf(cpu);
    s.prec = 64;
    x = fpu_get(cpu, 0);
    if (f80_is_nan(x) || f80_is_unsupported(x)) {
        r = f80_add(&s, x, x);
    } else if (f80_is_inf(x)) {
        s.flags |= SF_IE;
        r = FPU_INDEFINITE;
    } else if (!fpu_trig_in_range(x)) {
        fpu_set_cc(cpu, (cpu->fpu.fsw & FSW_CC & ~FSW_C1) | FSW_C2);
        return;
    } else if (f80_is_zero(x)) {
        r = cosine ? f80_make(false, 0x3fff, 1ull << 63) : x;
    } else {
        SFStatus c = s;

        fpu_sincos(&s, &c, x, &sn, &cs);
        if (cosine) {
            s = c;
        }
        r = cosine ? cs : sn;
    }
    ok = fpu_result_ok(cpu, &s, false);
    fpu_commit_flags(cpu, &s, ok);
    if (ok) {
        cpu->fpu.fsw &= (uint16_t)~FSW_C2;
        fpu_set(cpu, 0, r);
    }
}

static void fpu_d9_special(X86CPU *cpu, unsigned modrm)
{
    switch (modrm) {
    case 0xd0: /* FNOP */
        break;
    case 0xe0: /* FCHS */
    case 0xe1: /* FABS */
        if (fpu_empty(cpu, 0)) {
            if (fpu_underflow(cpu)) {
                fpu_set(cpu, 0, FPU_INDEFINITE);
            }
        } else {
            FloatX80 v = fpu_get(cpu, 0);

            v.se = modrm == 0xe0 ? v.se ^ 0x8000 : v.se & 0x7fff;
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
            fpu_set(cpu, 0, v);
        }
        break;
    case 0xe4: /* FTST */
        fpu_compare(cpu, f80_make(false, 0, 0), false, false, false, 0);
        break;
    case 0xe5:
        fpu_fxam(cpu);
        break;
    case 0xe8: case 0xe9: case 0xea: case 0xeb: case 0xec: case 0xed: case 0xee:
        fpu_load_const(cpu, modrm - 0xe8);
        break;
    case 0xf0:
        fpu_unary(cpu, op_f2xm1);
        break;
    case 0xf1:
        fpu_binary_st1(cpu, B_FYL2X);
        break;
    case 0xf2:
        fpu_push_pair(cpu, P_FPTAN);
        break;
    case 0xf3:
        fpu_binary_st1(cpu, B_FPATAN);
        break;
    case 0xf4:
        fpu_push_pair(cpu, P_FXTRACT);
        break;
    case 0xf5:
        fpu_binary_st1(cpu, B_FPREM1);
        break;
    case 0xf6: /* FDECSTP */
        fpu_set_top(cpu, fpu_top(cpu) - 1);
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        break;
    case 0xf7: /* FINCSTP */
        fpu_set_top(cpu, fpu_top(cpu) + 1);
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        break;
    case 0xf8:
        fpu_binary_st1(cpu, B_FPREM);
        break;
    case 0xf9:
        fpu_binary_st1(cpu, B_FYL2XP1);
        break;
    case 0xfa:
        fpu_unary(cpu, op_sqrt);
        break;
    case 0xfb:
        fpu_push_pair(cpu, P_FSINCOS);
        break;
    case 0xfc:
        fpu_unary(cpu, op_rndint);
        break;
    case 0xfd:
        fpu_binary_st1(cpu, B_FSCALE);
        break;
    case 0xfe:
        fpu_sin_cos(cpu, false);
        break;
    default:
        fpu_sin_cos(cpu, true);
        break;
    }
}

static void fpu_fxch(X86CPU *cpu, unsigned n)
{
    FloatX80 a, b;

    if (fpu_empty(cpu, 0) || fpu_empty(cpu, n)) {
        if (!fpu_underflow(cpu)) {
            return;
        }
        a = fpu_empty(cpu, 0) ? FPU_INDEFINITE : fpu_get(cpu, 0);
        b = fpu_empty(cpu, n) ? FPU_INDEFINITE : fpu_get(cpu, n);
    } else {
        a = fpu_get(cpu, 0);
        b = fpu_get(cpu, n);
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    }
    fpu_set(cpu, 0, b);
    fpu_set(cpu, n, a);
}

static void fpu_fcmov(X86CPU *cpu, unsigned opc, unsigned reg, unsigned n)
{
    static const uint8_t cc[4] = {2, 4, 6, 10}; /* B, E, BE, P */

    if (fpu_empty(cpu, 0) || fpu_empty(cpu, n)) {
        if (fpu_underflow(cpu)) {
            fpu_set(cpu, 0, FPU_INDEFINITE);
        }
        return;
    }
    /* C1 is left as it is (undefined in the SDM; as the processor tests/fpu runs on) */
    if (cpu_cond(cpu, cc[reg & 3] + (opc == 0xdb))) {
        fpu_set(cpu, 0, fpu_get(cpu, n));
    }
}

/* FST/FSTP ST(i) */
static void fpu_fst_reg(X86CPU *cpu, unsigned n, bool pop)
{
    if (fpu_empty(cpu, 0)) {
        if (!fpu_underflow(cpu)) {
            return;
        }
        fpu_set(cpu, n, FPU_INDEFINITE);
    } else {
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        fpu_set(cpu, n, fpu_get(cpu, 0));
    }
    if (pop) {
        fpu_pop(cpu);
    }
}

/*
 * FSTP1 (D9 D8+i): the reserved alias of FSTP ST(i) that the processor runs without the
 * stack check (XED calls it FSTPNCE): with ST(0) empty there is no stack underflow, ST(i)
 * is left as it is and only the pop happens. C1 is cleared. (As the processor tests/fpu
 * runs on. The other FSTP aliases, DF D0+i and DF D8+i, check like FSTP.)
 */
static void fpu_fstp_nce(X86CPU *cpu, unsigned n)
{
    cpu->fpu.fsw &= (uint16_t)~FSW_C1;
    if (!fpu_empty(cpu, 0)) {
        fpu_set(cpu, n, fpu_get(cpu, 0));
    }
    fpu_pop(cpu);
}

/* ---- register forms ---- */

static void fpu_reg_form(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned opc = i->opc, reg = (i->modrm >> 3) & 7, n = i->modrm & 7;

    switch (opc) {
    case 0xd8:
        if (reg == 2 || reg == 3) {
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), false, false, reg - 2);
        } else {
            fpu_arith_reg(cpu, reg, 0, n, false);
        }
        break;
    case 0xd9:
        if (reg == 0) { /* FLD ST(i) */
            if (fpu_empty(cpu, n)) {
                if (fpu_underflow(cpu)) {
                    fpu_push(cpu, FPU_INDEFINITE); /* no overflow check after underflow */
                }
            } else {
                fpu_push_value(cpu, fpu_get(cpu, n));
            }
        } else if (reg == 1) {
            fpu_fxch(cpu, n);
        } else if (reg == 3) {
            fpu_fstp_nce(cpu, n);
        } else {
            fpu_d9_special(cpu, i->modrm);
        }
        break;
    case 0xda:
        if (i->modrm == 0xe9) { /* FUCOMPP */
            fpu_compare(cpu, fpu_get(cpu, 1), fpu_empty(cpu, 1), true, false, 2);
        } else {
            fpu_fcmov(cpu, opc, reg, n);
        }
        break;
    case 0xdb:
        if (reg < 4) {
            fpu_fcmov(cpu, opc, reg, n);
        } else { /* FUCOMI (5), FCOMI (6) */
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), reg == 5, true, 0);
        }
        break;
    case 0xdc:
        if (reg == 2 || reg == 3) { /* FCOM2, FCOMP3: aliases of D8 D0+i, D8 D8+i */
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), false, false, reg - 2);
        } else {
            fpu_arith_reg(cpu, reg >= 4 ? reg ^ 1 : reg, n, 0, false);
        }
        break;
    case 0xdd:
        switch (reg) {
        case 0: /* FFREE; C1 cleared (undefined in the SDM; as the tests/fpu host does) */
            fpu_free_phys(cpu, fpu_phys(cpu, n));
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
            break;
        case 1: /* FXCH4: alias of FXCH */
            fpu_fxch(cpu, n);
            break;
        case 2:
        case 3:
            fpu_fst_reg(cpu, n, reg == 3);
            break;
        default: /* FUCOM (4), FUCOMP (5) */
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), true, false, reg - 4);
            break;
        }
        break;
    case 0xde:
        if (i->modrm == 0xd9) { /* FCOMPP */
            fpu_compare(cpu, fpu_get(cpu, 1), fpu_empty(cpu, 1), false, false, 2);
        } else if (reg == 2) { /* FCOMP5: alias of FCOMP ST(i) */
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), false, false, 1);
        } else {
            fpu_arith_reg(cpu, reg >= 4 ? reg ^ 1 : reg, n, 0, true);
        }
        break;
    default: /* DF */
        switch (reg) {
        case 0: /* FFREEP: FFREE ST(i), then pop (C1 as FFREE) */
            fpu_free_phys(cpu, fpu_phys(cpu, n));
            cpu->fpu.fsw &= (uint16_t)~FSW_C1;
            fpu_pop(cpu);
            break;
        case 1: /* FXCH7: alias of FXCH */
            fpu_fxch(cpu, n);
            break;
        case 2: /* FSTP8, FSTP9: aliases of FSTP ST(i) */
        case 3:
            fpu_fst_reg(cpu, n, true);
            break;
        default: /* FUCOMIP (5), FCOMIP (6) */
            fpu_compare(cpu, fpu_get(cpu, n), fpu_empty(cpu, n), reg == 5, true, 1);
            break;
        }
        break;
    }
}

/* ---- memory forms ---- */

static void fpu_mem_form(X86CPU *cpu, const DecodedInsn *i, uint32_t ea)
{
    unsigned opc = i->opc, reg = (i->modrm >> 3) & 7;
    SFStatus s = fpu_sf(cpu);
    FloatX80 m;

    switch (opc) {
    case 0xd8: case 0xda: case 0xdc: case 0xde: {
        /* arithmetic with m32real, m32int, m64real, m16int */
        unsigned kind = (opc - 0xd8) >> 1;
        SFStatus t = s;

        /* the conversion's DE is not signalled when either operand is a NaN or ST(0) is
         * empty */
        m = fpu_load_mem(cpu, i, kind, &t, ea);
        s.flags = t.flags & ~SF_DE;
        if ((t.flags & SF_DE) && !f80_is_nan(m) && !fpu_empty(cpu, 0) &&
            !(f80_is_nan(fpu_get(cpu, 0)) || f80_is_unsupported(fpu_get(cpu, 0)))) {
            s.flags |= SF_DE;
        }
        if (reg == 2 || reg == 3) {
            if (!fpu_empty(cpu, 0) && (s.flags & ~cpu->fpu.fcw & (SF_IE | SF_DE))) {
                /* unmasked conversion exception: the condition codes are still set,
                 * FCOMP does not pop */
                SFStatus t2 = fpu_sf(cpu);
                int c = f80_compare(&t2, fpu_get(cpu, 0), m, false);

                s.flags |= t2.flags;
                fpu_commit_flags(cpu, &s, false);
                fpu_set_cc(cpu, cmp_to_cc(c));
                return;
            }
            cpu->fpu.fsw |= s.flags;
            fpu_compare(cpu, m, false, false, false, reg - 2);
        } else {
            bool conv_de = (s.flags & SF_DE) != 0;

            s.flags &= (uint8_t)~SF_DE;
            fpu_arith_mem(cpu, reg, &s, m, conv_de);
        }
        break;
    }
    case 0xd9:
    case 0xdd:
        switch (reg) {
        case 0: /* FLD m32/m64 */
            m = opc == 0xd9 ? f80_from_f32(&s, cpu_ld32(cpu, i->seg, ea))
                            : f80_from_f64(&s, cpu_ld64(cpu, i->seg, ea));
            fpu_fld_conv(cpu, m, &s);
            break;
        case 2:
        case 3:
            fpu_store_mem(cpu, i, ea, opc == 0xd9 ? 0 : 2, reg == 3);
            break;
        case 4:
            if (opc == 0xd9) {
                fpu_load_env(cpu, i->seg, ea, i->osize == 4);
            } else {
                fpu_frstor(cpu, i, ea);
            }
            break;
        case 6:
            if (opc == 0xd9) {
                fpu_store_env(cpu, i->seg, ea, i->osize == 4);
                cpu->fpu.fcw |= FCW_EXC_MASKS;
                fpu_update_es(cpu);
            } else {
                fpu_fnsave(cpu, i, ea);
            }
            break;
        default:
            break;
        }
        break;
    case 0xdb:
        switch (reg) {
        case 0:
            fpu_push_value(cpu, f80_from_i64((int32_t)cpu_ld32(cpu, i->seg, ea)));
            break;
        case 2:
        case 3:
            fpu_store_mem(cpu, i, ea, 1, reg == 3);
            break;
        case 5:
            fpu_push_value(cpu, fpu_ld80(cpu, i->seg, ea));
            break;
        default: /* 7: FSTP m80 */
            if (fpu_empty(cpu, 0)) {
                if (fpu_underflow(cpu)) {
                    fpu_st80(cpu, i->seg, ea, FPU_INDEFINITE);
                    fpu_pop(cpu);
                }
            } else {
                fpu_st80(cpu, i->seg, ea, fpu_get(cpu, 0));
                cpu->fpu.fsw &= (uint16_t)~FSW_C1;
                fpu_pop(cpu);
            }
            break;
        }
        break;
    default: /* DF */
        switch (reg) {
        case 0:
            fpu_push_value(cpu, f80_from_i64((int16_t)cpu_ld16(cpu, i->seg, ea)));
            break;
        case 2:
        case 3:
            fpu_store_mem(cpu, i, ea, 3, reg == 3);
            break;
        case 4:
            fpu_fbld(cpu, i, ea);
            break;
        case 5:
            fpu_push_value(cpu, f80_from_i64((int64_t)cpu_ld64(cpu, i->seg, ea)));
            break;
        case 6:
            fpu_fbstp(cpu, i, ea);
            break;
        default:
            fpu_store_mem(cpu, i, ea, 4, true);
            break;
        }
        break;
    }
}

/* Every x87 instruction of the table without a handler of its own. */
void h_fpu(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned reg = (i->modrm >> 3) & 7;
    bool mem = (i->modrm >> 6) != 3;

    fpu_nm_check(cpu);
    fpu_sync(cpu);
    /* FNSTENV and FNSAVE do not wait; everything else here does */
    if (!(mem && (i->opc == 0xd9 || i->opc == 0xdd) && reg == 6)) {
        fpu_check_pending(cpu);
    }
    if (mem) {
        uint32_t ea = insn_ea(cpu, i);
        bool control = (i->opc == 0xd9 || i->opc == 0xdd) && (reg == 4 || reg == 6);

        if (!control) {
            fpu_note(cpu, i, true, ea);
        }
        fpu_mem_form(cpu, i, ea);
    } else {
        fpu_note(cpu, i, false, 0);
        fpu_reg_form(cpu, i);
    }
}

/* WAIT/FWAIT: #NM if CR0.TS and CR0.MP; delivers a pending x87 exception. */
void h_wait(X86CPU *cpu, const DecodedInsn *i)
{
    (void)i;
    if ((cpu->cr[0] & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP)) {
        cpu_raise_exception(cpu, EXC_NM, 0);
    }
    fpu_check_pending(cpu);
}

/* FNENI/FNDISI/FNSETPM: 8087/287 controls, executed as FNOP by a 387 and later. */
void h_fnop287(X86CPU *cpu, const DecodedInsn *i)
{
    (void)i;
    fpu_nm_check(cpu);
}

void h_fninit(X86CPU *cpu, const DecodedInsn *i)
{
    (void)i;
    fpu_nm_check(cpu);
    fpu_sync(cpu);
    fpu_init_state(cpu);
}

/* FNCLEX clears the exception flags, SF, ES and B (FSW bits 0-7 and 15). */
void h_fnclex(X86CPU *cpu, const DecodedInsn *i)
{
    (void)i;
    fpu_nm_check(cpu);
    fpu_sync(cpu);
    cpu->fpu.fsw &= 0x7f00;
}

void h_fnstsw(X86CPU *cpu, const DecodedInsn *i)
{
    fpu_nm_check(cpu);
    fpu_sync(cpu);
    if (i->op[0].type == OT_REG) {
        reg_write(cpu, R_EAX, 2, cpu->fpu.fsw);
    } else {
        cpu_st16(cpu, i->seg, insn_ea(cpu, i), cpu->fpu.fsw);
    }
}

void h_fnstcw(X86CPU *cpu, const DecodedInsn *i)
{
    fpu_nm_check(cpu);
    cpu_st16(cpu, i->seg, insn_ea(cpu, i), cpu->fpu.fcw);
}

/* FLDCW: bits 6 and 13-15 are reserved; P6 keeps bit 6 set and 13-15 clear. Unmasking a
 * pending exception sets ES (delivered at the next waiting instruction). */
void h_fldcw(X86CPU *cpu, const DecodedInsn *i)
{
    uint16_t v;

    fpu_nm_check(cpu);
    fpu_sync(cpu);
    fpu_check_pending(cpu);
    v = cpu_ld16(cpu, i->seg, insn_ea(cpu, i));
    cpu->fpu.fcw = (uint16_t)((v & 0x1f7f) | 0x40);
    fpu_update_es(cpu);
}

/* ---- specialised forms (fpu_specialize) ---- */

/*
 * When a block is decoded, the most frequent x87 forms get a handler of their own instead
 * of h_fpu: the register forms of the arithmetic, FLD/FST/FSTP/FXCH ST(i), FCOM(P) ST(i),
 * FCOMI/FUCOMI(P), FLD/FST(P) m32real/m64real, FILD m32int and the arithmetic with
 * m32real/m64real. Each does what h_fpu does for its form, in the same order (#NM,
 * pending exception, FOP/FIP/FDP, operation), without the dispatch on opcode, ModRM and
 * form. Where the operands are in the common state (registers in use, normal values, a
 * normal result) the operation runs inline through the softfloat fast paths
 * (cpu/softfloat.h), which give the same bits, flags and C1 as the general path; any
 * other case goes to the same general helpers as h_fpu.
 */

/* What h_fpu does before the operation of a waiting, non-control instruction. */
static inline void fpu_enter(X86CPU *cpu, const DecodedInsn *i, bool mem, uint32_t ea)
{
    fpu_nm_check(cpu);
    fpu_sync(cpu);
    fpu_check_pending(cpu);
    fpu_note(cpu, i, mem, ea);
}

static inline bool fpu_tag_used(uint16_t ftw, unsigned r)
{
    return ((ftw >> (2 * r)) & 3) != TAG_EMPTY;
}

/* Rounding control and significand bits of results (24, 64 for the reserved PC 01, 53, 64)
 * from FCW, as fpu_sf(). */
static inline unsigned fpu_fast_rc(const X86CPU *cpu)
{
    return (cpu->fpu.fcw >> FCW_RC_SHIFT) & 3;
}

static inline unsigned fpu_fast_prec(const X86CPU *cpu)
{
    return (0x40354018u >> (8 * ((cpu->fpu.fcw >> FCW_PC_SHIFT) & 3))) & 0xff;
}

/* fpu_commit_flags() for a delivered result whose only possible flag is PE. */
static inline void fpu_fast_commit(X86CPU *cpu, uint8_t flags, bool c1)
{
    uint16_t fsw = cpu->fpu.fsw & (uint16_t)~FSW_C1;

    if (c1) {
        fsw |= FSW_C1;
    }
    if (flags) {
        fsw |= flags;
        if (flags & ~cpu->fpu.fcw & FCW_EXC_MASKS) {
            fsw |= FSW_ES | FSW_B;
        }
    }
    cpu->fpu.fsw = fsw;
}

/* r = a op b through the fast paths with the rounding given (op as fpu_arith(); division
 * is not among them). */
static ALWAYS_INLINE bool fpu_arith_fast_rc(unsigned rc, unsigned prec, unsigned op,
                                            FloatX80 a, FloatX80 b, FloatX80 *r,
                                            uint8_t *flags, bool *c1)
{
    switch (op) {
    case 0:
        return f80_add_fast(rc, prec, a, b, false, r, flags, c1);
    case 1:
        return f80_mul_fast(rc, prec, a, b, r, flags, c1);
    case 4:
        return f80_add_fast(rc, prec, a, b, true, r, flags, c1);
    case 5:
        return f80_add_fast(rc, prec, b, a, true, r, flags, c1);
    default:
        return false;
    }
}

/*
 * The same with FCW's rounding. The two settings nearly every program runs with, round
 * to nearest with 64-bit (Linux, DOS: FCW 0x37f) or 53-bit precision (Windows: 0x27f),
 * get code of their own with the rounding known at compile time.
 */
static ALWAYS_INLINE bool fpu_arith_fast(const X86CPU *cpu, unsigned op, FloatX80 a,
                                         FloatX80 b, FloatX80 *r, uint8_t *flags, bool *c1)
{
    switch (cpu->fpu.fcw & 0x0f00) {
    case 0x0300:
        return fpu_arith_fast_rc(SF_RN, 64, op, a, b, r, flags, c1);
    case 0x0200:
        return fpu_arith_fast_rc(SF_RN, 53, op, a, b, r, flags, c1);
    default:
        return fpu_arith_fast_rc(fpu_fast_rc(cpu), fpu_fast_prec(cpu), op, a, b, r, flags, c1);
    }
}

/* fpu_arith_reg() with the fast path first. */
static ALWAYS_INLINE void fpu_arith_reg_fast(X86CPU *cpu, unsigned op, unsigned dst, unsigned src,
                                      bool pop)
{
    unsigned top = fpu_top(cpu), rd = (top + dst) & 7, rs = (top + src) & 7;
    uint16_t ftw = cpu->fpu.ftw;
    FloatX80 r;
    uint8_t flags = 0;
    bool c1;

    if (likely(fpu_tag_used(ftw, rd) && fpu_tag_used(ftw, rs) &&
               fpu_arith_fast(cpu, op, fpu_phys_get(cpu, rd), fpu_phys_get(cpu, rs), &r,
                              &flags, &c1))) {
        cpu->fpu.mant[rd] = r.mant;
        cpu->fpu.exp[rd] = r.se;
        cpu->fpu.ftw = ftw & (uint16_t)~(3u << (2 * rd));
        fpu_fast_commit(cpu, flags, c1);
        if (pop) {
            fpu_pop(cpu);
        }
        return;
    }
    fpu_arith_reg(cpu, op, dst, src, pop);
}

/*
 * Register forms of the arithmetic, one handler per operation so that the operation is a
 * constant in each: D8 (ST(0) = ST(0) op ST(i)), DC (ST(i) = ST(i) op ST(0)) and DE (the
 * same, then pop). op is the D8 reg field (fpu_arith()); in DC and DE the sub/subr and
 * div/divr fields are swapped, which fpu_specialize() undoes.
 */
static ALWAYS_INLINE void fpu_arith_form(X86CPU *cpu, const DecodedInsn *i, unsigned op,
                                         int form)
{
    unsigned n = i->modrm & 7;

    fpu_enter(cpu, i, false, 0);
    if (form == 0) {
        fpu_arith_reg_fast(cpu, op, 0, n, false);
    } else {
        fpu_arith_reg_fast(cpu, op, n, 0, form == 2);
    }
}

static void h_fadd_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 0, 0); }
static void h_fmul_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 1, 0); }
static void h_fsub_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 4, 0); }
static void h_fsubr_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 5, 0); }
static void h_fdiv_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 6, 0); }
static void h_fdivr_st0(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 7, 0); }
static void h_fadd_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 0, 1); }
static void h_fmul_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 1, 1); }
static void h_fsub_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 4, 1); }
static void h_fsubr_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 5, 1); }
static void h_fdiv_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 6, 1); }
static void h_fdivr_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 7, 1); }
static void h_faddp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 0, 2); }
static void h_fmulp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 1, 2); }
static void h_fsubp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 4, 2); }
static void h_fsubrp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 5, 2); }
static void h_fdivp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 6, 2); }
static void h_fdivrp_sti(X86CPU *cpu, const DecodedInsn *i) { fpu_arith_form(cpu, i, 7, 2); }

/* Indexed [form][op] as fpu_arith_form(); ops 2 and 3 (compares) are not arithmetic. */
static const InsnHandler fpu_arith_handlers[3][8] = {
    {h_fadd_st0, h_fmul_st0, NULL, NULL, h_fsub_st0, h_fsubr_st0, h_fdiv_st0, h_fdivr_st0},
    {h_fadd_sti, h_fmul_sti, NULL, NULL, h_fsub_sti, h_fsubr_sti, h_fdiv_sti, h_fdivr_sti},
    {h_faddp_sti, h_fmulp_sti, NULL, NULL, h_fsubp_sti, h_fsubrp_sti, h_fdivp_sti,
     h_fdivrp_sti},
};

/* Push v when ST(7) is free (the common case of fpu_push_value: C1 cleared). */
static ALWAYS_INLINE bool fpu_push_fast(X86CPU *cpu, FloatX80 v)
{
    unsigned r = (fpu_top(cpu) - 1) & 7;

    if (unlikely(fpu_tag_used(cpu->fpu.ftw, r))) {
        return false;
    }
    cpu->fpu.mant[r] = v.mant;
    cpu->fpu.exp[r] = v.se;
    cpu->fpu.ftw &= (uint16_t)~(3u << (2 * r));
    cpu->fpu.fsw = (uint16_t)((cpu->fpu.fsw & ~(FSW_TOP | FSW_C1)) | (r << FSW_TOP_SHIFT));
    return true;
}

/* D9 C0-C7: FLD ST(i). */
static void h_fpu_fld_sti(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = i->modrm & 7;

    fpu_enter(cpu, i, false, 0);
    if (unlikely(fpu_empty(cpu, n))) {
        if (fpu_underflow(cpu)) {
            fpu_push(cpu, FPU_INDEFINITE); /* no overflow check after underflow */
        }
        return;
    }
    if (likely(fpu_push_fast(cpu, fpu_get(cpu, n)))) {
        return;
    }
    fpu_push_value(cpu, fpu_get(cpu, n));
}

/* D9 C8-CF: FXCH ST(i). */
static void h_fpu_fxch(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned top, r0, rn;

    fpu_enter(cpu, i, false, 0);
    top = fpu_top(cpu);
    r0 = top;
    rn = (top + (i->modrm & 7)) & 7;
    if (likely(fpu_tag_used(cpu->fpu.ftw, r0) && fpu_tag_used(cpu->fpu.ftw, rn))) {
        uint64_t m = cpu->fpu.mant[r0];
        uint16_t e = cpu->fpu.exp[r0];

        cpu->fpu.mant[r0] = cpu->fpu.mant[rn];
        cpu->fpu.exp[r0] = cpu->fpu.exp[rn];
        cpu->fpu.mant[rn] = m;
        cpu->fpu.exp[rn] = e;
        cpu->fpu.ftw &= (uint16_t)~((3u << (2 * r0)) | (3u << (2 * rn)));
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        return;
    }
    fpu_fxch(cpu, i->modrm & 7);
}

/* DD D0-DF: FST/FSTP ST(i). */
static void h_fpu_fst_sti(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned top, rn;

    fpu_enter(cpu, i, false, 0);
    top = fpu_top(cpu);
    rn = (top + (i->modrm & 7)) & 7;
    if (likely(fpu_tag_used(cpu->fpu.ftw, top))) {
        cpu->fpu.mant[rn] = cpu->fpu.mant[top];
        cpu->fpu.exp[rn] = cpu->fpu.exp[top];
        cpu->fpu.ftw &= (uint16_t)~(3u << (2 * rn));
        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        if (((i->modrm >> 3) & 7) == 3) {
            fpu_pop(cpu);
        }
        return;
    }
    fpu_fst_reg(cpu, i->modrm & 7, ((i->modrm >> 3) & 7) == 3);
}

/* Normal or a true zero: compared without flags. */
static inline bool f80_cmp_plain(FloatX80 a)
{
    return f80_is_normal(a) || (f80_exp(a) == 0 && a.mant == 0);
}

/* f80_compare() of two plain operands (see above). */
static ALWAYS_INLINE int fpu_compare_plain(FloatX80 a, FloatX80 b)
{
    bool za = f80_exp(a) == 0, zb = f80_exp(b) == 0, sa = f80_sign(a);

    if (za && zb) {
        return SF_CMP_EQ;
    }
    if (za || zb || sa != f80_sign(b)) { /* the signs (of the non-zero ones) decide */
        return (za ? !f80_sign(b) : sa) ? SF_CMP_LT : SF_CMP_GT;
    }
    if (a.se == b.se && a.mant == b.mant) {
        return SF_CMP_EQ;
    }
    return ((a.se > b.se || (a.se == b.se && a.mant > b.mant)) != sa) ? SF_CMP_GT : SF_CMP_LT;
}

/* fpu_compare() of ST(0) with ST(n), with the fast path first. */
static ALWAYS_INLINE void fpu_compare_sti(X86CPU *cpu, unsigned n, bool quiet, bool eflags,
                                   unsigned npop)
{
    unsigned top = fpu_top(cpu), rn = (top + n) & 7;
    FloatX80 a = fpu_phys_get(cpu, top), b = fpu_phys_get(cpu, rn);

    if (likely(fpu_tag_used(cpu->fpu.ftw, top) && fpu_tag_used(cpu->fpu.ftw, rn) &&
               f80_cmp_plain(a) && f80_cmp_plain(b))) {
        int c = fpu_compare_plain(a, b);

        cpu->fpu.fsw &= (uint16_t)~FSW_C1;
        if (eflags) {
            fpu_set_eflags_cmp(cpu, c);
        } else {
            fpu_set_cc(cpu, cmp_to_cc(c));
        }
        while (npop--) {
            fpu_pop(cpu);
        }
        return;
    }
    fpu_compare(cpu, b, fpu_empty(cpu, n), quiet, eflags, npop);
}

/* D8 D0-DF: FCOM/FCOMP ST(i). */
static void h_fpu_fcom_sti(X86CPU *cpu, const DecodedInsn *i)
{
    fpu_enter(cpu, i, false, 0);
    fpu_compare_sti(cpu, i->modrm & 7, false, false, ((i->modrm >> 3) & 7) - 2);
}

/* DB E8-F7: FUCOMI/FCOMI; DF E8-F7: FUCOMIP/FCOMIP. */
static void h_fpu_fcomi(X86CPU *cpu, const DecodedInsn *i)
{
    fpu_enter(cpu, i, false, 0);
    fpu_compare_sti(cpu, i->modrm & 7, ((i->modrm >> 3) & 7) == 5, true, i->opc == 0xdf);
}

/* D9 /0 and DD /0: FLD m32real / m64real. */
static void h_fpu_fld_m32(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i), v;
    FloatX80 x;
    SFStatus s;

    fpu_enter(cpu, i, true, ea);
    v = cpu_ld32_inline(cpu, i->seg, ea);
    if (likely(f80_from_f32_fast(v, &x) && fpu_push_fast(cpu, x))) {
        return;
    }
    s = fpu_sf(cpu);
    fpu_fld_conv(cpu, f80_from_f32(&s, v), &s);
}

static void h_fpu_fld_m64(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i);
    uint64_t v;
    FloatX80 x;
    SFStatus s;

    fpu_enter(cpu, i, true, ea);
    v = cpu_ld64_inline(cpu, i->seg, ea);
    if (likely(f80_from_f64_fast(v, &x) && fpu_push_fast(cpu, x))) {
        return;
    }
    s = fpu_sf(cpu);
    fpu_fld_conv(cpu, f80_from_f64(&s, v), &s);
}

/* D9 /2, /3 and DD /2, /3: FST/FSTP m32real / m64real. */
static void h_fpu_fst_m32(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i);

    fpu_enter(cpu, i, true, ea);
    fpu_store_mem(cpu, i, ea, 0, ((i->modrm >> 3) & 7) == 3);
}

static void h_fpu_fst_m64(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i);
    unsigned top;
    uint64_t v;
    uint8_t flags = 0;
    bool c1;

    fpu_enter(cpu, i, true, ea);
    top = fpu_top(cpu);
    if (likely(fpu_tag_used(cpu->fpu.ftw, top) &&
               f80_to_f64_fast(fpu_fast_rc(cpu), fpu_phys_get(cpu, top), &v, &flags, &c1))) {
        /* The store first: it may fault, and nothing is committed before it. */
        cpu_st64_inline(cpu, i->seg, ea, v);
        fpu_fast_commit(cpu, flags, c1);
        if (((i->modrm >> 3) & 7) == 3) {
            fpu_pop(cpu);
        }
        return;
    }
    fpu_store_mem(cpu, i, ea, 2, ((i->modrm >> 3) & 7) == 3);
}

/* DB /0: FILD m32int. */
static void h_fpu_fild_m32(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i);

    FloatX80 x;

    fpu_enter(cpu, i, true, ea);
    x = f80_from_i64((int32_t)cpu_ld32_inline(cpu, i->seg, ea));
    if (likely(fpu_push_fast(cpu, x))) {
        return;
    }
    fpu_push_value(cpu, x);
}

/*
 * D8 and DC memory forms minus FCOM/FCOMP: ST(0) = ST(0) op m32real / m64real. The operand
 * is read once; the general case then does what fpu_mem_form() does with it.
 */
static void h_fpu_arith_mreal(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i), v32 = 0;
    unsigned op = (i->modrm >> 3) & 7, top;
    bool m64 = i->opc == 0xdc, fast, c1;
    uint64_t v64 = 0;
    FloatX80 m, r;
    uint8_t flags = 0;
    SFStatus s, t;

    fpu_enter(cpu, i, true, ea);
    if (m64) {
        v64 = cpu_ld64_inline(cpu, i->seg, ea);
        fast = f80_from_f64_fast(v64, &m);
    } else {
        v32 = cpu_ld32_inline(cpu, i->seg, ea);
        fast = f80_from_f32_fast(v32, &m);
    }
    top = fpu_top(cpu);
    if (likely(fast && fpu_tag_used(cpu->fpu.ftw, top) &&
               fpu_arith_fast(cpu, op, fpu_phys_get(cpu, top), m, &r, &flags, &c1))) {
        cpu->fpu.mant[top] = r.mant;
        cpu->fpu.exp[top] = r.se;
        fpu_fast_commit(cpu, flags, c1);
        return;
    }
    s = fpu_sf(cpu);
    t = s;
    m = m64 ? fpu_arith_operand_f64(&t, v64) : fpu_arith_operand_f32(&t, v32);
    /* as fpu_mem_form(): the conversion's DE is not signalled when an operand is a NaN or
     * ST(0) is empty, nor with a division by zero */
    s.flags = t.flags & ~SF_DE;
    fpu_arith_mem(cpu, op, &s, m,
                  (t.flags & SF_DE) && !f80_is_nan(m) && !fpu_empty(cpu, 0) &&
                      !(f80_is_nan(fpu_get(cpu, 0)) || f80_is_unsupported(fpu_get(cpu, 0))));
}

/* The portable handler of d; base: the opcode table's handler (h_fpu for the rows that
 * have specialised forms). */
static InsnHandler fpu_specialize_soft(const DecodedInsn *d, InsnHandler base)
{
    unsigned reg = (d->modrm >> 3) & 7;
    unsigned op = reg >= 4 ? reg ^ 1 : reg; /* DC/DE register forms: as in D8 */

    if (base != h_fpu) {
        return base;
    }
    if ((d->modrm >> 6) == 3) {
        switch (d->opc) {
        case 0xd8:
            return reg == 2 || reg == 3 ? h_fpu_fcom_sti : fpu_arith_handlers[0][reg];
        case 0xd9:
            return reg == 0 ? h_fpu_fld_sti : reg == 1 ? h_fpu_fxch : base;
        case 0xdb:
            return reg == 5 || reg == 6 ? h_fpu_fcomi : base;
        case 0xdc:
            return reg == 2 || reg == 3 ? base : fpu_arith_handlers[1][op];
        case 0xdd:
            return reg == 2 || reg == 3 ? h_fpu_fst_sti : base;
        case 0xde:
            return reg == 2 || reg == 3 ? base : fpu_arith_handlers[2][op];
        case 0xdf:
            return reg == 5 || reg == 6 ? h_fpu_fcomi : base;
        default:
            return base;
        }
    }
    switch (d->opc) {
    case 0xd8:
    case 0xdc:
        return reg == 2 || reg == 3 ? base : h_fpu_arith_mreal;
    case 0xd9:
        return reg == 0 ? h_fpu_fld_m32 : reg == 2 || reg == 3 ? h_fpu_fst_m32 : base;
    case 0xdb:
        return reg == 0 ? h_fpu_fild_m32 : base;
    case 0xdd:
        return reg == 0 ? h_fpu_fld_m64 : reg == 2 || reg == 3 ? h_fpu_fst_m64 : base;
    default:
        return base;
    }
}

/* The opcode table's handler of an x87 instruction (see cpu/insn.def). */
static InsnHandler fpu_table_handler(const DecodedInsn *d)
{
    bool mem = (d->modrm >> 6) != 3;
    unsigned reg = (d->modrm >> 3) & 7;

    if ((d->opc == 0xdf && d->modrm == 0xe0) || (d->opc == 0xdd && mem && reg == 7)) {
        return h_fnstsw;
    }
    if (d->opc == 0xd9 && mem && reg == 5) {
        return h_fldcw;
    }
    if (d->opc == 0xdb && d->modrm == 0xe2) {
        return h_fnclex;
    }
    if (d->opc == 0xdb && d->modrm == 0xe3) {
        return h_fninit;
    }
    return h_fpu;
}

void fpu_soft(X86CPU *cpu, const DecodedInsn *i)
{
    fpu_sync(cpu);
    fpu_specialize_soft(i, fpu_table_handler(i))(cpu, i);
}

/* Called for h_fpu and the control instructions that have a host form (FNSTSW, FLDCW,
 * FNCLEX, FNINIT). */
InsnHandler fpu_specialize(const DecodedInsn *d)
{
#ifdef CONFIG_HOST_X87
    InsnHandler h = hostx87_handler(d);

    if (h) {
        return h;
    }
#endif
    return fpu_specialize_soft(d, d->handler);
}
