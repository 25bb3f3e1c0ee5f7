/*
 * Integer arithmetic, logic, shifts, bit operations, BCD and data movement handlers.
 *
 * Undefined flags: where the SDM leaves a flag undefined we produce a fixed, documented
 * value (noted at each handler); the SingleStepTests runner masks them.
 */
#include "cpu/interp.h"

/* Replace the flags in mask with values (eagerly), keeping the others. */
static void cc_update(X86CPU *cpu, uint32_t mask, uint32_t values)
{
    uint32_t f = cpu_cc_compute_all(cpu);

    cc_set_flags(cpu, (f & ~mask) | (values & mask));
}

static inline uint32_t get_cf(X86CPU *cpu)
{
    return cc_cf(cpu);
}

/* ---- ADD/OR/ADC/SBB/AND/SUB/XOR/CMP/TEST ---- */

static void alu_add(X86CPU *cpu, const DecodedInsn *i, uint32_t carry)
{
    unsigned s = i->op[0].size;
    uint32_t a = opnd_read(cpu, i, 0), b = opnd_read(cpu, i, 1);
    uint32_t r = (a + b + carry) & size_mask(s);

    opnd_write(cpu, i, 0, r);
    cc_set(cpu, CC_OP_ADD8 + size_wi(s), r, a, b);
}

static void alu_sub(X86CPU *cpu, const DecodedInsn *i, uint32_t borrow, bool store)
{
    unsigned s = i->op[0].size;
    uint32_t a = opnd_read(cpu, i, 0), b = opnd_read(cpu, i, 1);
    uint32_t r = (a - b - borrow) & size_mask(s);

    if (store) {
        opnd_write(cpu, i, 0, r);
    }
    cc_set(cpu, CC_OP_SUB8 + size_wi(s), r, a, b);
}

/* Logic ops: CF = OF = 0; AF is undefined, P6 clears it. */
static void alu_logic(X86CPU *cpu, const DecodedInsn *i, int op, bool store)
{
    unsigned s = i->op[0].size;
    uint32_t a = opnd_read(cpu, i, 0), b = opnd_read(cpu, i, 1);
    uint32_t r = op == 0 ? (a | b) : op == 1 ? (a & b) : (a ^ b);

    if (store) {
        opnd_write(cpu, i, 0, r);
    }
    cc_set_res(cpu, s, r, 0);
}

void h_add(X86CPU *cpu, const DecodedInsn *i)
{
    alu_add(cpu, i, 0);
}

void h_adc(X86CPU *cpu, const DecodedInsn *i)
{
    alu_add(cpu, i, get_cf(cpu));
}

void h_sub(X86CPU *cpu, const DecodedInsn *i)
{
    alu_sub(cpu, i, 0, true);
}

void h_sbb(X86CPU *cpu, const DecodedInsn *i)
{
    alu_sub(cpu, i, get_cf(cpu), true);
}

void h_cmp(X86CPU *cpu, const DecodedInsn *i)
{
    alu_sub(cpu, i, 0, false);
}

void h_or(X86CPU *cpu, const DecodedInsn *i)
{
    alu_logic(cpu, i, 0, true);
}

void h_and(X86CPU *cpu, const DecodedInsn *i)
{
    alu_logic(cpu, i, 1, true);
}

void h_xor(X86CPU *cpu, const DecodedInsn *i)
{
    alu_logic(cpu, i, 2, true);
}

void h_test(X86CPU *cpu, const DecodedInsn *i)
{
    alu_logic(cpu, i, 1, false);
}

void h_inc(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t a = opnd_read(cpu, i, 0);
    uint32_t r = (a + 1) & size_mask(s);
    uint32_t cf = get_cf(cpu);

    opnd_write(cpu, i, 0, r);
    cc_set(cpu, CC_OP_INC8 + size_wi(s), r, a, cf);
}

void h_dec(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t a = opnd_read(cpu, i, 0);
    uint32_t r = (a - 1) & size_mask(s);
    uint32_t cf = get_cf(cpu);

    opnd_write(cpu, i, 0, r);
    cc_set(cpu, CC_OP_DEC8 + size_wi(s), r, a, cf);
}

void h_not(X86CPU *cpu, const DecodedInsn *i)
{
    opnd_write(cpu, i, 0, ~opnd_read(cpu, i, 0) & size_mask(i->op[0].size));
}

void h_neg(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t b = opnd_read(cpu, i, 0);
    uint32_t r = (0 - b) & size_mask(s);

    opnd_write(cpu, i, 0, r);
    cc_set(cpu, CC_OP_SUB8 + size_wi(s), r, 0, b);
}

/* ---- multiply and divide ---- */

/*
 * MUL/IMUL: CF = OF = "the upper half is significant". SF/ZF/PF/AF are undefined: we
 * derive SF/ZF/PF from the low half of the result and clear AF.
 */
void h_mul(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t b = opnd_read(cpu, i, 0);
    uint64_t p;
    bool hi;

    switch (s) {
    case 1:
        p = (uint64_t)(cpu->regs[R_EAX] & 0xff) * b;
        reg_write(cpu, R_EAX, 2, (uint32_t)p);
        hi = (p >> 8) != 0;
        break;
    case 2:
        p = (uint64_t)(cpu->regs[R_EAX] & 0xffff) * b;
        reg_write(cpu, R_EAX, 2, (uint32_t)p);
        reg_write(cpu, R_EDX, 2, (uint32_t)(p >> 16));
        hi = (p >> 16) != 0;
        break;
    default:
        p = (uint64_t)cpu->regs[R_EAX] * b;
        cpu->regs[R_EAX] = (uint32_t)p;
        cpu->regs[R_EDX] = (uint32_t)(p >> 32);
        hi = (p >> 32) != 0;
        break;
    }
    cc_set_res(cpu, s, (uint32_t)p, hi ? CC_C | CC_O : 0);
}

static int32_t sext_size(uint32_t v, unsigned s)
{
    return s == 1 ? sext8(v) : s == 2 ? sext16(v) : (int32_t)v;
}

void h_imul1(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    int64_t b = sext_size(opnd_read(cpu, i, 0), s);
    int64_t p;
    bool ovf;

    switch (s) {
    case 1:
        p = (int64_t)sext8(cpu->regs[R_EAX]) * b;
        reg_write(cpu, R_EAX, 2, (uint32_t)p);
        ovf = p != sext8((uint32_t)p);
        break;
    case 2:
        p = (int64_t)sext16(cpu->regs[R_EAX]) * b;
        reg_write(cpu, R_EAX, 2, (uint32_t)p);
        reg_write(cpu, R_EDX, 2, (uint32_t)((uint64_t)p >> 16));
        ovf = p != sext16((uint32_t)p);
        break;
    default:
        p = (int64_t)(int32_t)cpu->regs[R_EAX] * b;
        cpu->regs[R_EAX] = (uint32_t)p;
        cpu->regs[R_EDX] = (uint32_t)((uint64_t)p >> 32);
        ovf = p != (int32_t)(uint32_t)p;
        break;
    }
    cc_set_res(cpu, s, (uint32_t)p, ovf ? CC_C | CC_O : 0);
}

static void imul_common(X86CPU *cpu, const DecodedInsn *i, uint32_t x, uint32_t y)
{
    unsigned s = i->op[0].size;
    int64_t p = (int64_t)sext_size(x, s) * sext_size(y, s);
    uint32_t r = (uint32_t)p & size_mask(s);

    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, p != sext_size(r, s) ? CC_C | CC_O : 0);
}

void h_imul2(X86CPU *cpu, const DecodedInsn *i)
{
    imul_common(cpu, i, opnd_read(cpu, i, 0), opnd_read(cpu, i, 1));
}

void h_imul3(X86CPU *cpu, const DecodedInsn *i)
{
    imul_common(cpu, i, opnd_read(cpu, i, 1), opnd_read(cpu, i, 2));
}

/* DIV/IDIV: #DE on a zero divisor or a quotient that does not fit; flags unchanged. */
void h_div(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint64_t d = opnd_read(cpu, i, 0), n, q, r;

    if (d == 0) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    switch (s) {
    case 1:
        n = cpu->regs[R_EAX] & 0xffff;
        break;
    case 2:
        n = ((cpu->regs[R_EDX] & 0xffff) << 16) | (cpu->regs[R_EAX] & 0xffff);
        break;
    default:
        n = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];
        break;
    }
    q = n / d;
    r = n % d;
    if (q > size_mask(s)) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    if (s == 1) {
        reg_write(cpu, R_EAX, 2, (uint32_t)(q | (r << 8)));
    } else {
        reg_write(cpu, R_EAX, s, (uint32_t)q);
        reg_write(cpu, R_EDX, s, (uint32_t)r);
    }
}

void h_idiv(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    int64_t d = sext_size(opnd_read(cpu, i, 0), s), n, q, r;
    int64_t lim = (int64_t)size_sign(s);

    if (d == 0) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    switch (s) {
    case 1:
        n = sext16(cpu->regs[R_EAX]);
        break;
    case 2:
        n = (int32_t)(((cpu->regs[R_EDX] & 0xffff) << 16) | (cpu->regs[R_EAX] & 0xffff));
        break;
    default:
        n = (int64_t)(((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX]);
        break;
    }
    if (n == INT64_MIN && d == -1) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    q = n / d;
    r = n % d;
    if (q >= lim || q < -lim) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    if (s == 1) {
        reg_write(cpu, R_EAX, 2, ((uint32_t)q & 0xff) | (((uint32_t)r & 0xff) << 8));
    } else {
        reg_write(cpu, R_EAX, s, (uint32_t)q);
        reg_write(cpu, R_EDX, s, (uint32_t)r);
    }
}

/* ---- shifts and rotates ---- */
/*
 * The count is masked to 5 bits (P6, like the 286 and later). A masked count of zero
 * changes nothing (not even flags). OF is defined for 1-bit shifts only; for larger
 * counts we use the same formula as for a count of one (what P6 does for SHL/SHR/ROL/
 * ROR). AF is undefined for shifts; we clear it.
 */
static bool shift_setup(X86CPU *cpu, const DecodedInsn *i, uint32_t *val, unsigned *count)
{
    *count = opnd_read(cpu, i, 1) & 0x1f;
    if (i->op[0].type == OT_MEM) {
        opnd_check_rmw(cpu, i, 0);
    }
    *val = opnd_read(cpu, i, 0);
    return *count != 0;
}

void h_shl(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, bits = s * 8, n;
    uint32_t a, r, cf, of;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    r = (uint32_t)((uint64_t)a << n) & size_mask(s);
    cf = (uint32_t)(((uint64_t)a << n) >> bits) & 1;
    of = ((r & size_sign(s)) != 0) ^ cf;
    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void h_shr(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, n;
    uint32_t a, r, cf;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    r = (uint32_t)((uint64_t)a >> n);
    cf = (uint32_t)((uint64_t)a >> (n - 1)) & 1;
    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, (cf ? CC_C : 0) | ((a & size_sign(s)) ? CC_O : 0));
}

void h_sar(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, n;
    uint32_t a, r, cf;
    int64_t sa;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    sa = sext_size(a, s);
    r = (uint32_t)(sa >> n) & size_mask(s);
    cf = (uint32_t)(sa >> (n - 1)) & 1;
    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, cf ? CC_C : 0);
}

/* Rotates change only CF and OF. */
void h_rol(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, bits = s * 8, n, k;
    uint32_t a, r, cf, of;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    k = n & (bits - 1);
    r = k ? ((a << k) | (a >> (bits - k))) & size_mask(s) : a;
    cf = r & 1;
    of = ((r & size_sign(s)) != 0) ^ cf;
    opnd_write(cpu, i, 0, r);
    cc_update(cpu, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void h_ror(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, bits = s * 8, n, k;
    uint32_t a, r, cf, of;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    k = n & (bits - 1);
    r = k ? ((a >> k) | (a << (bits - k))) & size_mask(s) : a;
    cf = (r & size_sign(s)) != 0;
    of = cf ^ ((r & (size_sign(s) >> 1)) != 0);
    opnd_write(cpu, i, 0, r);
    cc_update(cpu, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* RCL/RCR rotate through CF: bits + 1 positions, so the count is taken mod 9/17/33. */
void h_rcl(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, bits = s * 8, n, k;
    uint32_t a, r, cf, of;
    uint64_t v;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    k = n % (bits + 1);
    cf = get_cf(cpu);
    v = ((uint64_t)cf << bits) | a;
    if (k) {
        v = ((v << k) | (v >> (bits + 1 - k))) & ((2ull << bits) - 1);
    }
    r = (uint32_t)v & size_mask(s);
    cf = (uint32_t)(v >> bits) & 1;
    of = ((r & size_sign(s)) != 0) ^ cf;
    opnd_write(cpu, i, 0, r);
    cc_update(cpu, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void h_rcr(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, bits = s * 8, n, k;
    uint32_t a, r, cf, of;
    uint64_t v;

    if (!shift_setup(cpu, i, &a, &n)) {
        return;
    }
    k = n % (bits + 1);
    cf = get_cf(cpu);
    v = ((uint64_t)cf << bits) | a;
    if (k) {
        v = ((v >> k) | (v << (bits + 1 - k))) & ((2ull << bits) - 1);
    }
    r = (uint32_t)v & size_mask(s);
    cf = (uint32_t)(v >> bits) & 1;
    of = ((r & size_sign(s)) != 0) ^ ((r & (size_sign(s) >> 1)) != 0);
    opnd_write(cpu, i, 0, r);
    cc_update(cpu, CC_C | CC_O, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/*
 * SHLD/SHRD. A 16-bit operand with a count above 16 is undefined; like P6 we shift the
 * 48-bit pattern dest:src:dest. OF = sign change of the destination; AF cleared.
 */
void h_shld(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, n = opnd_read(cpu, i, 2) & 0x1f;
    uint32_t a, b, r, cf, of;
    uint64_t v;

    if (n == 0) {
        return;
    }
    opnd_check_rmw(cpu, i, 0);
    a = opnd_read(cpu, i, 0);
    b = opnd_read(cpu, i, 1);
    if (s == 2) {
        v = ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
        r = (uint32_t)((v << n) >> 32) & 0xffff;
        cf = (uint32_t)((v << (n - 1)) >> 47) & 1;
    } else {
        v = ((uint64_t)a << 32) | b;
        r = (uint32_t)((v << n) >> 32);
        cf = (uint32_t)((v << (n - 1)) >> 63) & 1;
    }
    of = ((r ^ a) & size_sign(s)) != 0;
    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

void h_shrd(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size, n = opnd_read(cpu, i, 2) & 0x1f;
    uint32_t a, b, r, cf, of;
    uint64_t v;

    if (n == 0) {
        return;
    }
    opnd_check_rmw(cpu, i, 0);
    a = opnd_read(cpu, i, 0);
    b = opnd_read(cpu, i, 1);
    if (s == 2) {
        v = ((uint64_t)a << 32) | ((uint64_t)b << 16) | a;
        r = (uint32_t)(v >> n) & 0xffff;
    } else {
        v = ((uint64_t)b << 32) | a;
        r = (uint32_t)(v >> n);
    }
    cf = (uint32_t)(v >> (n - 1)) & 1;
    of = ((r ^ a) & size_sign(s)) != 0;
    opnd_write(cpu, i, 0, r);
    cc_set_res(cpu, s, r, (cf ? CC_C : 0) | (of ? CC_O : 0));
}

/* ---- bit test and scan ---- */
/*
 * BT/BTS/BTR/BTC change CF only (OF/SF/AF/PF are undefined; P6 leaves them, and ZF is
 * unchanged). With a register bit offset and a memory operand the offset is a signed
 * full-width value that selects the operand-size unit at ea + (offset >> 3 or 4/5).
 */
static void bit_op(X86CPU *cpu, const DecodedInsn *i, int op)
{
    unsigned s = i->op[0].size, bits = s * 8;
    uint32_t off = opnd_read(cpu, i, 1), v, bit;

    if (i->op[0].type == OT_MEM) {
        uint32_t ea = insn_ea(cpu, i);

        if (i->op[1].type == OT_REG) {
            int32_t so = sext_size(off, s);
            int32_t units = so >= 0 ? so / (int32_t)bits : -((-(so + 1)) / (int32_t)bits) - 1;

            ea += (uint32_t)units * s;
            if (i->asize == 2) {
                ea &= 0xffff;
            }
        }
        bit = off & (bits - 1);
        if (op != 0) {
            cpu_check_write(cpu, i->seg, ea, s);
        }
        v = mem_read(cpu, i->seg, ea, s);
        if (op != 0) {
            uint32_t m = 1u << bit;
            uint32_t nv = op == 1 ? (v | m) : op == 2 ? (v & ~m) : (v ^ m);

            mem_write(cpu, i->seg, ea, s, nv);
        }
    } else {
        bit = off & (bits - 1);
        v = reg_read(cpu, i->op[0].reg, s);
        if (op != 0) {
            uint32_t m = 1u << bit;

            reg_write(cpu, i->op[0].reg, s, op == 1 ? (v | m) : op == 2 ? (v & ~m) : (v ^ m));
        }
    }
    cc_update(cpu, CC_C, (v >> bit) & 1);
}

void h_bt(X86CPU *cpu, const DecodedInsn *i)
{
    bit_op(cpu, i, 0);
}

void h_bts(X86CPU *cpu, const DecodedInsn *i)
{
    bit_op(cpu, i, 1);
}

void h_btr(X86CPU *cpu, const DecodedInsn *i)
{
    bit_op(cpu, i, 2);
}

void h_btc(X86CPU *cpu, const DecodedInsn *i)
{
    bit_op(cpu, i, 3);
}

/* BSF/BSR: ZF = (source == 0), destination unchanged then; other flags unchanged. */
void h_bsf(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = opnd_read(cpu, i, 1);

    if (v == 0) {
        cc_update(cpu, CC_Z, CC_Z);
        return;
    }
    opnd_write(cpu, i, 0, (uint32_t)__builtin_ctz(v));
    cc_update(cpu, CC_Z, 0);
}

void h_bsr(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = opnd_read(cpu, i, 1);

    if (v == 0) {
        cc_update(cpu, CC_Z, CC_Z);
        return;
    }
    opnd_write(cpu, i, 0, 31u - (uint32_t)__builtin_clz(v));
    cc_update(cpu, CC_Z, 0);
}

void h_bswap(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = cpu->regs[i->op[0].reg];

    /* With a 16-bit operand size the result is undefined; P6 clears the low word. */
    if (i->osize == 2) {
        reg_write(cpu, i->op[0].reg, 2, 0);
        return;
    }
    cpu->regs[i->op[0].reg] = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* ---- exchange and compare ---- */

void h_xchg(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t a, b;

    opnd_check_rmw(cpu, i, 0);
    a = opnd_read(cpu, i, 0);
    b = opnd_read(cpu, i, 1);
    opnd_write(cpu, i, 0, b);
    opnd_write(cpu, i, 1, a);
}

void h_xadd(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t a, b, r;

    opnd_check_rmw(cpu, i, 0);
    a = opnd_read(cpu, i, 0);
    b = opnd_read(cpu, i, 1);
    r = (a + b) & size_mask(s);
    if (i->op[0].type == OT_MEM) {
        opnd_write(cpu, i, 0, r);
        opnd_write(cpu, i, 1, a);
    } else {
        opnd_write(cpu, i, 1, a);
        opnd_write(cpu, i, 0, r);
    }
    cc_set(cpu, CC_OP_ADD8 + size_wi(s), r, a, b);
}

/* CMPXCHG: the destination is always written (with its old value on mismatch). */
void h_cmpxchg(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->op[0].size;
    uint32_t acc = reg_read(cpu, R_EAX, s), d, src;

    opnd_check_rmw(cpu, i, 0);
    d = opnd_read(cpu, i, 0);
    src = opnd_read(cpu, i, 1);
    if (acc == d) {
        opnd_write(cpu, i, 0, src);
    } else {
        opnd_write(cpu, i, 0, d);
        reg_write(cpu, R_EAX, s, d);
    }
    cc_set(cpu, CC_OP_SUB8 + size_wi(s), (acc - d) & size_mask(s), acc, d);
}

void h_cmpxchg8b(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = insn_ea(cpu, i);
    uint64_t m, cmp;

    cpu_check_write(cpu, i->seg, ea, 8);
    m = cpu_ld64(cpu, i->seg, ea);
    cmp = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];
    if (m == cmp) {
        cpu_st64(cpu, i->seg, ea, ((uint64_t)cpu->regs[R_ECX] << 32) | cpu->regs[R_EBX]);
        cc_update(cpu, CC_Z, CC_Z);
    } else {
        cpu_st64(cpu, i->seg, ea, m);
        cpu->regs[R_EAX] = (uint32_t)m;
        cpu->regs[R_EDX] = (uint32_t)(m >> 32);
        cc_update(cpu, CC_Z, 0);
    }
}

/* ---- BCD ---- */
/* DAA/DAS: OF is undefined; we clear it. */
void h_daa(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t f = cpu_cc_compute_all(cpu);
    uint32_t al = cpu->regs[R_EAX] & 0xff, old_al = al, nf = 0;

    if ((al & 0xf) > 9 || (f & CC_A)) {
        al += 6;
        nf |= CC_A | ((f & CC_C) || al > 0xff ? CC_C : 0);
        al &= 0xff;
    }
    if (old_al > 0x99 || (f & CC_C)) {
        al = (al + 0x60) & 0xff;
        nf |= CC_C;
    } else {
        nf &= ~CC_C;
    }
    reg_write(cpu, R_EAX, 1, al);
    cc_set_res(cpu, 1, al, nf);
}

void h_das(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t f = cpu_cc_compute_all(cpu);
    uint32_t al = cpu->regs[R_EAX] & 0xff, old_al = al, nf = 0;

    if ((al & 0xf) > 9 || (f & CC_A)) {
        nf |= CC_A | ((f & CC_C) || al < 6 ? CC_C : 0);
        al = (al - 6) & 0xff;
    }
    if (old_al > 0x99 || (f & CC_C)) {
        al = (al - 0x60) & 0xff;
        nf |= CC_C;
    }
    reg_write(cpu, R_EAX, 1, al);
    cc_set_res(cpu, 1, al, nf);
}

/* AAA/AAS: only AF and CF are defined; SF/ZF/PF follow the final AL, OF cleared. */
void h_aaa(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t f = cpu_cc_compute_all(cpu);
    uint32_t ax = cpu->regs[R_EAX] & 0xffff, nf = 0;

    if ((ax & 0xf) > 9 || (f & CC_A)) {
        ax = (ax + 0x106) & 0xffff;
        nf = CC_A | CC_C;
    }
    ax &= 0xff0f;
    reg_write(cpu, R_EAX, 2, ax);
    cc_set_res(cpu, 1, ax & 0xff, nf);
}

void h_aas(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t f = cpu_cc_compute_all(cpu);
    uint32_t ax = cpu->regs[R_EAX] & 0xffff, nf = 0;

    if ((ax & 0xf) > 9 || (f & CC_A)) {
        ax = (ax - 6) & 0xffff;
        ax = (ax - 0x100) & 0xffff;
        nf = CC_A | CC_C;
    }
    ax &= 0xff0f;
    reg_write(cpu, R_EAX, 2, ax);
    cc_set_res(cpu, 1, ax & 0xff, nf);
}

/* AAM: #DE for a zero base. SF/ZF/PF from AL; OF/AF/CF undefined, cleared. */
void h_aam(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t base = i->imm & 0xff, al = cpu->regs[R_EAX] & 0xff;

    if (base == 0) {
        cpu_raise_exception(cpu, EXC_DE, 0);
    }
    reg_write(cpu, R_EAX, 2, ((al / base) << 8) | (al % base));
    cc_set_res(cpu, 1, al % base, 0);
}

/* AAD: SF/ZF/PF from AL; OF/AF/CF undefined: we produce those of the 8-bit addition. */
void h_aad(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t al = cpu->regs[R_EAX] & 0xff, ah = (cpu->regs[R_EAX] >> 8) & 0xff;
    uint32_t prod = (ah * (i->imm & 0xff)) & 0xff, r = (al + prod) & 0xff;

    reg_write(cpu, R_EAX, 2, r);
    cc_set(cpu, CC_OP_ADD8, r, al, prod);
}

void h_salc(X86CPU *cpu, const DecodedInsn *i)
{
    reg_write(cpu, R_EAX, 1, get_cf(cpu) ? 0xff : 0);
}

/* ---- data movement ---- */

void h_mov(X86CPU *cpu, const DecodedInsn *i)
{
    opnd_write(cpu, i, 0, opnd_read(cpu, i, 1));
}

void h_movzx(X86CPU *cpu, const DecodedInsn *i)
{
    opnd_write(cpu, i, 0, opnd_read(cpu, i, 1));
}

void h_movsx(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = (uint32_t)sext_size(opnd_read(cpu, i, 1), i->op[1].size);

    opnd_write(cpu, i, 0, v & size_mask(i->op[0].size));
}

void h_lea(X86CPU *cpu, const DecodedInsn *i)
{
    reg_write(cpu, i->op[0].reg, i->osize, insn_ea(cpu, i));
}

void h_cbw(X86CPU *cpu, const DecodedInsn *i)
{
    if (i->osize == 2) {
        reg_write(cpu, R_EAX, 2, (uint32_t)sext8(cpu->regs[R_EAX]));
    } else {
        cpu->regs[R_EAX] = (uint32_t)sext16(cpu->regs[R_EAX]);
    }
}

void h_cwd(X86CPU *cpu, const DecodedInsn *i)
{
    if (i->osize == 2) {
        reg_write(cpu, R_EDX, 2, (cpu->regs[R_EAX] & 0x8000) ? 0xffff : 0);
    } else {
        cpu->regs[R_EDX] = (cpu->regs[R_EAX] & 0x80000000u) ? 0xffffffffu : 0;
    }
}

/* CMOVcc always reads its source (a memory source faults even if the test fails). */
void h_cmov(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = opnd_read(cpu, i, 1);

    if (cpu_cond(cpu, i->opc & 0xf)) {
        opnd_write(cpu, i, 0, v);
    }
}

void h_setcc(X86CPU *cpu, const DecodedInsn *i)
{
    opnd_write(cpu, i, 0, cpu_cond(cpu, i->opc & 0xf) ? 1 : 0);
}

void h_lahf(X86CPU *cpu, const DecodedInsn *i)
{
    reg_write(cpu, 4 /* AH */, 1, (cpu_cc_compute_all(cpu) & 0xd5) | EF_FIXED1);
}

void h_sahf(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ah = (cpu->regs[R_EAX] >> 8) & 0xff;

    cc_update(cpu, CC_S | CC_Z | CC_A | CC_P | CC_C, ah);
}

void h_clc(X86CPU *cpu, const DecodedInsn *i)
{
    cc_update(cpu, CC_C, 0);
}

void h_stc(X86CPU *cpu, const DecodedInsn *i)
{
    cc_update(cpu, CC_C, CC_C);
}

void h_cmc(X86CPU *cpu, const DecodedInsn *i)
{
    cc_update(cpu, CC_C, get_cf(cpu) ^ CC_C);
}

void h_cld(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->eflags &= ~EF_DF;
}

void h_std(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->eflags |= EF_DF;
}

void h_nop(X86CPU *cpu, const DecodedInsn *i)
{
}

/* Hint NOPs and prefetches: no memory access, no fault. */
void h_nop_hint(X86CPU *cpu, const DecodedInsn *i)
{
}

void h_xlat(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t off = cpu->regs[R_EBX] + (cpu->regs[R_EAX] & 0xff);

    if (i->asize == 2) {
        off &= 0xffff;
    }
    reg_write(cpu, R_EAX, 1, cpu_ld8(cpu, i->seg, off));
}

/* BOUND: #BR (a fault) if the signed index is outside [lower, upper]. */
void h_bound(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned s = i->osize;
    uint32_t ea = insn_ea(cpu, i);
    int32_t idx = sext_size(reg_read(cpu, i->op[0].reg, s), s);
    int32_t lo = sext_size(mem_read(cpu, i->seg, ea, s), s);
    int32_t hi = sext_size(mem_read(cpu, i->seg, (ea + s) & (i->asize == 2 ? 0xffff : ~0u), s), s);

    if (idx < lo || idx > hi) {
        cpu_raise_exception(cpu, EXC_BR, 0);
    }
}
