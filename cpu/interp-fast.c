/*
 * Specialised handlers for the commonest 32-bit operand forms.
 *
 * The handlers named in cpu/insn.def read and write their operands through the generic
 * opnd_read()/opnd_write(), which switch on the operand type and size for every access.
 * When a block is built, interp_specialize() replaces the handler of a few very frequent
 * forms (32-bit operand size only) by one of the handlers below, which know their
 * operand form statically:
 *
 *   rr  register, register      ri  register, immediate      rm  register, memory
 *   mr  memory, register        mi  memory, immediate
 *
 * They implement exactly the semantics of the generic handler they replace (same flags,
 * same fault order, same undefined-flag choices), so the opcode table stays the one
 * description of the instruction set and the generic handlers stay the reference: any
 * form not listed here keeps its generic handler. As everywhere, a handler commits
 * registers and flags only after its last possibly-faulting access.
 */
#include "cpu/interp.h"

/* ---- ALU: ADD OR ADC SBB AND SUB XOR CMP TEST ---- */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* Result of a 32-bit ALU operation (reads CF for ADC/SBB; commits nothing). */
static inline uint32_t alu32_res(X86CPU *cpu, int op, uint32_t a, uint32_t b)
{
    switch (op) {
    case ALU_ADD:
        return a + b;
    case ALU_ADC:
        return a + b + cc_cf(cpu);
    case ALU_SBB:
        return a - b - cc_cf(cpu);
    case ALU_SUB:
    case ALU_CMP:
        return a - b;
    case ALU_OR:
        return a | b;
    case ALU_XOR:
        return a ^ b;
    default:
        return a & b; /* AND, TEST */
    }
}

/* Lazy flags of a 32-bit ALU operation (as alu_add/alu_sub/alu_logic in interp-alu.c). */
static inline void alu32_cc(X86CPU *cpu, int op, uint32_t r, uint32_t a, uint32_t b)
{
    switch (op) {
    case ALU_ADD:
    case ALU_ADC:
        cc_set(cpu, CC_OP_ADD32, r, a, b);
        break;
    case ALU_SUB:
    case ALU_SBB:
    case ALU_CMP:
        cc_set(cpu, CC_OP_SUB32, r, a, b);
        break;
    default:
        cc_set(cpu, CC_OP_RES32, r, 0, 0);
        break;
    }
}

static inline bool alu_stores(int op)
{
    return op != ALU_CMP && op != ALU_TEST;
}

static inline void alu_rr(X86CPU *cpu, const DecodedInsn *i, int op)
{
    uint32_t a = cpu->regs[i->op[0].reg], b = cpu->regs[i->op[1].reg];
    uint32_t r = alu32_res(cpu, op, a, b);

    if (alu_stores(op)) {
        cpu->regs[i->op[0].reg] = r;
    }
    alu32_cc(cpu, op, r, a, b);
}

static inline void alu_ri(X86CPU *cpu, const DecodedInsn *i, int op)
{
    uint32_t a = cpu->regs[i->op[0].reg], b = i->imm;
    uint32_t r = alu32_res(cpu, op, a, b);

    if (alu_stores(op)) {
        cpu->regs[i->op[0].reg] = r;
    }
    alu32_cc(cpu, op, r, a, b);
}

static inline void alu_rm(X86CPU *cpu, const DecodedInsn *i, int op)
{
    uint32_t b = cpu_ld32_inline(cpu, i->seg, insn_ea(cpu, i));
    uint32_t a = cpu->regs[i->op[0].reg];
    uint32_t r = alu32_res(cpu, op, a, b);

    if (alu_stores(op)) {
        cpu->regs[i->op[0].reg] = r;
    }
    alu32_cc(cpu, op, r, a, b);
}

/* Memory destination: load, store (both may fault), then the flags. */
static inline void alu_mx(X86CPU *cpu, const DecodedInsn *i, int op, uint32_t b)
{
    uint32_t ea = insn_ea(cpu, i);
    uint32_t a = cpu_ld32_inline(cpu, i->seg, ea);
    uint32_t r = alu32_res(cpu, op, a, b);

    if (alu_stores(op)) {
        cpu_st32_inline(cpu, i->seg, ea, r);
    }
    alu32_cc(cpu, op, r, a, b);
}

static void h_add_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_ADD);
}

static void h_add_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_ADD);
}

static void h_add_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_ADD);
}

static void h_add_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_ADD, cpu->regs[i->op[1].reg]);
}

static void h_add_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_ADD, i->imm);
}

static void h_or_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_OR);
}

static void h_or_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_OR);
}

static void h_or_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_OR);
}

static void h_or_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_OR, cpu->regs[i->op[1].reg]);
}

static void h_or_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_OR, i->imm);
}

static void h_adc_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_ADC);
}

static void h_adc_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_ADC);
}

static void h_adc_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_ADC);
}

static void h_adc_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_ADC, cpu->regs[i->op[1].reg]);
}

static void h_adc_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_ADC, i->imm);
}

static void h_sbb_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_SBB);
}

static void h_sbb_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_SBB);
}

static void h_sbb_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_SBB);
}

static void h_sbb_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_SBB, cpu->regs[i->op[1].reg]);
}

static void h_sbb_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_SBB, i->imm);
}

static void h_and_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_AND);
}

static void h_and_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_AND);
}

static void h_and_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_AND);
}

static void h_and_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_AND, cpu->regs[i->op[1].reg]);
}

static void h_and_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_AND, i->imm);
}

static void h_sub_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_SUB);
}

static void h_sub_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_SUB);
}

static void h_sub_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_SUB);
}

static void h_sub_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_SUB, cpu->regs[i->op[1].reg]);
}

static void h_sub_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_SUB, i->imm);
}

static void h_xor_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_XOR);
}

static void h_xor_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_XOR);
}

static void h_xor_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_XOR);
}

static void h_xor_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_XOR, cpu->regs[i->op[1].reg]);
}

static void h_xor_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_XOR, i->imm);
}

static void h_cmp_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_CMP);
}

static void h_cmp_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_CMP);
}

static void h_cmp_rm(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rm(cpu, i, ALU_CMP);
}

static void h_cmp_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_CMP, cpu->regs[i->op[1].reg]);
}

static void h_cmp_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_CMP, i->imm);
}

static void h_test_rr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_rr(cpu, i, ALU_TEST);
}

static void h_test_ri(X86CPU *cpu, const DecodedInsn *i)
{
    alu_ri(cpu, i, ALU_TEST);
}

static void h_test_mr(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_TEST, cpu->regs[i->op[1].reg]);
}

static void h_test_mi(X86CPU *cpu, const DecodedInsn *i)
{
    alu_mx(cpu, i, ALU_TEST, i->imm);
}

/* Per generic ALU handler, its forms: rr, ri, rm, mr, mi (NULL: keep the generic one). */
static const struct {
    InsnHandler generic;
    InsnHandler form[5];
} alu_forms[] = {
    {h_add, {h_add_rr, h_add_ri, h_add_rm, h_add_mr, h_add_mi}},
    {h_or, {h_or_rr, h_or_ri, h_or_rm, h_or_mr, h_or_mi}},
    {h_adc, {h_adc_rr, h_adc_ri, h_adc_rm, h_adc_mr, h_adc_mi}},
    {h_sbb, {h_sbb_rr, h_sbb_ri, h_sbb_rm, h_sbb_mr, h_sbb_mi}},
    {h_and, {h_and_rr, h_and_ri, h_and_rm, h_and_mr, h_and_mi}},
    {h_sub, {h_sub_rr, h_sub_ri, h_sub_rm, h_sub_mr, h_sub_mi}},
    {h_xor, {h_xor_rr, h_xor_ri, h_xor_rm, h_xor_mr, h_xor_mi}},
    {h_cmp, {h_cmp_rr, h_cmp_ri, h_cmp_rm, h_cmp_mr, h_cmp_mi}},
    {h_test, {h_test_rr, h_test_ri, NULL, h_test_mr, h_test_mi}},
};

/* ---- MOV ---- */

static void h_mov_rr(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu->regs[i->op[1].reg];
}

static void h_mov_ri(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = i->imm;
}

static void h_mov_rm(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu_ld32_inline(cpu, i->seg, insn_ea(cpu, i));
}

static void h_mov_mr(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_st32_inline(cpu, i->seg, insn_ea(cpu, i), cpu->regs[i->op[1].reg]);
}

static void h_mov_mi(X86CPU *cpu, const DecodedInsn *i)
{
    cpu_st32_inline(cpu, i->seg, insn_ea(cpu, i), i->imm);
}

/* ---- MOVZX/MOVSX into a 32-bit register (as h_movzx/h_movsx) ---- */

static void h_movzx_r8(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = reg_read(cpu, i->op[1].reg, 1);
}

static void h_movzx_m8(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu_ld8_inline(cpu, i->seg, insn_ea(cpu, i));
}

static void h_movzx_r16(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu->regs[i->op[1].reg] & 0xffff;
}

static void h_movzx_m16(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = cpu_ld16_inline(cpu, i->seg, insn_ea(cpu, i));
}

static void h_movsx_r8(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = (uint32_t)sext8(reg_read(cpu, i->op[1].reg, 1));
}

static void h_movsx_m8(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = (uint32_t)sext8(cpu_ld8_inline(cpu, i->seg, insn_ea(cpu, i)));
}

static void h_movsx_r16(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = (uint32_t)sext16(cpu->regs[i->op[1].reg]);
}

static void h_movsx_m16(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->regs[i->op[0].reg] = (uint32_t)sext16(cpu_ld16_inline(cpu, i->seg, insn_ea(cpu, i)));
}

/* ---- IMUL r32, r/m32 [, imm] (as imul_common in interp-alu.c) ---- */

static inline void imul32(X86CPU *cpu, const DecodedInsn *i, uint32_t x, uint32_t y)
{
    int64_t p = (int64_t)(int32_t)x * (int32_t)y;
    uint32_t r = (uint32_t)p;

    cpu->regs[i->op[0].reg] = r;
    cc_set_res(cpu, 4, r, p != (int32_t)r ? CC_C | CC_O : 0);
}

static void h_imul2_rr(X86CPU *cpu, const DecodedInsn *i)
{
    imul32(cpu, i, cpu->regs[i->op[0].reg], cpu->regs[i->op[1].reg]);
}

static void h_imul2_rm(X86CPU *cpu, const DecodedInsn *i)
{
    imul32(cpu, i, cpu->regs[i->op[0].reg], cpu_ld32_inline(cpu, i->seg, insn_ea(cpu, i)));
}

static void h_imul3_rr(X86CPU *cpu, const DecodedInsn *i)
{
    imul32(cpu, i, cpu->regs[i->op[1].reg], i->imm);
}

static void h_imul3_rm(X86CPU *cpu, const DecodedInsn *i)
{
    imul32(cpu, i, cpu_ld32_inline(cpu, i->seg, insn_ea(cpu, i)), i->imm);
}

/* ---- INC/DEC register (CF preserved in cc_src2, as h_inc/h_dec) ---- */

static void h_inc_r(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t a = cpu->regs[i->op[0].reg], cf = cc_cf(cpu);

    cpu->regs[i->op[0].reg] = a + 1;
    cc_set(cpu, CC_OP_INC32, a + 1, a, cf);
}

static void h_dec_r(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t a = cpu->regs[i->op[0].reg], cf = cc_cf(cpu);

    cpu->regs[i->op[0].reg] = a - 1;
    cc_set(cpu, CC_OP_DEC32, a - 1, a, cf);
}

/* ---- shifts of a register by an immediate (as h_shl/h_shr/h_sar) ---- */

/* The count of a shift-by-immediate form: Ib, or the constant 1 (O_One). */
static inline unsigned shift_imm_count(const DecodedInsn *i)
{
    return (i->op[1].reg == 2 ? 1u : i->imm) & 0x1f;
}

static void h_shl_ri(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = shift_imm_count(i);
    uint32_t a = cpu->regs[i->op[0].reg], r, cf;

    if (n == 0) {
        return;
    }
    r = a << n;
    cf = (a >> (32 - n)) & 1;
    cpu->regs[i->op[0].reg] = r;
    cc_set_res(cpu, 4, r, (cf ? CC_C : 0) | (((r >> 31) ^ cf) ? CC_O : 0));
}

static void h_shr_ri(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = shift_imm_count(i);
    uint32_t a = cpu->regs[i->op[0].reg], r, cf;

    if (n == 0) {
        return;
    }
    r = a >> n;
    cf = (a >> (n - 1)) & 1;
    cpu->regs[i->op[0].reg] = r;
    cc_set_res(cpu, 4, r, (cf ? CC_C : 0) | ((a & 0x80000000u) ? CC_O : 0));
}

static void h_sar_ri(X86CPU *cpu, const DecodedInsn *i)
{
    unsigned n = shift_imm_count(i);
    uint32_t a = cpu->regs[i->op[0].reg], r, cf;

    if (n == 0) {
        return;
    }
    r = (uint32_t)((int32_t)a >> n);
    cf = (uint32_t)((int32_t)a >> (n - 1)) & 1;
    cpu->regs[i->op[0].reg] = r;
    cc_set_res(cpu, 4, r, cf ? CC_C : 0);
}

/* ---- stack ---- */

static void h_push_r(X86CPU *cpu, const DecodedInsn *i)
{
    stack_push(cpu, 4, cpu->regs[i->op[0].reg]);
}

/* POP ESP loads ESP with the popped value (the increment is overwritten), as h_pop. */
static void h_pop_r(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t v = stack_load(cpu, 0, 4);

    sp_set(cpu, cpu->regs[R_ESP] + 4);
    cpu->regs[i->op[0].reg] = v;
}

/* ---- Jcc rel with a 32-bit operand size ---- */

static inline void jump32(X86CPU *cpu, uint32_t target)
{
    if (unlikely(target > cpu->seg[R_CS].limit)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    cpu->eip = target;
}

static void h_jz32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cc_zf(cpu)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jnz32(X86CPU *cpu, const DecodedInsn *i)
{
    if (!cc_zf(cpu)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jcc32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cpu_cond(cpu, i->opc & 0xf)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

/*
 * Conditions that compare the operands of a 32-bit CMP/SUB (cc_op CC_OP_SUB32 with
 * res == src1 - src2, i.e. no SBB borrow-in) directly; anything else asks cpu_cond().
 */
static inline bool cond_sub32(X86CPU *cpu, unsigned cc)
{
    uint32_t a = cpu->cc_src1, b = cpu->cc_src2;
    bool r;

    if (unlikely(cpu->cc_op != CC_OP_SUB32 || a - b != cpu->cc_res)) {
        return cpu_cond(cpu, cc);
    }
    switch (cc >> 1) {
    case 1:
        r = a < b;
        break; /* B */
    case 3:
        r = a <= b;
        break; /* BE */
    case 6:
        r = (int32_t)a < (int32_t)b;
        break; /* L */
    default:
        r = (int32_t)a <= (int32_t)b;
        break; /* LE */
    }
    return r ^ (cc & 1);
}

static void h_jb32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0x2)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jae32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0x3)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jbe32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0x6)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_ja32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0x7)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jl32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0xc)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jge32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0xd)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jle32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0xe)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

static void h_jg32(X86CPU *cpu, const DecodedInsn *i)
{
    if (cond_sub32(cpu, 0xf)) {
        jump32(cpu, cpu->eip + i->imm);
    }
}

/* ---- CALL rel / RET with a 32-bit operand size (as h_call/h_ret) ---- */

static void h_call32(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t t = cpu->eip + i->imm;

    if (unlikely(t > cpu->seg[R_CS].limit)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    stack_push(cpu, 4, cpu->eip);
    cpu->eip = t;
}

static void h_ret32(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t t = stack_load(cpu, 0, 4);

    if (unlikely(t > cpu->seg[R_CS].limit)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    sp_set(cpu, cpu->regs[R_ESP] + 4);
    cpu->eip = t;
}

/* ---- selection ---- */

static bool is_reg32(const InsnOperand *o)
{
    return o->type == OT_REG && o->size == 4;
}

static bool is_mem32(const InsnOperand *o)
{
    return o->type == OT_MEM && o->size == 4;
}

/* The first immediate (not the constant 1 of the shift-by-one forms). */
static bool is_imm(const InsnOperand *o)
{
    return o->type == OT_IMM && o->reg == 0;
}

InsnHandler interp_specialize(const DecodedInsn *d)
{
    InsnHandler h = d->handler;
    const InsnOperand *o0 = &d->op[0], *o1 = &d->op[1];

    if (h == h_fpu || h == h_fnstsw || h == h_fldcw || h == h_fnclex || h == h_fninit) {
        return fpu_specialize(d); /* x87 forms: cpu/interp-fpu.c */
    }
    if (h == h_simd) {
        return simd_specialize(d); /* SSE2 forms: cpu/interp-sse.c */
    }
    if (d->osize != 4) {
        return h;
    }
    if (h == h_imul3 && is_reg32(o0) && is_imm(&d->op[2])) {
        return is_reg32(o1) ? h_imul3_rr : is_mem32(o1) ? h_imul3_rm : h;
    }
    if (d->op[2].type != OT_NONE) {
        return h;
    }
    for (size_t k = 0; k < ARRAY_SIZE(alu_forms); k++) {
        int form;

        if (alu_forms[k].generic != h) {
            continue;
        }
        if (is_reg32(o0) && is_reg32(o1)) {
            form = 0;
        } else if (is_reg32(o0) && is_imm(o1)) {
            form = 1;
        } else if (is_reg32(o0) && is_mem32(o1)) {
            form = 2;
        } else if (is_mem32(o0) && is_reg32(o1)) {
            form = 3;
        } else if (is_mem32(o0) && is_imm(o1)) {
            form = 4;
        } else {
            return h;
        }
        return alu_forms[k].form[form] ? alu_forms[k].form[form] : h;
    }
    if (h == h_mov) {
        if (is_reg32(o0) && is_reg32(o1)) {
            return h_mov_rr;
        } else if (is_reg32(o0) && is_imm(o1)) {
            return h_mov_ri;
        } else if (is_reg32(o0) && is_mem32(o1)) {
            return h_mov_rm;
        } else if (is_mem32(o0) && is_reg32(o1)) {
            return h_mov_mr;
        } else if (is_mem32(o0) && is_imm(o1)) {
            return h_mov_mi;
        }
        return h;
    }
    if (h == h_imul2 && is_reg32(o0)) {
        return is_reg32(o1) ? h_imul2_rr : is_mem32(o1) ? h_imul2_rm : h;
    }
    if ((h == h_movzx || h == h_movsx) && is_reg32(o0)) {
        bool zx = h == h_movzx;

        if (o1->type == OT_REG && o1->size == 1) {
            return zx ? h_movzx_r8 : h_movsx_r8;
        } else if (o1->type == OT_MEM && o1->size == 1) {
            return zx ? h_movzx_m8 : h_movsx_m8;
        } else if (o1->type == OT_REG && o1->size == 2) {
            return zx ? h_movzx_r16 : h_movsx_r16;
        } else if (o1->type == OT_MEM && o1->size == 2) {
            return zx ? h_movzx_m16 : h_movsx_m16;
        }
        return h;
    }
    if ((h == h_inc || h == h_dec) && is_reg32(o0)) {
        return h == h_inc ? h_inc_r : h_dec_r;
    }
    if ((h == h_shl || h == h_shr || h == h_sar) && is_reg32(o0) && o1->type == OT_IMM) {
        return h == h_shl ? h_shl_ri : h == h_shr ? h_shr_ri : h_sar_ri;
    }
    if (h == h_push && is_reg32(o0)) {
        return h_push_r;
    }
    if (h == h_pop && is_reg32(o0)) {
        return h_pop_r;
    }
    if (h == h_jcc) {
        static const InsnHandler jcc[16] = {
            /*0*/ h_jcc32, h_jcc32, h_jb32,  h_jae32, h_jz32, h_jnz32, h_jbe32, h_ja32,
            /*8*/ h_jcc32, h_jcc32, h_jcc32, h_jcc32, h_jl32, h_jge32, h_jle32, h_jg32,
        };

        return jcc[d->opc & 0xf];
    }
    if (h == h_call && d->op[0].type == OT_REL) {
        return h_call32;
    }
    if (h == h_ret && d->op[0].type == OT_NONE) {
        return h_ret32;
    }
    return h;
}
