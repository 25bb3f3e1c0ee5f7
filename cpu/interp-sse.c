/*
 * MMX, SSE and SSE2 instruction handlers: every row of cpu/insn.def with handler `simd`
 * arrives at h_simd, which dispatches on the opcode byte and the mandatory prefix.
 *
 * Registers: MMn is the significand of physical x87 register n (cpu->fpu.mant[n]); an
 * MMX instruction sets TOP = 0 and tags every register in use, and a write to MMn sets its
 * exponent/sign field to all ones (SDM vol. 1, 9.5). XMM registers are little-endian byte
 * images. Operands are copied into 16-byte little-endian buffers, computed lane by lane
 * through the ld*_le_p/st*_le_p helpers (so the code is byte-order neutral), and written
 * back only after every memory access and exception check has passed.
 *
 * Checks (SDM vol. 3, 13.x and 2.5): MMX: #UD if CR0.EM, #NM if CR0.TS, then a pending
 * x87 exception (#MF). SSE/SSE2: #UD if CR0.EM or CR4.OSFXSR = 0, #NM if CR0.TS; a
 * 16-byte memory operand of an aligned form must be 16-byte aligned (#GP(0)); an unmasked
 * SIMD floating-point exception sets the MXCSR flags and raises #XM (CR4.OSXMMEXCPT) or
 * #UD, leaving the destination unchanged.
 *
 * Deviation: RCPPS/RCPSS/RSQRTPS/RSQRTSS return the correctly rounded reciprocal (square
 * root) instead of Intel's table-based 12-bit approximation; both meet the documented
 * error bound (|relative error| <= 1.5 * 2^-12), the bits differ from hardware.
 */
#include "cpu/fpu.h"

enum { K_MMX = 1, K_SSE = 2 };

/* ---- checks and state transitions ---- */

static void simd_check(X86CPU *cpu, unsigned kinds)
{
    uint32_t cr0 = cpu->cr[0];

    if (cr0 & CR0_EM) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    if ((kinds & K_SSE) && !(cpu->cr[4] & CR4_OSFXSR)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    if (cr0 & CR0_TS) {
        cpu_raise_exception(cpu, EXC_NM, 0);
    }
    if (kinds & K_MMX) {
        fpu_sync(cpu); /* MMn are the x87 registers */
        fpu_check_pending(cpu);
    }
}

/* The x87 -> MMX transition of every MMX instruction but EMMS. */
static void mmx_enter(X86CPU *cpu)
{
    fpu_set_top(cpu, 0);
    cpu->fpu.ftw = 0;
}

static void mm_write(X86CPU *cpu, unsigned r, uint64_t v)
{
    cpu->fpu.mant[r & 7] = v;
    cpu->fpu.exp[r & 7] = 0xffff;
}

static uint8_t *xmm(X86CPU *cpu, unsigned r)
{
    return cpu->fpu.xmm[r & 7];
}

/* ---- operand access ---- */

static uint32_t simd_ea(X86CPU *cpu, const DecodedInsn *i, unsigned size, bool align)
{
    uint32_t ea = insn_ea(cpu, i);

    if (align && (ea & (size - 1))) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    return ea;
}

static void mem_load(X86CPU *cpu, const DecodedInsn *i, uint8_t *out, unsigned size, bool align)
{
    uint32_t ea = simd_ea(cpu, i, size, align);

    memset(out, 0, 16);
    switch (size) {
    case 2:
        stw_le_p(out, cpu_ld16(cpu, i->seg, ea));
        break;
    case 4:
        stl_le_p(out, cpu_ld32(cpu, i->seg, ea));
        break;
    case 8:
        stq_le_p(out, cpu_ld64(cpu, i->seg, ea));
        break;
    default:
        stq_le_p(out, cpu_ld64(cpu, i->seg, ea));
        stq_le_p(out + 8, cpu_ld64(cpu, i->seg, ea + 8));
        break;
    }
}

static void mem_store(X86CPU *cpu, const DecodedInsn *i, const uint8_t *v, unsigned size,
                      bool align)
{
    uint32_t ea = simd_ea(cpu, i, size, align);

    switch (size) {
    case 4:
        cpu_st32(cpu, i->seg, ea, ldl_le_p(v));
        break;
    case 8:
        cpu_st64(cpu, i->seg, ea, ldq_le_p(v));
        break;
    default:
        cpu_check_write(cpu, i->seg, ea, 16);
        cpu_st64(cpu, i->seg, ea, ldq_le_p(v));
        cpu_st64(cpu, i->seg, ea + 8, ldq_le_p(v + 8));
        break;
    }
}

/* Read operand n into a 16-byte buffer (zero-extended). size: bytes read from memory. */
static void opnd_load(X86CPU *cpu, const DecodedInsn *i, int n, uint8_t *out, unsigned size,
                      bool align)
{
    const InsnOperand *o = &i->op[n];

    switch (o->type) {
    case OT_XMM:
        memcpy(out, xmm(cpu, o->reg), 16);
        break;
    case OT_MMX:
        memset(out, 0, 16);
        stq_le_p(out, cpu->fpu.mant[o->reg & 7]);
        break;
    case OT_REG:
        memset(out, 0, 16);
        stl_le_p(out, cpu->regs[o->reg]);
        break;
    default:
        mem_load(cpu, i, out, size, align);
        break;
    }
}

/* ---- lanes ---- */

static uint64_t lane_get(const uint8_t *p, unsigned w, unsigned idx)
{
    switch (w) {
    case 1:
        return p[idx];
    case 2:
        return lduw_le_p(p + 2 * idx);
    case 4:
        return ldl_le_p(p + 4 * idx);
    default:
        return ldq_le_p(p + 8 * idx);
    }
}

static void lane_set(uint8_t *p, unsigned w, unsigned idx, uint64_t v)
{
    switch (w) {
    case 1:
        p[idx] = (uint8_t)v;
        break;
    case 2:
        stw_le_p(p + 2 * idx, (uint16_t)v);
        break;
    case 4:
        stl_le_p(p + 4 * idx, (uint32_t)v);
        break;
    default:
        stq_le_p(p + 8 * idx, v);
        break;
    }
}

static int64_t sext(uint64_t v, unsigned w)
{
    unsigned sh = 64 - 8 * w;

    return (int64_t)(v << sh) >> sh;
}

static uint64_t sat_s(int64_t v, unsigned w)
{
    int64_t max = (int64_t)((1ull << (8 * w - 1)) - 1), min = -max - 1;

    return (uint64_t)(v > max ? max : v < min ? min : v);
}

static uint64_t sat_u(int64_t v, unsigned w)
{
    int64_t max = (int64_t)((1ull << (8 * w)) - 1);

    return (uint64_t)(v > max ? max : v < 0 ? 0 : v);
}

/* Integer lane operation by opcode byte (a: destination lane, b: source lane). */
static uint64_t int_lane_op(unsigned op, uint64_t a, uint64_t b, unsigned w)
{
    int64_t sa = sext(a, w), sb = sext(b, w);
    uint64_t ones = w == 8 ? ~0ull : (1ull << (8 * w)) - 1;

    switch (op) {
    case 0x64: case 0x65: case 0x66:
        return sa > sb ? ones : 0;
    case 0x74: case 0x75: case 0x76:
        return a == b ? ones : 0;
    case 0xd4: case 0xfc: case 0xfd: case 0xfe:
        return a + b;
    case 0xf8: case 0xf9: case 0xfa: case 0xfb:
        return a - b;
    case 0xd5: /* pmullw */
        return (uint64_t)(sa * sb);
    case 0xe5: /* pmulhw */
        return (uint64_t)((sa * sb) >> 16);
    case 0xe4: /* pmulhuw */
        return (a * b) >> 16;
    case 0xd8: case 0xd9:
        return sat_u((int64_t)a - (int64_t)b, w);
    case 0xdc: case 0xdd:
        return sat_u((int64_t)a + (int64_t)b, w);
    case 0xe8: case 0xe9:
        return sat_s(sa - sb, w);
    case 0xec: case 0xed:
        return sat_s(sa + sb, w);
    case 0xda:
        return a < b ? a : b;
    case 0xde:
        return a > b ? a : b;
    case 0xea:
        return sa < sb ? a : b;
    case 0xee:
        return sa > sb ? a : b;
    case 0xe0: case 0xe3:
        return (a + b + 1) >> 1;
    case 0xdb:
        return a & b;
    case 0xdf:
        return ~a & b;
    case 0xeb:
        return a | b;
    default: /* 0xef */
        return a ^ b;
    }
}

static unsigned int_lane_width(unsigned op)
{
    switch (op) {
    case 0x64: case 0x74: case 0xd8: case 0xda: case 0xdc: case 0xde: case 0xe0: case 0xe8:
    case 0xec: case 0xf8: case 0xfc:
        return 1;
    case 0x65: case 0x75: case 0xd5: case 0xd9: case 0xdd: case 0xe3: case 0xe4: case 0xe5:
    case 0xe9: case 0xea: case 0xed: case 0xee: case 0xf9: case 0xfd:
        return 2;
    case 0x66: case 0x76: case 0xfa: case 0xfe:
        return 4;
    default:
        return 8;
    }
}

/* Shifts: kind 0 logical right, 1 arithmetic right, 2 left; count from an operand. */
static void shift_lanes(uint8_t *d, unsigned n, unsigned w, unsigned kind, uint64_t count)
{
    unsigned bits = 8 * w;

    for (unsigned k = 0; k < n / w; k++) {
        uint64_t v = lane_get(d, w, k);

        if (kind == 1) {
            int64_t s = sext(v, w);
            v = (uint64_t)(count >= bits ? (s < 0 ? -1 : 0) : s >> count);
        } else if (count >= bits) {
            v = 0;
        } else {
            v = kind == 0 ? v >> count : v << count;
        }
        lane_set(d, w, k, v);
    }
}

/* PACKSSWB/PACKSSDW/PACKUSWB: dst lanes then src lanes, narrowed with saturation. */
static void pack(uint8_t *r, const uint8_t *a, const uint8_t *b, unsigned n, unsigned w,
                 bool uns)
{
    unsigned cnt = n / w;
    uint8_t t[16];

    for (unsigned k = 0; k < 2 * cnt; k++) {
        int64_t v = sext(lane_get(k < cnt ? a : b, w, k % cnt), w);
        lane_set(t, w / 2, k, uns ? sat_u(v, w / 2) : sat_s(v, w / 2));
    }
    memcpy(r, t, n);
}

/* PUNPCKLxx / PUNPCKHxx: interleave lanes of the low or high halves. */
static void unpack(uint8_t *r, const uint8_t *a, const uint8_t *b, unsigned n, unsigned w,
                   bool high)
{
    unsigned half = n / w / 2;
    uint8_t t[16];

    for (unsigned k = 0; k < half; k++) {
        lane_set(t, w, 2 * k, lane_get(a, w, k + (high ? half : 0)));
        lane_set(t, w, 2 * k + 1, lane_get(b, w, k + (high ? half : 0)));
    }
    memcpy(r, t, n);
}

/* ---- SSE floating point ---- */

static ALWAYS_INLINE SFStatus sse_sf(const X86CPU *cpu)
{
    SFStatus s = {0};
    uint32_t m = cpu->fpu.mxcsr;

    s.round = (m >> MXCSR_RC_SHIFT) & 3;
    s.prec = 64;
    s.masks = (m >> 7) & 0x3f;
    s.daz = (m & MXCSR_DAZ) != 0;
    s.ftz = (m & MXCSR_FZ) != 0;
    return s;
}

/*
 * Merge flags into MXCSR; an unmasked one raises #XM (or #UD without OSXMMEXCPT). An
 * unmasked pre-computation exception (IE, DE, ZE) in any lane stops the instruction before
 * the results are rounded: the post-computation flags (OE, UE, PE) of the other lanes are
 * then not reported (SDM vol. 1, 11.5.2).
 */
static void sse_finish(X86CPU *cpu, const SFStatus *s)
{
    unsigned flags = s->flags;

    if (flags & ~s->masks & (SF_IE | SF_DE | SF_ZE)) {
        flags &= SF_IE | SF_DE | SF_ZE;
    }
    cpu->fpu.mxcsr |= flags;
    if (flags & ~s->masks & 0x3f) {
        cpu_raise_exception(cpu, (cpu->cr[4] & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, 0);
    }
}

/*
 * RCPPS/RCPSS (rsqrt false) and RSQRTPS/RSQRTSS: the correctly rounded 1/y or 1/sqrt(y)
 * (see the deviation in the header). Like the hardware approximations they raise no
 * exception and ignore MXCSR: a denormal operand counts as zero (1/0 = infinity) and a
 * result too small for a normal binary32 is a zero of its sign.
 */
static uint32_t f32_rcp_approx(uint32_t y, bool rsqrt)
{
    SFStatus t = {0};
    uint32_t r;

    t.round = SF_RN;
    t.prec = 64;
    t.masks = 0x3f;
    if ((y & 0x7f800000u) == 0) {
        y &= 0x80000000u;
    }
    r = f32_div(&t, 0x3f800000u, rsqrt ? f32_sqrt(&t, y) : y);
    if ((r & 0x7f800000u) == 0) {
        r &= 0x80000000u;
    }
    return r;
}

/* One lane of a packed/scalar FP arithmetic op. w: 4 or 8. */
static uint64_t fp_lane_op(SFStatus *s, unsigned op, uint64_t a, uint64_t b, unsigned w)
{
    int c;

    if (w == 4) {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;

        switch (op) {
        case 0x51:
            return f32_sqrt(s, y);
        case 0x52:
            return f32_rcp_approx(y, true);
        case 0x53:
            return f32_rcp_approx(y, false);
        case 0x58:
            return f32_add(s, x, y);
        case 0x59:
            return f32_mul(s, x, y);
        case 0x5c:
            return f32_sub(s, x, y);
        case 0x5e:
            return f32_div(s, x, y);
        case 0x5d:
        case 0x5f:
            c = f32_compare(s, x, y, false);
            if (s->daz) { /* the flushed operand is what is returned */
                x = f32_is_denormal(x) ? x & 0x80000000u : x;
                y = f32_is_denormal(y) ? y & 0x80000000u : y;
            }
            if (c == SF_CMP_UN || c == SF_CMP_EQ) {
                return y; /* NaN or equal (incl. +0/-0): the second operand */
            }
            return (op == 0x5d) == (c == SF_CMP_LT) ? x : y;
        default:
            return 0;
        }
    }
    switch (op) {
    case 0x51:
        return f64_sqrt(s, b);
    case 0x58:
        return f64_add(s, a, b);
    case 0x59:
        return f64_mul(s, a, b);
    case 0x5c:
        return f64_sub(s, a, b);
    case 0x5e:
        return f64_div(s, a, b);
    case 0x5d:
    case 0x5f:
        c = f64_compare(s, a, b, false);
        if (s->daz) {
            a = f64_is_denormal(a) ? a & 0x8000000000000000ull : a;
            b = f64_is_denormal(b) ? b & 0x8000000000000000ull : b;
        }
        if (c == SF_CMP_UN || c == SF_CMP_EQ) {
            return b;
        }
        return (op == 0x5d) == (c == SF_CMP_LT) ? a : b;
    default:
        return 0;
    }
}

static bool cmp_pred(int c, unsigned pred)
{
    switch (pred & 7) {
    case 0:
        return c == SF_CMP_EQ;
    case 1:
        return c == SF_CMP_LT;
    case 2:
        return c == SF_CMP_LT || c == SF_CMP_EQ;
    case 3:
        return c == SF_CMP_UN;
    case 4:
        return c != SF_CMP_EQ;
    case 5:
        return c != SF_CMP_LT;
    case 6:
        return c == SF_CMP_GT || c == SF_CMP_UN;
    default:
        return c != SF_CMP_UN;
    }
}

/* Predicates 0 (EQ), 3 (UNORD), 4 (NEQ), 7 (ORD) are quiet; the others signal on QNaN. */
static bool cmp_quiet(unsigned pred)
{
    pred &= 3;
    return pred == 0 || pred == 3;
}

/* ---- the dispatcher ---- */

static bool is_mmx_form(const DecodedInsn *i)
{
    return i->op[0].type == OT_MMX || i->op[1].type == OT_MMX;
}

static void write_dst_xmm_or_mm(X86CPU *cpu, const DecodedInsn *i, const uint8_t *r)
{
    if (i->op[0].type == OT_MMX) {
        mm_write(cpu, i->op[0].reg, ldq_le_p(r));
    } else {
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
    }
}

/* The CPUID feature an instruction belongs to (#UD on a model without it). */
static uint32_t simd_feature(unsigned op, unsigned pfx, bool mmx_only, unsigned modrm)
{
    unsigned reg = (modrm >> 3) & 7;

    if (op == 0xae) {
        if (reg <= 1) {
            return CPUID_FXSR;
        }
        if (reg == 7 && (modrm >> 6) != 3) {
            return CPUID_CLFSH; /* CLFLUSH has a CPUID bit of its own */
        }
        return reg <= 4 || reg == 7 ? CPUID_SSE : CPUID_SSE2;
    }
    if (pfx == P_F3) {
        switch (op) {
        case 0x10: case 0x11: case 0x2a: case 0x2c: case 0x2d: case 0x51: case 0x52: case 0x53:
        case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e: case 0x5f: case 0xc2:
            return CPUID_SSE;
        default:
            return CPUID_SSE2;
        }
    }
    if (pfx != P_NP) {
        return CPUID_SSE2;
    }
    if (!mmx_only) {
        return op == 0xc3 ? CPUID_SSE2 : CPUID_SSE;
    }
    switch (op) {
    case 0x70: case 0xc4: case 0xc5: case 0xd7: case 0xda: case 0xde: case 0xe0: case 0xe3:
    case 0xe4: case 0xe7: case 0xea: case 0xee: case 0xf6: case 0xf7:
        return CPUID_SSE;
    case 0xd4: case 0xf4: case 0xfb:
        return CPUID_SSE2;
    default:
        return CPUID_MMX;
    }
}

static void simd_group_ae(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned reg = (i->modrm >> 3) & 7;

    switch (reg) {
    case 0:
    case 1:
        if (cpu->cr[0] & (CR0_EM | CR0_TS)) {
            cpu_raise_exception(cpu, EXC_NM, 0);
        }
        if (reg == 0) {
            fpu_fxsave(cpu, i->seg, insn_ea(cpu, i));
        } else {
            fpu_fxrstor(cpu, i->seg, insn_ea(cpu, i));
        }
        break;
    case 2: {
        uint32_t v;

        simd_check(cpu, K_SSE);
        v = cpu_ld32(cpu, i->seg, insn_ea(cpu, i));
        if (v & ~MXCSR_MASK) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        fpu_sync(cpu); /* flags the host SSE unit holds are overwritten, not kept */
        cpu->fpu.mxcsr = v;
        break;
    }
    case 3:
        simd_check(cpu, K_SSE);
        fpu_sync(cpu); /* with the flags of the host SSE path (cpu/fpu.h) */
        cpu_st32(cpu, i->seg, insn_ea(cpu, i), cpu->fpu.mxcsr);
        break;
    case 7:
        if ((i->modrm >> 6) != 3) {
            /* CLFLUSH: no cache to flush; the access is checked like a byte read */
            (void)cpu_ld8(cpu, i->seg, insn_ea(cpu, i));
        }
        break;
    default: /* LFENCE, MFENCE: one in-order CPU, nothing to order */
        break;
    }
}

/* ---- specialised handlers (simd_specialize) ---- */

/*
 * Each does what h_simd does for its form, in the same order (feature check, #UD/#NM
 * checks, the operand, the operation, MXCSR flags and #XM before any write), without the
 * dispatch on opcode and prefix. The arithmetic is the same fp_lane_op() call.
 */
static ALWAYS_INLINE void simd_enter(X86CPU *cpu, const DecodedInsn *i)
{
    const InsnInfo *info = insn_info(i);

    if (!(cpu->model->features_edx &
          simd_feature(info->opcode & 0xff, info->pfx, false, i->modrm))) {
        interp_log_unimp(cpu, i, "instruction of a feature this CPU model lacks");
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    simd_check(cpu, K_SSE);
}

/*
 * ADDSD/SUBSD/MULSD in the common case, through the 80-bit fast paths (cpu/softfloat.h)
 * with 53-bit rounding: both operands normal and a result whose binary64 exponent lies
 * strictly inside the normal range (so that no overflow, underflow, denormal or DAZ/FTZ
 * rule can apply, and rounding a normal value to 53 bits is binary64 rounding). The only
 * flag then is PE, as from the general path. false: take the general path.
 */
static ALWAYS_INLINE bool simd_sd_fast(unsigned round, unsigned op, uint64_t a, uint64_t b,
                                       uint64_t *out, uint8_t *flags)
{
    FloatX80 x, y, r;
    uint8_t f = 0;
    bool c1, ok;
    int32_t e;

    if (!(f80_from_f64_fast(a, &x) && f80_from_f64_fast(b, &y))) {
        return false;
    }
    ok = op == 0x59 ? f80_mul_fast(round, 53, x, y, &r, &f, &c1)
                    : f80_add_fast(round, 53, x, y, op == 0x5c, &r, &f, &c1);
    if (!ok) {
        return false;
    }
    e = (int32_t)f80_exp(r) - F80_BIAS + 1023;
    if (e < 2 || e > 0x7fd) { /* near or beyond the ends of the range: general path */
        return false;
    }
    *out = ((uint64_t)f80_sign(r) << 63) | ((uint64_t)e << 52) |
           ((r.mant >> 11) & 0x000fffffffffffffull);
    *flags |= f;
    return true;
}

/* ADDSD, MULSD, SUBSD, DIVSD xmm, xmm/m64: the low lane, the high one kept. */
static ALWAYS_INLINE void simd_sd_arith(X86CPU *cpu, const DecodedInsn *i, unsigned op)
{
    uint8_t b[16];
    uint8_t *d;
    SFStatus s;
    uint64_t r, x, y;

    simd_enter(cpu, i);
    s = sse_sf(cpu);
    opnd_load(cpu, i, 1, b, 8, false);
    d = xmm(cpu, i->op[0].reg);
    x = lane_get(d, 8, 0);
    y = lane_get(b, 8, 0);
    if (op == 0x5e || !simd_sd_fast(s.round, op, x, y, &r, &s.flags)) {
        r = fp_lane_op(&s, op, x, y, 8);
    }
    sse_finish(cpu, &s);
    lane_set(d, 8, 0, r);
}

static void h_simd_addsd(X86CPU *cpu, const DecodedInsn *i) { simd_sd_arith(cpu, i, 0x58); }
static void h_simd_mulsd(X86CPU *cpu, const DecodedInsn *i) { simd_sd_arith(cpu, i, 0x59); }
static void h_simd_subsd(X86CPU *cpu, const DecodedInsn *i) { simd_sd_arith(cpu, i, 0x5c); }
static void h_simd_divsd(X86CPU *cpu, const DecodedInsn *i) { simd_sd_arith(cpu, i, 0x5e); }

/* MOVAPS, MOVAPD xmm, xmm */
static void h_simd_movap_rr(X86CPU *cpu, const DecodedInsn *i)
{
    uint8_t r[16];

    simd_enter(cpu, i);
    memcpy(r, xmm(cpu, i->op[1].reg), 16);
    memcpy(xmm(cpu, i->op[0].reg), r, 16);
}

bool simd_model_has(const X86CPU *cpu, const DecodedInsn *d)
{
    const InsnInfo *info = insn_info(d);

    return (cpu->model->features_edx &
            simd_feature(info->opcode & 0xff, info->pfx,
                         is_mmx_form(d) && d->op[0].type != OT_XMM && d->op[1].type != OT_XMM,
                         d->modrm)) != 0;
}

InsnHandler simd_specialize(const DecodedInsn *d)
{
    const InsnInfo *info = insn_info(d);
    unsigned op = info->opcode & 0xff;
    bool xmm_dst = d->op[0].type == OT_XMM;


    if (info->pfx == P_F2 && xmm_dst && (d->op[1].type == OT_XMM || d->op[1].type == OT_MEM)) {
        switch (op) {
        case 0x58:
            return h_simd_addsd;
        case 0x59:
            return h_simd_mulsd;
        case 0x5c:
            return h_simd_subsd;
        case 0x5e:
            return h_simd_divsd;
        default:
            break;
        }
    }
    if (op == 0x28 && (info->pfx == P_NP || info->pfx == P_66) && xmm_dst &&
        d->op[1].type == OT_XMM) {
        return h_simd_movap_rr;
    }
    return h_simd;
}

void h_simd(X86CPU *cpu, const DecodedInsn *i)
{
    const InsnInfo *info = insn_info(i);
    unsigned op = info->opcode & 0xff, pfx = info->pfx;
    bool mmx = is_mmx_form(i), xm = i->op[0].type == OT_XMM || i->op[1].type == OT_XMM;
    unsigned n = mmx && !xm ? 8 : 16; /* register width of the integer forms */
    uint8_t a[16], b[16], r[16];
    SFStatus s;

    if (!(cpu->model->features_edx & simd_feature(op, pfx, mmx && !xm, i->modrm))) {
        interp_log_unimp(cpu, i, "instruction of a feature this CPU model lacks");
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    if (op == 0xae) {
        simd_group_ae(cpu, i);
        return;
    }
    if (op == 0x77) { /* EMMS: every register empty, TOP = 0 (SDM vol. 1, table 9-2) */
        simd_check(cpu, K_MMX);
        cpu->fpu.ftw = 0xffff;
        fpu_set_top(cpu, 0);
        return;
    }
    simd_check(cpu, (mmx ? K_MMX : 0) | (xm || !mmx ? K_SSE : 0));
    s = sse_sf(cpu);

    switch (op) {
    case 0x10: /* movups/movupd/movss/movsd load */
    case 0x11: { /* ... store */
        unsigned sz = pfx == P_F3 ? 4 : pfx == P_F2 ? 8 : 16;
        int dst = 0, src = 1;
        bool dmem = i->op[dst].type == OT_MEM, smem = i->op[src].type == OT_MEM;

        if (dmem) {
            mem_store(cpu, i, xmm(cpu, i->op[src].reg), sz, false);
        } else if (smem) {
            mem_load(cpu, i, r, sz, false);
            memcpy(xmm(cpu, i->op[dst].reg), r, 16);
        } else {
            memcpy(r, xmm(cpu, i->op[src].reg), 16);
            memcpy(xmm(cpu, i->op[dst].reg), r, sz);
        }
        return;
    }
    case 0x12: /* movhlps / movlps / movlpd load */
    case 0x16: { /* movlhps / movhps / movhpd load */
        uint8_t *d = xmm(cpu, i->op[0].reg);

        if (i->op[1].type == OT_MEM) {
            mem_load(cpu, i, r, 8, false);
            memcpy(d + (op == 0x16 ? 8 : 0), r, 8);
        } else {
            memcpy(r, xmm(cpu, i->op[1].reg), 16);
            memcpy(d + (op == 0x16 ? 8 : 0), r + (op == 0x16 ? 0 : 8), 8);
        }
        return;
    }
    case 0x13: /* movlps/movlpd store */
    case 0x17: /* movhps/movhpd store */
        mem_store(cpu, i, xmm(cpu, i->op[1].reg) + (op == 0x17 ? 8 : 0), 8, false);
        return;
    case 0x14:
    case 0x15:
        opnd_load(cpu, i, 1, b, 16, true);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        unpack(r, a, b, 16, pfx == P_66 ? 8 : 4, op == 0x15);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    case 0x28: /* movaps/movapd */
    case 0x6f: /* movq mm / movdqa / movdqu */
    case 0x7f:
    case 0x29:
    case 0x2b: /* movntps/movntpd */
    case 0xe7: { /* movntq / movntdq */
        bool store = op == 0x29 || op == 0x7f || op == 0x2b || op == 0xe7;
        bool align = !(pfx == P_F3);

        if (mmx && !xm) {
            if (store && i->op[0].type == OT_MEM) {
                stq_le_p(r, cpu->fpu.mant[i->op[1].reg & 7]);
                mem_store(cpu, i, r, 8, false);
            } else {
                opnd_load(cpu, i, 1, r, 8, false);
                mm_write(cpu, i->op[0].reg, ldq_le_p(r));
            }
            mmx_enter(cpu);
            return;
        }
        if (i->op[0].type == OT_MEM) {
            mem_store(cpu, i, xmm(cpu, i->op[1].reg), 16, align);
        } else {
            opnd_load(cpu, i, 1, r, 16, align);
            memcpy(xmm(cpu, i->op[0].reg), r, 16);
        }
        return;
    }
    case 0x2a: { /* cvtpi2ps, cvtpi2pd, cvtsi2ss, cvtsi2sd */
        uint8_t *d = xmm(cpu, i->op[0].reg);

        opnd_load(cpu, i, 1, b, pfx == P_F3 || pfx == P_F2 ? 4 : 8, false);
        memcpy(r, d, 16);
        switch (pfx) {
        case P_NP:
            lane_set(r, 4, 0, i32_to_f32(&s, (int32_t)lane_get(b, 4, 0)));
            lane_set(r, 4, 1, i32_to_f32(&s, (int32_t)lane_get(b, 4, 1)));
            break;
        case P_66:
            lane_set(r, 8, 0, i32_to_f64((int32_t)lane_get(b, 4, 0)));
            lane_set(r, 8, 1, i32_to_f64((int32_t)lane_get(b, 4, 1)));
            break;
        case P_F3:
            lane_set(r, 4, 0, i32_to_f32(&s, (int32_t)lane_get(b, 4, 0)));
            break;
        default:
            lane_set(r, 8, 0, i32_to_f64((int32_t)lane_get(b, 4, 0)));
            break;
        }
        sse_finish(cpu, &s);
        memcpy(d, r, 16);
        if (i->op[1].type == OT_MMX) {
            mmx_enter(cpu);
        }
        return;
    }
    case 0x2c: /* cvtt*2pi / cvtt*2si */
    case 0x2d: { /* cvt*2pi / cvt*2si */
        bool trunc = op == 0x2c;
        unsigned sz = pfx == P_NP ? 8 : pfx == P_66 ? 16 : pfx == P_F3 ? 4 : 8;
        uint64_t v;

        opnd_load(cpu, i, 1, b, sz, pfx == P_66);
        switch (pfx) {
        case P_NP:
            v = (uint32_t)f32_to_i32(&s, (uint32_t)lane_get(b, 4, 0), trunc) |
                ((uint64_t)(uint32_t)f32_to_i32(&s, (uint32_t)lane_get(b, 4, 1), trunc) << 32);
            break;
        case P_66:
            v = (uint32_t)f64_to_i32(&s, lane_get(b, 8, 0), trunc) |
                ((uint64_t)(uint32_t)f64_to_i32(&s, lane_get(b, 8, 1), trunc) << 32);
            break;
        case P_F3:
            v = (uint32_t)f32_to_i32(&s, (uint32_t)lane_get(b, 4, 0), trunc);
            break;
        default:
            v = (uint32_t)f64_to_i32(&s, lane_get(b, 8, 0), trunc);
            break;
        }
        sse_finish(cpu, &s);
        if (i->op[0].type == OT_MMX) {
            mm_write(cpu, i->op[0].reg, v);
            mmx_enter(cpu);
        } else {
            cpu->regs[i->op[0].reg] = (uint32_t)v;
        }
        return;
    }
    case 0x2e: /* ucomiss/ucomisd */
    case 0x2f: { /* comiss/comisd */
        static const uint32_t fl[4] = {CC_C, CC_Z, 0, CC_Z | CC_P | CC_C};
        int c;

        opnd_load(cpu, i, 1, b, pfx == P_66 ? 8 : 4, false);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        if (pfx == P_66) {
            c = f64_compare(&s, lane_get(a, 8, 0), lane_get(b, 8, 0), op == 0x2e);
        } else {
            c = f32_compare(&s, (uint32_t)lane_get(a, 4, 0), (uint32_t)lane_get(b, 4, 0),
                            op == 0x2e);
        }
        sse_finish(cpu, &s);
        cc_set_flags(cpu, fl[c]);
        return;
    }
    case 0x50: { /* movmskps/pd */
        uint32_t m = 0;

        memcpy(b, xmm(cpu, i->op[1].reg), 16);
        if (pfx == P_66) {
            m = (uint32_t)(lane_get(b, 8, 0) >> 63) | (uint32_t)(lane_get(b, 8, 1) >> 63) << 1;
        } else {
            for (unsigned k = 0; k < 4; k++) {
                m |= (uint32_t)(lane_get(b, 4, k) >> 31) << k;
            }
        }
        cpu->regs[i->op[0].reg] = m;
        return;
    }
    case 0x51: case 0x52: case 0x53: case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e:
    case 0x5f: {
        bool scalar = pfx == P_F3 || pfx == P_F2;
        unsigned w = pfx == P_66 || pfx == P_F2 ? 8 : 4;

        opnd_load(cpu, i, 1, b, scalar ? w : 16, !scalar);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        memcpy(r, a, 16);
        for (unsigned k = 0; k < (scalar ? 1 : 16 / w); k++) {
            lane_set(r, w, k, fp_lane_op(&s, op, lane_get(a, w, k), lane_get(b, w, k), w));
        }
        sse_finish(cpu, &s);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    }
    case 0x54: case 0x55: case 0x56: case 0x57: /* andps andnps orps xorps (+pd) */
        opnd_load(cpu, i, 1, b, 16, true);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        for (unsigned k = 0; k < 2; k++) {
            uint64_t x = lane_get(a, 8, k), y = lane_get(b, 8, k);
            lane_set(r, 8, k, op == 0x54 ? x & y : op == 0x55 ? ~x & y : op == 0x56 ? x | y
                                                                                   : x ^ y);
        }
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    case 0x5a: { /* cvtps2pd, cvtpd2ps, cvtss2sd, cvtsd2ss */
        unsigned sz = pfx == P_NP ? 8 : pfx == P_66 ? 16 : pfx == P_F3 ? 4 : 8;

        opnd_load(cpu, i, 1, b, sz, pfx == P_66);
        memcpy(r, xmm(cpu, i->op[0].reg), 16);
        switch (pfx) {
        case P_NP: {
            uint64_t lo = f32_to_f64(&s, (uint32_t)lane_get(b, 4, 0));
            uint64_t hi = f32_to_f64(&s, (uint32_t)lane_get(b, 4, 1));
            lane_set(r, 8, 0, lo);
            lane_set(r, 8, 1, hi);
            break;
        }
        case P_66:
            lane_set(r, 4, 0, f64_to_f32(&s, lane_get(b, 8, 0)));
            lane_set(r, 4, 1, f64_to_f32(&s, lane_get(b, 8, 1)));
            lane_set(r, 8, 1, 0);
            break;
        case P_F3:
            lane_set(r, 8, 0, f32_to_f64(&s, (uint32_t)lane_get(b, 4, 0)));
            break;
        default:
            lane_set(r, 4, 0, f64_to_f32(&s, lane_get(b, 8, 0)));
            break;
        }
        sse_finish(cpu, &s);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    }
    case 0x5b: /* cvtdq2ps, cvtps2dq, cvttps2dq */
        opnd_load(cpu, i, 1, b, 16, true);
        for (unsigned k = 0; k < 4; k++) {
            uint32_t v = (uint32_t)lane_get(b, 4, k);
            lane_set(r, 4, k, pfx == P_NP ? i32_to_f32(&s, (int32_t)v)
                                          : (uint32_t)f32_to_i32(&s, v, pfx == P_F3));
        }
        sse_finish(cpu, &s);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    case 0xe6: /* cvttpd2dq (66), cvtdq2pd (F3), cvtpd2dq (F2) */
        opnd_load(cpu, i, 1, b, pfx == P_F3 ? 8 : 16, pfx != P_F3);
        memset(r, 0, 16);
        for (unsigned k = 0; k < 2; k++) {
            if (pfx == P_F3) {
                lane_set(r, 8, k, i32_to_f64((int32_t)lane_get(b, 4, k)));
            } else {
                lane_set(r, 4, k, (uint32_t)f64_to_i32(&s, lane_get(b, 8, k), pfx == P_66));
            }
        }
        sse_finish(cpu, &s);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    case 0xc2: { /* cmpps/pd/ss/sd */
        bool scalar = pfx == P_F3 || pfx == P_F2;
        unsigned w = pfx == P_66 || pfx == P_F2 ? 8 : 4, pred = i->imm & 7;

        opnd_load(cpu, i, 1, b, scalar ? w : 16, !scalar);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        memcpy(r, a, 16);
        for (unsigned k = 0; k < (scalar ? 1 : 16 / w); k++) {
            int c = w == 4 ? f32_compare(&s, (uint32_t)lane_get(a, 4, k),
                                         (uint32_t)lane_get(b, 4, k), cmp_quiet(pred))
                           : f64_compare(&s, lane_get(a, 8, k), lane_get(b, 8, k),
                                         cmp_quiet(pred));
            lane_set(r, w, k, cmp_pred(c, pred) ? ~0ull : 0);
        }
        sse_finish(cpu, &s);
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    }
    case 0xc6: /* shufps/shufpd */
        opnd_load(cpu, i, 1, b, 16, true);
        memcpy(a, xmm(cpu, i->op[0].reg), 16);
        if (pfx == P_66) {
            lane_set(r, 8, 0, lane_get(a, 8, i->imm & 1));
            lane_set(r, 8, 1, lane_get(b, 8, (i->imm >> 1) & 1));
        } else {
            for (unsigned k = 0; k < 4; k++) {
                lane_set(r, 4, k, lane_get(k < 2 ? a : b, 4, (i->imm >> (2 * k)) & 3));
            }
        }
        memcpy(xmm(cpu, i->op[0].reg), r, 16);
        return;
    case 0xc3: /* movnti */
        cpu_st32(cpu, i->seg, insn_ea(cpu, i), cpu->regs[i->op[1].reg]);
        return;
    default:
        break;
    }

    /* ---- integer (MMX and SSE2) ---- */
    if (mmx && !xm && op != 0xd6) {
        mmx_enter(cpu);
    }
    switch (op) {
    case 0x6e: /* movd mm/xmm, r/m32 */
        opnd_load(cpu, i, 1, b, 4, false);
        memset(r, 0, 16);
        memcpy(r, b, 4);
        write_dst_xmm_or_mm(cpu, i, r);
        return;
    case 0x7e:
        if (pfx == P_F3) { /* movq xmm, xmm/m64 */
            opnd_load(cpu, i, 1, b, 8, false);
            memset(r, 0, 16);
            memcpy(r, b, 8);
            memcpy(xmm(cpu, i->op[0].reg), r, 16);
            return;
        }
        /* movd r/m32, mm/xmm */
        opnd_load(cpu, i, 1, b, 4, false);
        if (i->op[0].type == OT_MEM) {
            mem_store(cpu, i, b, 4, false);
        } else {
            cpu->regs[i->op[0].reg] = ldl_le_p(b);
        }
        return;
    case 0xd6:
        if (pfx == P_66) { /* movq xmm/m64, xmm */
            memcpy(b, xmm(cpu, i->op[1].reg), 16);
            if (i->op[0].type == OT_MEM) {
                mem_store(cpu, i, b, 8, false);
            } else {
                memset(b + 8, 0, 8);
                memcpy(xmm(cpu, i->op[0].reg), b, 16);
            }
        } else if (pfx == P_F3) { /* movq2dq xmm, mm */
            memset(r, 0, 16);
            stq_le_p(r, cpu->fpu.mant[i->op[1].reg & 7]);
            memcpy(xmm(cpu, i->op[0].reg), r, 16);
            mmx_enter(cpu);
        } else { /* movdq2q mm, xmm */
            mm_write(cpu, i->op[0].reg, ldq_le_p(xmm(cpu, i->op[1].reg)));
            mmx_enter(cpu);
        }
        return;
    case 0x70: { /* pshufw / pshufd / pshufhw / pshuflw */
        unsigned imm = i->imm;

        opnd_load(cpu, i, 1, b, n, n == 16);
        memcpy(r, b, 16);
        if (pfx == P_NP) {
            for (unsigned k = 0; k < 4; k++) {
                lane_set(r, 2, k, lane_get(b, 2, (imm >> (2 * k)) & 3));
            }
        } else if (pfx == P_66) {
            for (unsigned k = 0; k < 4; k++) {
                lane_set(r, 4, k, lane_get(b, 4, (imm >> (2 * k)) & 3));
            }
        } else {
            unsigned base = pfx == P_F3 ? 4 : 0;
            for (unsigned k = 0; k < 4; k++) {
                lane_set(r, 2, base + k, lane_get(b, 2, base + ((imm >> (2 * k)) & 3)));
            }
        }
        write_dst_xmm_or_mm(cpu, i, r);
        return;
    }
    case 0x71: case 0x72: case 0x73: { /* shift by immediate */
        unsigned reg = (i->modrm >> 3) & 7, cnt = i->imm & 0xff;
        unsigned w = op == 0x71 ? 2 : op == 0x72 ? 4 : 8;

        opnd_load(cpu, i, 0, r, n, false);
        if (reg == 3 || reg == 7) { /* psrldq / pslldq: bytes */
            uint8_t t[16] = {0};
            unsigned c = cnt > 16 ? 16 : cnt;

            for (unsigned k = 0; k < 16; k++) {
                if (reg == 3 && k + c < 16) {
                    t[k] = r[k + c];
                } else if (reg == 7 && k >= c) {
                    t[k] = r[k - c];
                }
            }
            memcpy(r, t, 16);
        } else {
            shift_lanes(r, n, w, reg == 2 ? 0 : reg == 4 ? 1 : 2, cnt);
        }
        write_dst_xmm_or_mm(cpu, i, r);
        return;
    }
    case 0xc4: { /* pinsrw */
        opnd_load(cpu, i, 0, r, n, false);
        opnd_load(cpu, i, 1, b, 2, false);
        lane_set(r, 2, i->imm & (n / 2 - 1), lane_get(b, 2, 0));
        write_dst_xmm_or_mm(cpu, i, r);
        return;
    }
    case 0xc5: /* pextrw */
        opnd_load(cpu, i, 1, b, n, false);
        cpu->regs[i->op[0].reg] = (uint32_t)lane_get(b, 2, i->imm & (n / 2 - 1));
        return;
    case 0xd7: { /* pmovmskb */
        uint32_t m = 0;

        opnd_load(cpu, i, 1, b, n, false);
        for (unsigned k = 0; k < n; k++) {
            m |= (uint32_t)(b[k] >> 7) << k;
        }
        cpu->regs[i->op[0].reg] = m;
        return;
    }
    case 0xf7: { /* maskmovq / maskmovdqu: store selected bytes at DS:(E)DI */
        uint32_t base = cpu->regs[R_EDI] & (i->asize == 2 ? 0xffff : 0xffffffff);
        int seg = i->seg;

        opnd_load(cpu, i, 0, a, n, false);
        opnd_load(cpu, i, 1, b, n, false);
        for (unsigned k = 0; k < n; k++) {
            if (b[k] & 0x80) {
                cpu_check_write(cpu, seg, base + k, 1);
            }
        }
        for (unsigned k = 0; k < n; k++) {
            if (b[k] & 0x80) {
                cpu_st8(cpu, seg, base + k, a[k]);
            }
        }
        return;
    }
    default:
        break;
    }

    /* two-operand integer ops: dst = dst op src */
    opnd_load(cpu, i, 1, b, n, n == 16);
    opnd_load(cpu, i, 0, a, n, false);
    memset(r, 0, 16);
    switch (op) {
    case 0x60: case 0x61: case 0x62: case 0x6c:
        unpack(r, a, b, n, op == 0x6c ? 8 : 1u << (op - 0x60), false);
        break;
    case 0x68: case 0x69: case 0x6a: case 0x6d:
        unpack(r, a, b, n, op == 0x6d ? 8 : 1u << (op - 0x68), true);
        break;
    case 0x63:
        pack(r, a, b, n, 2, false);
        break;
    case 0x67:
        pack(r, a, b, n, 2, true);
        break;
    case 0x6b:
        pack(r, a, b, n, 4, false);
        break;
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
        uint64_t cnt = lane_get(b, 8, 0);
        unsigned w = (op & 3) == 1 ? 2 : (op & 3) == 2 ? 4 : 8;
        unsigned kind = op >= 0xf0 ? 2 : op >= 0xe0 ? 1 : 0;

        memcpy(r, a, 16);
        shift_lanes(r, n, w, kind, cnt);
        break;
    }
    case 0xf4: /* pmuludq */
        for (unsigned k = 0; k < n / 8; k++) {
            lane_set(r, 8, k, (lane_get(a, 8, k) & 0xffffffffu) * (lane_get(b, 8, k) & 0xffffffffu));
        }
        break;
    case 0xf5: /* pmaddwd */
        for (unsigned k = 0; k < n / 4; k++) {
            int64_t v = sext(lane_get(a, 2, 2 * k), 2) * sext(lane_get(b, 2, 2 * k), 2) +
                        sext(lane_get(a, 2, 2 * k + 1), 2) * sext(lane_get(b, 2, 2 * k + 1), 2);
            lane_set(r, 4, k, (uint64_t)v);
        }
        break;
    case 0xf6: /* psadbw */
        for (unsigned k = 0; k < n / 8; k++) {
            uint64_t sum = 0;

            for (unsigned j = 0; j < 8; j++) {
                int d = (int)a[8 * k + j] - (int)b[8 * k + j];
                sum += (uint64_t)(d < 0 ? -d : d);
            }
            lane_set(r, 8, k, sum);
        }
        break;
    default: {
        unsigned w = int_lane_width(op);

        for (unsigned k = 0; k < n / w; k++) {
            lane_set(r, w, k, int_lane_op(op, lane_get(a, w, k), lane_get(b, w, k), w));
        }
        break;
    }
    }
    write_dst_xmm_or_mm(cpu, i, r);
}
