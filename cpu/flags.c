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
 * Raw write: no privilege checks, and hflags are not recomputed (a caller changing VM
 * calls cpu_update_hflags() once its segment state is consistent).
 */
void cpu_set_eflags(X86CPU *cpu, uint32_t val)
{
    val &= EFLAGS_VALID;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src1 = val & CC_ALL;
    cpu->eflags = (val & ~CC_ALL) | EF_FIXED1;
}

bool cpu_cond(X86CPU *cpu, unsigned cc)
{
    uint32_t f;
    bool r;

    /* Fast paths for the common compare-and-branch pairs. */
    if (cpu->cc_op >= CC_OP_SUB8 && cpu->cc_op <= CC_OP_SUB32 && (cc & 0xe) != 0 &&
        (cc & 0xe) != 0xa) {
        unsigned size = 1u << (cpu->cc_op - CC_OP_SUB8);
        uint32_t mask = size_mask(size), sign = size_sign(size);
        uint32_t a = cpu->cc_src1 & mask, b = cpu->cc_src2 & mask;
        uint32_t res = cpu->cc_res & mask;

        /* Only valid when res == a - b exactly (SUB/CMP), i.e. no borrow-in (not SBB). */
        if (((a - b) & mask) == res) {
            int32_t sa = (int32_t)((a ^ sign) - sign), sb = (int32_t)((b ^ sign) - sign);

            switch (cc >> 1) {
            case 1: r = a < b; break;                    /* B */
            case 2: r = a == b; break;                   /* E */
            case 3: r = a <= b; break;                   /* BE */
            case 4: r = (res & sign) != 0; break;        /* S */
            case 6: r = sa < sb; break;                  /* L */
            default: r = sa <= sb; break;                /* LE */
            }
            return r ^ (cc & 1);
        }
    }
    f = cpu_cc_compute_all(cpu);
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
