/*
 * Lazy arithmetic flags. Handlers record how the last flag-setting instruction computed
 * its result (cc_op, cc_res, cc_src1, cc_src2; see cpu/interp.h); the six flags are only
 * computed when something reads them (Jcc, PUSHF, an exception frame...).
 */
#include "cpu/interp.h"

static uint32_t parity_flag(uint32_t res)
{
    return __builtin_parity(res & 0xff) ? 0 : CC_P;
}

uint32_t cpu_cc_compute_all(X86CPU *cpu)
{
    uint32_t op = cpu->cc_op;
    unsigned w, kind, size;
    uint32_t mask, sign, res, a, b, f;

    if (op == CC_OP_EFLAGS) {
        return cpu->cc_src1 & CC_ALL;
    }
    w = (op - 1) % 3;
    kind = (op - 1) / 3;
    size = 1u << w;
    mask = size_mask(size);
    sign = size_sign(size);
    res = cpu->cc_res & mask;
    a = cpu->cc_src1;
    b = cpu->cc_src2;

    f = parity_flag(res);
    if (res == 0) {
        f |= CC_Z;
    }
    if (res & sign) {
        f |= CC_S;
    }
    switch (kind) {
    case 0: /* ADD/ADC */
        if (((a & b) | ((a ^ b) & ~res)) & sign) {
            f |= CC_C;
        }
        if ((a ^ res) & (b ^ res) & sign) {
            f |= CC_O;
        }
        f |= (a ^ b ^ res) & CC_A;
        break;
    case 1: /* SUB/SBB/CMP/NEG */
        if (((~a & b) | (~(a ^ b) & res)) & sign) {
            f |= CC_C;
        }
        if ((a ^ b) & (a ^ res) & sign) {
            f |= CC_O;
        }
        f |= (a ^ b ^ res) & CC_A;
        break;
    case 2: /* INC */
        f |= b & CC_C;
        if (res == sign) {
            f |= CC_O;
        }
        if ((res & 0xf) == 0) {
            f |= CC_A;
        }
        break;
    case 3: /* DEC */
        f |= b & CC_C;
        if (res == sign - 1) {
            f |= CC_O;
        }
        if ((res & 0xf) == 0xf) {
            f |= CC_A;
        }
        break;
    default: /* RES */
        f |= a & (CC_C | CC_O | CC_A);
        break;
    }
    return f;
}

/* Architecturally defined EFLAGS bits (bit 1 reads as 1; 3, 5, 15, 22-31 as 0). */
#define EFLAGS_VALID 0x003f7fd5u

uint32_t cpu_get_eflags(X86CPU *cpu)
{
    return (cpu->eflags & ~CC_ALL & EFLAGS_VALID) | cpu_cc_compute_all(cpu) | EF_FIXED1;
}

/*
 * Raw write: no privilege checks, and hflags are not recomputed but for HF_ACCHK (a caller
 * changing VM calls cpu_update_hflags() once its segment state is consistent).
 */
void cpu_set_eflags(X86CPU *cpu, uint32_t val)
{
    val &= EFLAGS_VALID;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src1 = val & CC_ALL;
    cpu->eflags = (val & ~CC_ALL) | EF_FIXED1;
    cpu_update_acchk(cpu);
}

/* OF alone from the lazy state of a cc_op other than CC_OP_EFLAGS. */
static bool cc_of(uint32_t op, uint32_t res, uint32_t a, uint32_t b, uint32_t sign)
{
    switch (op) {
    case CC_OP_ADD8: case CC_OP_ADD16: case CC_OP_ADD32:
        return ((a ^ res) & (b ^ res) & sign) != 0;
    case CC_OP_SUB8: case CC_OP_SUB16: case CC_OP_SUB32:
        return ((a ^ b) & (a ^ res) & sign) != 0;
    case CC_OP_INC8: case CC_OP_INC16: case CC_OP_INC32:
        return res == sign;
    case CC_OP_DEC8: case CC_OP_DEC16: case CC_OP_DEC32:
        return res == sign - 1;
    default:
        return (a & CC_O) != 0;
    }
}

/*
 * Jcc/SETcc/CMOVcc/LOOPcc conditions. Only the flags the condition needs are derived
 * from the lazy state; cpu_cc_compute_all() is never called.
 */
bool cpu_cond(X86CPU *cpu, unsigned cc)
{
    uint32_t op = cpu->cc_op;
    uint32_t sign, mask, res, a, b;
    bool r;

    /* Compare-and-branch on a 32-bit CMP/SUB first: the commonest case by far. */
    if (likely(op == CC_OP_SUB32)) {
        a = cpu->cc_src1;
        b = cpu->cc_src2;
        res = cpu->cc_res;
        if (a - b == res) {
            switch (cc >> 1) {
            case 1: r = a < b; break;                               /* B */
            case 2: r = a == b; break;                              /* E */
            case 3: r = a <= b; break;                              /* BE */
            case 6: r = (int32_t)a < (int32_t)b; break;             /* L */
            case 7: r = (int32_t)a <= (int32_t)b; break;            /* LE */
            default: goto general;
            }
            return r ^ (cc & 1);
        }
    }
general:
    if (op == CC_OP_EFLAGS) {
        uint32_t f = cpu->cc_src1;

        switch (cc >> 1) {
        case 0: r = f & CC_O; break;
        case 1: r = f & CC_C; break;
        case 2: r = f & CC_Z; break;
        case 3: r = f & (CC_C | CC_Z); break;
        case 4: r = f & CC_S; break;
        case 5: r = f & CC_P; break;
        case 6: r = !(f & CC_S) != !(f & CC_O); break;
        default: r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O)); break;
        }
        return r ^ (cc & 1);
    }
    sign = cc_op_sign(op);
    mask = sign * 2 - 1;
    res = cpu->cc_res & mask;
    a = cpu->cc_src1;
    b = cpu->cc_src2;
    /* Compare-and-branch: CMP/SUB (res == a - b exactly, i.e. not SBB with a borrow-in). */
    if (op >= CC_OP_SUB8 && op <= CC_OP_SUB32 && ((a - b) & mask) == res) {
        uint32_t ua = a & mask, ub = b & mask;
        int32_t sa = (int32_t)((ua ^ sign) - sign), sb = (int32_t)((ub ^ sign) - sign);

        switch (cc >> 1) {
        case 0: r = ((a ^ b) & (a ^ res) & sign) != 0; break; /* O */
        case 1: r = ua < ub; break;                           /* B */
        case 2: r = res == 0; break;                          /* E */
        case 3: r = ua <= ub; break;                          /* BE */
        case 4: r = (res & sign) != 0; break;                 /* S */
        case 5: r = parity_flag(res) != 0; break;             /* P */
        case 6: r = sa < sb; break;                           /* L */
        default: r = sa <= sb; break;                         /* LE */
        }
        return r ^ (cc & 1);
    }
    switch (cc >> 1) {
    case 0: r = cc_of(op, res, a, b, sign); break;
    case 1: r = cc_cf(cpu) != 0; break;
    case 2: r = res == 0; break;
    case 3: r = res == 0 || cc_cf(cpu) != 0; break;
    case 4: r = (res & sign) != 0; break;
    case 5: r = parity_flag(res) != 0; break;
    case 6: r = ((res & sign) != 0) != cc_of(op, res, a, b, sign); break;
    default: r = res == 0 || ((res & sign) != 0) != cc_of(op, res, a, b, sign); break;
    }
    return r ^ (cc & 1);
}
