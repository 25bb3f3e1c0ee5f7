/*
 * Host x87 (x86-64 hosts): the common x87 instructions run on the host's own x87 unit.
 * See cpu/fpu.h "Host x87" for the contract; in short:
 *
 * - The first x87 instruction with a host form loads the guest's registers, FSW and tags
 *   into the host unit (FRSTOR) and sets cpu->fpu.host_live; hostx87_leave() saves them
 *   back (FNSAVE, which also empties the host unit). cpu_exec() leaves before returning,
 *   and every portable handler that reads the state leaves first (fpu_sync()).
 * - A host form executes the guest's own instruction bytes: a register form as they are,
 *   a memory form with the ModRM rewritten to [rax] pointing at a copy of the operand.
 *   The host is an x87, so results, flags, C0-C3, tags and TOP are those of the guest
 *   instruction. The exceptions: the transcendentals (vendors differ in their last bits;
 *   the portable kernels are the reference), environment and state images (the FIP/FDP
 *   of the guest are kept in cpu->fpu) and FBLD/FBSTP stay portable.
 * - Only while FCW masks every exception and PC is not the reserved 01: then no host
 *   instruction can trap (SIGFPE) or leave anything pending, and ES stays clear, so the
 *   pending-exception check of waiting instructions has nothing to do. FLDCW to any other
 *   control word leaves.
 * - Everything that can fault is done before the host instruction: #NM, the segment and
 *   page checks of the operand. A store runs on the host only when the TLB maps the
 *   destination directly for writing (no MMIO, watchpoint or code page on it); otherwise
 *   the portable handler does the whole instruction.
 * - In hot blocks, runs of consecutive register forms become one call of generated code
 *   (hostx87_fuse(), below).
 *
 * The host's own C code never uses the x87 (x86-64 code uses SSE for double; x86pc has
 * no long double), so the guest's registers can stay in the unit between instructions.
 */
#include "config.h"
#include "cpu/fpu.h"
#include "cpu/mmu.h"
#include "jit/x86_64/hostfp.h"

#include <stdlib.h>
#include <string.h>

#ifndef CONFIG_HOST_X87
#error "jit/x86_64/hostx87.c is built only with CONFIG_HOST_X87 (configure)"
#endif

/* FSAVE image, 32-bit format (the one FNSAVE/FRSTOR use in 64-bit mode without REX.W). */
enum { IMG_FCW = 0, IMG_FSW = 4, IMG_FTW = 8, IMG_REGS = 28, IMG_SIZE = 108 };

/* Can the host unit run the guest with this control word? Every exception masked, PC not
 * the reserved 01 (the portable code gives it 64 bits; a host need not). */
static inline bool hx_fcw_ok(uint16_t fcw)
{
    return (fcw & FCW_EXC_MASKS) == FCW_EXC_MASKS && ((fcw >> FCW_PC_SHIFT) & 3) != 1;
}

/* The host's own x87 control word while the guest's registers are in the unit (one CPU
 * thread): FNSAVE leaves FNINIT's behind, and the host gets its own back. */
static uint16_t hx_host_fcw;

static bool hx_enter(X86CPU *cpu)
{
    uint8_t img[IMG_SIZE];
    unsigned top = fpu_top(cpu), k;

    if (!hx_fcw_ok(cpu->fpu.fcw) || (cpu->fpu.fsw & FSW_ES)) {
        return false;
    }
    memset(img, 0, sizeof(img));
    stw_le_p(img + IMG_FCW, cpu->fpu.fcw);
    stw_le_p(img + IMG_FSW, cpu->fpu.fsw);
    stw_le_p(img + IMG_FTW, cpu->fpu.ftw);
    for (k = 0; k < 8; k++) {
        unsigned r = (top + k) & 7;

        stq_le_p(img + IMG_REGS + 10 * k, cpu->fpu.mant[r]);
        stw_le_p(img + IMG_REGS + 10 * k + 8, cpu->fpu.exp[r]);
    }
    __asm__ volatile("fnstcw %0" : "=m"(hx_host_fcw));
    __asm__ volatile("frstor %0" : : "m"(*(const uint8_t(*)[IMG_SIZE])img));
    cpu->fpu.host_live = true;
    return true;
}

void hostx87_leave(X86CPU *cpu)
{
    uint8_t img[IMG_SIZE];
    uint16_t fsw, tags, ftw = 0;
    unsigned top, k;

    __asm__ volatile("fnsave %0" : "=m"(*(uint8_t(*)[IMG_SIZE])img));
    __asm__ volatile("fldcw %0" : : "m"(hx_host_fcw));
    fsw = lduw_le_p(img + IMG_FSW);
    tags = lduw_le_p(img + IMG_FTW);
    top = (fsw & FSW_TOP) >> FSW_TOP_SHIFT;
    for (k = 0; k < 8; k++) {
        unsigned r = (top + k) & 7;

        cpu->fpu.mant[r] = ldq_le_p(img + IMG_REGS + 10 * k);
        cpu->fpu.exp[r] = lduw_le_p(img + IMG_REGS + 10 * k + 8);
    }
    /* the interpreter's convention: 11 empty, 00 in use (cpu/fpu.h) */
    for (k = 0; k < 8; k++) {
        if (((tags >> (2 * k)) & 3) == TAG_EMPTY) {
            ftw |= (uint16_t)(TAG_EMPTY << (2 * k));
        }
    }
    cpu->fpu.fsw = fsw;
    cpu->fpu.ftw = ftw;
    cpu->fpu.host_live = false;
}

/*
 * What the portable handler does before the operation of a waiting, non-control
 * instruction (#NM, pending exception, FOP/FIP/FDP), with the host unit made live. False:
 * the host cannot run the guest now, and the portable handler has done the instruction.
 */
static ALWAYS_INLINE bool hx_begin(X86CPU *cpu, const DecodedInsn *i, bool mem, uint32_t ea)
{
    fpu_nm_check(cpu);
    if (unlikely(!cpu->fpu.host_live) && !hx_enter(cpu)) {
        fpu_soft(cpu, i);
        return false;
    }
    /* live: every exception is masked, so ES is clear and nothing is pending */
    fpu_note(cpu, i, mem, ea);
    return true;
}

/* ---- register forms: the guest's two bytes ---- */

#define HX_REG(op, m)                                                                      \
    static void hx_##op##_##m(X86CPU *cpu, const DecodedInsn *i)                           \
    {                                                                                      \
        if (likely(hx_begin(cpu, i, false, 0))) {                                          \
            __asm__ volatile(".byte " #op ", " #m);                                        \
        }                                                                                  \
    }
#define HX_ROW(M, op, h)                                                                   \
    M(op, h##0) M(op, h##1) M(op, h##2) M(op, h##3) M(op, h##4) M(op, h##5) M(op, h##6)    \
    M(op, h##7) M(op, h##8) M(op, h##9) M(op, h##a) M(op, h##b) M(op, h##c) M(op, h##d)    \
    M(op, h##e) M(op, h##f)
#define HX_OP(op) HX_ROW(HX_REG, op, 0xc) HX_ROW(HX_REG, op, 0xd) HX_ROW(HX_REG, op, 0xe) \
    HX_ROW(HX_REG, op, 0xf)

HX_OP(0xd8)
HX_OP(0xd9)
HX_OP(0xda)
HX_OP(0xdb)
HX_OP(0xdc)
HX_OP(0xdd)
HX_OP(0xde)
HX_OP(0xdf)

#define HX_NAME(op, m) hx_##op##_##m,
#define HX_TAB(op) {HX_ROW(HX_NAME, op, 0xc) HX_ROW(HX_NAME, op, 0xd) HX_ROW(HX_NAME, op, 0xe) \
                    HX_ROW(HX_NAME, op, 0xf)}

static const InsnHandler hx_reg[8][64] = {
    HX_TAB(0xd8), HX_TAB(0xd9), HX_TAB(0xda), HX_TAB(0xdb),
    HX_TAB(0xdc), HX_TAB(0xdd), HX_TAB(0xde), HX_TAB(0xdf),
};

/* FCOMI/FUCOMI(P) (DB/DF E8-F7): the host's ZF/PF/CF become the guest's (OF, SF, AF
 * cleared). */
#define HX_COMI(op, m)                                                                     \
    static void hxc_##op##_##m(X86CPU *cpu, const DecodedInsn *i)                          \
    {                                                                                      \
        bool z, p, c;                                                                      \
                                                                                           \
        if (likely(hx_begin(cpu, i, false, 0))) {                                          \
            __asm__ volatile(".byte " #op ", " #m : "=@ccz"(z), "=@ccp"(p), "=@ccc"(c));   \
            cc_set_flags(cpu, (z ? CC_Z : 0) | (p ? CC_P : 0) | (c ? CC_C : 0));           \
        }                                                                                  \
    }
#define HX_COMI_NAME(op, m) hxc_##op##_##m,

HX_ROW(HX_COMI, 0xdb, 0xe)
HX_ROW(HX_COMI, 0xdb, 0xf)
HX_ROW(HX_COMI, 0xdf, 0xe)
HX_ROW(HX_COMI, 0xdf, 0xf)

static const InsnHandler hx_comi[2][32] = {
    {HX_ROW(HX_COMI_NAME, 0xdb, 0xe) HX_ROW(HX_COMI_NAME, 0xdb, 0xf)},
    {HX_ROW(HX_COMI_NAME, 0xdf, 0xe) HX_ROW(HX_COMI_NAME, 0xdf, 0xf)},
};

/* FCMOVcc ST(0), ST(n) (DA/DB C0-DF): the guest's condition from its EFLAGS, then the
 * host's FCMOVE with ZF set to it (the same register checks for every condition). */
#define HX_FCMOV(n)                                                                        \
    static void hx_fcmov_##n(X86CPU *cpu, const DecodedInsn *i)                            \
    {                                                                                      \
        static const uint8_t cc[8] = {2, 4, 6, 10, 3, 5, 7, 11}; /* B E BE U NB NE NBE NU */ \
        unsigned nz;                                                                       \
                                                                                           \
        if (likely(hx_begin(cpu, i, false, 0))) {                                          \
            nz = !cpu_cond(cpu, cc[((i->opc & 1) << 2) | ((i->modrm >> 3) & 3)]);          \
            __asm__ volatile("test %0, %0\n\t.byte 0xda, 0xc8 + " #n : : "r"(nz) : "cc");  \
        }                                                                                  \
    }
HX_FCMOV(0)
HX_FCMOV(1)
HX_FCMOV(2)
HX_FCMOV(3)
HX_FCMOV(4)
HX_FCMOV(5)
HX_FCMOV(6)
HX_FCMOV(7)

static const InsnHandler hx_fcmov[8] = {hx_fcmov_0, hx_fcmov_1, hx_fcmov_2, hx_fcmov_3,
                                        hx_fcmov_4, hx_fcmov_5, hx_fcmov_6, hx_fcmov_7};

/* ---- memory forms: the guest's opcode with ModRM [rax], rax = a copy of the operand ---- */

/* The operand into buf: the inline segment check and TLB lookup of cpu/mmu.h, here with
 * the inlining forced (the compiler would otherwise call cpu_ld32_inline() out of line
 * from each of the handlers below). */
static ALWAYS_INLINE void hx_read(X86CPU *cpu, int seg, uint32_t ea, uint8_t *buf, unsigned size)
{
    int idx = mmu_index_cpl(cpu);
    uint32_t lin = seg_lin(cpu, seg, ea, size, SEG_ACC_READ);
    TLBEntry *e = tlb_entry(cpu, idx, lin);

    if (likely(size != 10 && e->tag_read == ((lin + size - 1) & TARGET_PAGE_MASK))) {
        memcpy(buf, e->host_read + (lin & ~TARGET_PAGE_MASK), size);
        return;
    }
    switch (size) {
    case 2:
        stw_le_p(buf, (uint16_t)mmu_ld_slow(cpu, lin, 2, idx));
        break;
    case 4:
        stl_le_p(buf, (uint32_t)mmu_ld_slow(cpu, lin, 4, idx));
        break;
    case 8:
        stq_le_p(buf, mmu_ld_slow(cpu, lin, 8, idx));
        break;
    default: /* 10, in the order of the portable fpu_ld80() */
        stq_le_p(buf, cpu_ld64(cpu, seg, ea));
        stw_le_p(buf + 8, cpu_ld16(cpu, seg, ea + 8));
        break;
    }
}

/* Host address of a store the TLB maps directly (RAM, no watchpoint, no code), else
 * NULL; the segment check may fault. As the inline stores of cpu/mmu.h. */
static ALWAYS_INLINE uint8_t *hx_store_ptr(X86CPU *cpu, int seg, uint32_t off, unsigned size)
{
    uint32_t lin = seg_lin(cpu, seg, off, size, SEG_ACC_WRITE);
    TLBEntry *e = tlb_entry(cpu, mmu_index_cpl(cpu), lin);

    if (likely(e->tag_write == ((lin + size - 1) & TARGET_PAGE_MASK))) {
        return e->host_write + (lin & ~TARGET_PAGE_MASK);
    }
    return NULL;
}

#define HX_LOAD(op, m, size)                                                               \
    static void hxm_##op##_##m(X86CPU *cpu, const DecodedInsn *i)                          \
    {                                                                                      \
        uint32_t ea = insn_ea(cpu, i);                                                     \
        uint8_t buf[16];                                                                   \
                                                                                           \
        if (likely(hx_begin(cpu, i, true, ea))) {                                          \
            hx_read(cpu, i->seg, ea, buf, size);                                           \
            __asm__ volatile(".byte " #op ", " #m                                          \
                             :                                                             \
                             : "a"(buf), "m"(*(const uint8_t(*)[16])buf));                 \
        }                                                                                  \
    }

#define HX_STORE(op, m, size)                                                              \
    static void hxm_##op##_##m(X86CPU *cpu, const DecodedInsn *i)                          \
    {                                                                                      \
        uint32_t ea = insn_ea(cpu, i);                                                     \
        uint8_t buf[16], *p;                                                               \
                                                                                           \
        if (likely(hx_begin(cpu, i, true, ea))) {                                          \
            p = hx_store_ptr(cpu, i->seg, ea, size);                                       \
            if (unlikely(!p)) {                                                            \
                fpu_soft(cpu, i);                                                          \
                return;                                                                    \
            }                                                                              \
            __asm__ volatile(".byte " #op ", " #m                                          \
                             : "=m"(*(uint8_t(*)[16])buf)                                  \
                             : "a"(buf));                                                  \
            memcpy(p, buf, size);                                                          \
        }                                                                                  \
    }

/* D8/DC: arithmetic and compare with m32real/m64real; DA/DE: with m32int/m16int */
#define HX_ARITH_MEM(op, size)                                                             \
    HX_LOAD(op, 0x00, size) HX_LOAD(op, 0x08, size) HX_LOAD(op, 0x10, size)                \
    HX_LOAD(op, 0x18, size) HX_LOAD(op, 0x20, size) HX_LOAD(op, 0x28, size)                \
    HX_LOAD(op, 0x30, size) HX_LOAD(op, 0x38, size)
#define HX_ARITH_NAMES(op)                                                                 \
    {hxm_##op##_0x00, hxm_##op##_0x08, hxm_##op##_0x10, hxm_##op##_0x18, hxm_##op##_0x20,  \
     hxm_##op##_0x28, hxm_##op##_0x30, hxm_##op##_0x38}

HX_ARITH_MEM(0xd8, 4)
HX_ARITH_MEM(0xda, 4)
HX_ARITH_MEM(0xdc, 8)
HX_ARITH_MEM(0xde, 2)
HX_LOAD(0xd9, 0x00, 4)   /* FLD m32real */
HX_STORE(0xd9, 0x10, 4)  /* FST m32real */
HX_STORE(0xd9, 0x18, 4)  /* FSTP m32real */
HX_LOAD(0xdb, 0x00, 4)   /* FILD m32int */
HX_STORE(0xdb, 0x10, 4)  /* FIST m32int */
HX_STORE(0xdb, 0x18, 4)  /* FISTP m32int */
HX_LOAD(0xdb, 0x28, 10)  /* FLD m80real */
HX_STORE(0xdb, 0x38, 10) /* FSTP m80real */
HX_LOAD(0xdd, 0x00, 8)   /* FLD m64real */
HX_STORE(0xdd, 0x10, 8)  /* FST m64real */
HX_STORE(0xdd, 0x18, 8)  /* FSTP m64real */
HX_LOAD(0xdf, 0x00, 2)   /* FILD m16int */
HX_STORE(0xdf, 0x10, 2)  /* FIST m16int */
HX_STORE(0xdf, 0x18, 2)  /* FISTP m16int */
HX_LOAD(0xdf, 0x28, 8)   /* FILD m64int */
HX_STORE(0xdf, 0x38, 8)  /* FISTP m64int */

/* Memory forms by opcode and reg field; NULL: portable (FLDENV, FNSTENV, FRSTOR, FNSAVE,
 * FBLD, FBSTP, and the control instructions below). */
static const InsnHandler hx_mem[8][8] = {
    HX_ARITH_NAMES(0xd8),
    {hxm_0xd9_0x00, NULL, hxm_0xd9_0x10, hxm_0xd9_0x18, NULL, NULL, NULL, NULL},
    HX_ARITH_NAMES(0xda),
    {hxm_0xdb_0x00, NULL, hxm_0xdb_0x10, hxm_0xdb_0x18, NULL, hxm_0xdb_0x28, NULL,
     hxm_0xdb_0x38},
    HX_ARITH_NAMES(0xdc),
    {hxm_0xdd_0x00, NULL, hxm_0xdd_0x10, hxm_0xdd_0x18, NULL, NULL, NULL, NULL},
    HX_ARITH_NAMES(0xde),
    {hxm_0xdf_0x00, NULL, hxm_0xdf_0x10, hxm_0xdf_0x18, NULL, hxm_0xdf_0x28, NULL,
     hxm_0xdf_0x38},
};

/* ---- control instructions: on the host unit while it is live, else portable ---- */

static inline uint16_t hx_fsw(void)
{
    uint16_t sw;

    __asm__ volatile("fnstsw %0" : "=a"(sw));
    return sw;
}

/* FNSTSW AX / FNSTSW m16 */
static void hx_fnstsw(X86CPU *cpu, const DecodedInsn *i)
{
    if (!cpu->fpu.host_live) {
        h_fnstsw(cpu, i);
        return;
    }
    fpu_nm_check(cpu);
    if (i->op[0].type == OT_REG) {
        reg_write(cpu, R_EAX, 2, hx_fsw());
    } else {
        cpu_st16(cpu, i->seg, insn_ea(cpu, i), hx_fsw());
    }
}

/* FLDCW: stays on the host unit when the new control word allows it (the usual
 * FNSTCW/FLDCW/FISTP/FLDCW of a C cast to int). */
static void hx_fldcw(X86CPU *cpu, const DecodedInsn *i)
{
    uint16_t fcw;

    if (!cpu->fpu.host_live) {
        h_fldcw(cpu, i);
        return;
    }
    fpu_nm_check(cpu);
    fcw = (uint16_t)((cpu_ld16(cpu, i->seg, insn_ea(cpu, i)) & 0x1f7f) | 0x40);
    if (!hx_fcw_ok(fcw)) {
        hostx87_leave(cpu);
        cpu->fpu.fcw = fcw;
        fpu_update_es(cpu);
        return;
    }
    cpu->fpu.fcw = fcw;
    __asm__ volatile("fldcw %0" : : "m"(fcw));
}

static void hx_fnclex(X86CPU *cpu, const DecodedInsn *i)
{
    if (!cpu->fpu.host_live) {
        h_fnclex(cpu, i);
        return;
    }
    fpu_nm_check(cpu);
    __asm__ volatile("fnclex");
}

/* ---- runs: consecutive x87 instructions of a hot block as one host call ----
 *
 * In a block entered BLOCK_HOT_COUNT times, every run of two or more consecutive
 * instructions with host handlers that can share one call gets generated code: register
 * forms (FCOMI and friends included; FCMOVcc not, it reads the guest's EFLAGS) and the
 * memory forms that only read memory (FLD, FILD, the arithmetic and compares with a memory
 * operand), up to HX_RUN_MEM_MAX of these. The code is their bytes one after the other, a
 * memory form with its ModRM rewritten to [rsi + 16 * k] (the k-th operand, read
 * beforehand), then (if the run has an FCOMI) SETZ/SETP/SETB of the host's flags into the
 * byte array passed as the first argument, then RET. A descriptor (HxRun) in front of the
 * code says what the run holds. The run's first entry gets hx_run() as its handler:
 * it reads the memory operands, runs the code, sets FOP/FIP as the last instruction does
 * and FDP/FDS as the last memory form does, moves EIP past the run and has the exec loop
 * skip the other entries (cpu->insn_skip).
 *
 * Nothing in the run may fault once it has started: its first instruction has passed
 * #NM, every exception is masked, and the operands are read first, each only where the
 * segment and the TLB allow it without a fault. Otherwise, where the exec loop must stop
 * inside the run (its instruction limit, cpu/exec.c) and where it is not the block loop
 * (single-stepping, breakpoints: BlockCache.limit_active is false), the first instruction
 * runs alone through its own handler and the others follow with theirs.
 */
#define HX_RUN_MEM_MAX 8

typedef struct HxRun {
    uint32_t code_off;
    uint16_t bytes;    /* guest bytes of the run: EIP moves past them */
    uint16_t last_off; /* offset of the last instruction from the first */
    uint16_t fop;      /* the last instruction's FOP */
    uint8_t n, nmem;
    bool comi;
    uint8_t last_mem; /* index in mem[] of the last memory form whose FDP stays */
    struct {
        uint8_t idx, size; /* the instruction (index in the run) and its operand size */
    } mem[HX_RUN_MEM_MAX];
} HxRun;

typedef void (*HxRunCode)(uint8_t *flags, uint8_t (*mem)[16]);

/* Host instructions the runs use besides the guest's own bytes. */
enum {
    X86_RET = 0xc3,
    X86_0F = 0x0f,
    X86_SETZ = 0x94, /* 0F 94 /0: SETZ r/m8 */
    X86_SETP = 0x9a, /* 0F 9A /0: SETP r/m8 */
    X86_SETB = 0x92, /* 0F 92 /0: SETB r/m8 */
    X86_MODRM_RDI = 0x07,       /* mod 00, rm 111: [rdi] */
    X86_MODRM_RDI_DISP8 = 0x47, /* mod 01, rm 111: [rdi + disp8] */
    X86_MODRM_RSI_DISP8 = 0x46, /* mod 01, rm 110: [rsi + disp8] (| reg << 3) */
};

#define HX_CODE_SIZE (32u << 20) /* a sealed page per hot block with runs: 8192 blocks */

/* Operand size of the memory forms that only read memory (the HX_LOAD handlers), by
 * opcode and reg field; 0 for the others. */
static const uint8_t hx_load_size[8][8] = {
    {4, 4, 4, 4, 4, 4, 4, 4},   /* D8: arithmetic and compares with m32real */
    {4, 0, 0, 0, 0, 0, 0, 0},   /* D9: FLD m32real */
    {4, 4, 4, 4, 4, 4, 4, 4},   /* DA: with m32int */
    {4, 0, 0, 0, 0, 10, 0, 0},  /* DB: FILD m32int, FLD m80real */
    {8, 8, 8, 8, 8, 8, 8, 8},   /* DC: with m64real */
    {8, 0, 0, 0, 0, 0, 0, 0},   /* DD: FLD m64real */
    {2, 2, 2, 2, 2, 2, 2, 2},   /* DE: with m16int */
    {2, 0, 0, 0, 0, 8, 0, 0},   /* DF: FILD m16int, FILD m64int */
};

/* The handler of a run's first instruction on its own (hostx87_handler() gave it). */
static InsnHandler hx_single(const DecodedInsn *d)
{
    if (d->modrm < 0xc0) {
        return hx_mem[d->opc & 7][(d->modrm >> 3) & 7];
    }
    if ((d->opc == 0xdb || d->opc == 0xdf) && d->modrm >= 0xe8 && d->modrm < 0xf8) {
        return hx_comi[d->opc == 0xdf][d->modrm - 0xe0];
    }
    return hx_reg[d->opc & 7][d->modrm - 0xc0];
}

/* The run's descriptor is at offset imm2 of the code buffer. */
static void hx_run(X86CPU *cpu, const DecodedInsn *i)
{
    const BlockCache *bc = cpu->blocks;
    const uint8_t *base = bc->host_x87->cb.base;
    const HxRun *r = (const HxRun *)(const void *)(base + i->imm2);
    uint8_t mem[HX_RUN_MEM_MAX][16] __attribute__((aligned(16))), fl[3];
    uint32_t fdp = 0;

    if (unlikely(!bc->limit_active || cpu->icount + r->n > bc->icount_limit)) {
        hx_single(i)(cpu, i);
        return;
    }
    fpu_nm_check(cpu);
    if (unlikely(!cpu->fpu.host_live) && !hx_enter(cpu)) {
        fpu_soft(cpu, i);
        return;
    }
    for (unsigned k = 0; k < r->nmem; k++) {
        const DecodedInsn *d = i + r->mem[k].idx;
        unsigned size = r->mem[k].size;
        uint32_t ea = insn_ea(cpu, d), lin;
        const SegmentCache *sc = &cpu->seg[d->seg];
        TLBEntry *e;

        /* seg_lin()'s fast case only: nothing here may fault */
        if (unlikely((uint64_t)ea + (size - 1) > sc->limit ||
                     (sc->flags & SEG_FAST_MASK) != DESC_P_MASK)) {
            hx_single(i)(cpu, i);
            return;
        }
        lin = sc->base + ea;
        e = tlb_entry(cpu, mmu_index_cpl(cpu), lin);
        if (unlikely(e->tag_read != ((lin + size - 1) & TARGET_PAGE_MASK))) {
            hx_single(i)(cpu, i);
            return;
        }
        memcpy(mem[k], e->host_read + (lin & ~TARGET_PAGE_MASK), size);
        if (k == r->last_mem) {
            fdp = ea;
        }
    }
    ((HxRunCode)(const void *)(base + r->code_off))(fl, mem);
    if (r->comi) {
        cc_set_flags(cpu, (fl[0] ? CC_Z : 0) | (fl[1] ? CC_P : 0) | (fl[2] ? CC_C : 0));
    }
    cpu->fpu.fop = r->fop;
    cpu->fpu.fip = cpu->insn_start_eip + r->last_off;
    cpu->fpu.fcs = cpu->seg[R_CS].selector;
    if (r->nmem) {
        cpu->fpu.fdp = fdp;
        cpu->fpu.fds = cpu->seg[i[r->mem[r->last_mem].idx].seg].selector;
    }
    cpu->eip = cpu->insn_start_eip + r->bytes;
    cpu->insn_skip = r->n - 1u;
}

/* May d be part of a run? 1: register form, 2: FCOMI family, 3: memory read, 0: no. */
static int hx_fusable(const DecodedInsn *d)
{
    if (d->opc < 0xd8 || d->opc > 0xdf) {
        return 0;
    }
    if (d->modrm < 0xc0) {
        unsigned op = d->opc & 7, reg = (d->modrm >> 3) & 7;

        return hx_load_size[op][reg] && d->handler == hx_mem[op][reg] ? 3 : 0;
    }
    if (d->handler == hx_reg[d->opc & 7][d->modrm - 0xc0]) {
        return 1;
    }
    if ((d->opc == 0xdb || d->opc == 0xdf) && d->modrm >= 0xe0 &&
        d->handler == hx_comi[d->opc == 0xdf][d->modrm - 0xe0]) {
        return 2;
    }
    return 0;
}

/* Emit the run of n instructions from first: descriptor, then code, at p (4-byte
 * aligned). Returns the bytes written; *desc_off the descriptor's offset. */
static size_t hx_emit_run(const DecodedInsn *first, unsigned n, uint8_t *p,
                          const uint8_t *base, uint32_t *desc_off)
{
    uint8_t *start = p;
    HxRun *r = (HxRun *)(void *)p;
    uint32_t off = 0;

    memset(r, 0, sizeof(*r));
    r->last_mem = 0xff;
    p += (sizeof(*r) + 3) & ~(size_t)3;
    r->code_off = (uint32_t)(p - base);
    for (unsigned j = 0; j < n; j++) {
        const DecodedInsn *d = &first[j];

        r->last_off = (uint16_t)off;
        off += d->len;
        *p++ = d->opc;
        if (hx_fusable(d) == 3) {
            r->mem[r->nmem].idx = (uint8_t)j;
            r->mem[r->nmem].size = hx_load_size[d->opc & 7][(d->modrm >> 3) & 7];
            r->last_mem = r->nmem;
            *p++ = (uint8_t)(X86_MODRM_RSI_DISP8 | (d->modrm & 0x38));
            *p++ = (uint8_t)(16 * r->nmem);
            r->nmem++;
        } else {
            *p++ = d->modrm;
            r->comi |= hx_fusable(d) == 2;
        }
    }
    if (r->comi) {
        *p++ = X86_0F;
        *p++ = X86_SETZ;
        *p++ = X86_MODRM_RDI;
        *p++ = X86_0F;
        *p++ = X86_SETP;
        *p++ = X86_MODRM_RDI_DISP8;
        *p++ = 1;
        *p++ = X86_0F;
        *p++ = X86_SETB;
        *p++ = X86_MODRM_RDI_DISP8;
        *p++ = 2;
    }
    *p++ = X86_RET;
    r->n = (uint8_t)n;
    r->bytes = (uint16_t)off;
    r->fop = (uint16_t)(((first[n - 1].opc & 7u) << 8) | first[n - 1].modrm);
    *desc_off = (uint32_t)(start - base);
    return (size_t)(p - start);
}

/*
 * A block became hot: generate its x87 runs and its host SSE instructions (hostsse.c)
 * into one page of the cache's code buffer, then switch their entries over.
 */
void hostx87_fuse(X86CPU *cpu, Block *b)
{
    BlockCache *bc = cpu->blocks;
    HostX87Code *hc = bc->host_x87;
    uint8_t *code, *p;
    uint32_t sse_meta[BLOCK_MAX_INSNS], sse_off[BLOCK_MAX_INSNS], run_desc[BLOCK_MAX_INSNS];
    uint32_t x87_desc[BLOCK_MAX_INSNS];
    uint8_t x87_len[BLOCK_MAX_INSNS];
    bool sse[BLOCK_MAX_INSNS], sse_run[BLOCK_MAX_INSNS];
    unsigned k, s, done = 0;

    if (!hc) {
        hc = xzalloc(sizeof(*hc));
        if (!jit_codebuf_init(&hc->cb, HX_CODE_SIZE)) {
            hc->full = true; /* no executable memory: the handlers run one by one */
        }
        bc->host_x87 = hc;
    }
    if (hc->full) {
        return;
    }
    /* x87 runs: at most 4 bytes per instruction, a 36-byte descriptor, 12 for the flags
     * and RET; SSE: at most 28 bytes per instruction with its alignment, and for its runs
     * 7 per instruction and at most 40 for the descriptor, 80 for the register moves and
     * 15 */
    code = jit_codebuf_begin(&hc->cb, (size_t)b->n_insns * 40 + (size_t)b->n_insns / 2 * 142);
    if (!code) {
        hc->full = true;
        return;
    }
    p = code;
    memset(sse, 0, sizeof(sse));
    memset(sse_run, 0, sizeof(sse_run));
    memset(x87_len, 0, sizeof(x87_len));
    for (s = 0; s < b->n_insns; s = k) {
        unsigned n, nmem = 0;

        for (k = s; k < b->n_insns && hx_fusable(&b->insns[k]) && k - s < 255; k++) {
            if (hx_fusable(&b->insns[k]) == 3 && ++nmem > HX_RUN_MEM_MAX) {
                break;
            }
        }
        n = k - s;
        while ((uintptr_t)p & 3) {
            *p++ = X86_RET; /* padding, never reached */
        }
        if (n < 2) {
            size_t len;

            k = s + 1;
            len = hostsse_emit(cpu, &b->insns[s], p, &sse_meta[s]);
            if (len) {
                sse[s] = true;
                sse_off[s] = (uint32_t)(p - hc->cb.base);
                p += len;
                done++;
            }
            continue;
        }
        p += hx_emit_run(&b->insns[s], n, p, hc->cb.base, &x87_desc[s]);
        x87_len[s] = (uint8_t)n;
        done++;
    }
    /* SSE runs over the instructions emitted alone above */
    for (s = 0; s < b->n_insns; s = k) {
        size_t len;

        for (k = s; k < b->n_insns && sse[k] && hostsse_run_member(sse_meta[k]); k++) {
        }
        if (k - s < 2) {
            k = s + 1;
            continue;
        }
        while ((uintptr_t)p & 3) {
            *p++ = X86_RET;
        }
        len = hostsse_emit_run(&b->insns[s], k - s, &sse_meta[s], p, hc->cb.base, &run_desc[s]);
        if (len) {
            sse_run[s] = true;
            p += len;
        }
    }
    if (!done) {
        return;
    }
    if (!jit_codebuf_seal(&hc->cb, (size_t)(p - code))) {
        hc->full = true;
        return; /* the handlers were not replaced: they run one by one */
    }
    /* only now, with the code executable, do the entries switch over */
    for (s = 0; s < b->n_insns; s++) {
        DecodedInsn *d = &b->insns[s];

        if (sse[s]) {
            hostsse_install(d, sse_off[s], sse_meta[s]);
            if (sse_run[s]) {
                hostsse_install_run(d, run_desc[s]);
            }
        } else if (x87_len[s]) {
            d->handler = hx_run;
            d->imm2 = x87_desc[s];
            s += x87_len[s] - 1u;
        }
    }
}

void hostx87_code_reset(BlockCache *bc)
{
    if (bc->host_x87 && bc->host_x87->cb.base) {
        jit_codebuf_reset(&bc->host_x87->cb);
        bc->host_x87->full = false;
    }
}

void hostx87_code_free(BlockCache *bc)
{
    if (bc->host_x87) {
        jit_codebuf_destroy(&bc->host_x87->cb);
        free(bc->host_x87);
        bc->host_x87 = NULL;
    }
}

InsnHandler hostx87_handler(const DecodedInsn *d)
{
    unsigned op = d->opc & 7, reg = (d->modrm >> 3) & 7;

    if (!fpu_host_x87) {
        return NULL;
    }
    if (d->handler == h_fnstsw) {
        return hx_fnstsw;
    }
    if (d->handler == h_fldcw) {
        return hx_fldcw;
    }
    if (d->handler == h_fnclex) {
        return hx_fnclex;
    }
    if (d->handler != h_fpu) {
        return NULL;
    }
    if ((d->modrm >> 6) != 3) {
        return hx_mem[op][reg];
    }
    switch (d->opc) {
    case 0xd9:
        switch (d->modrm) {
        case 0xf0: /* F2XM1 */
        case 0xf1: /* FYL2X */
        case 0xf2: /* FPTAN */
        case 0xf3: /* FPATAN */
        case 0xf9: /* FYL2XP1 */
        case 0xfb: /* FSINCOS */
        case 0xfe: /* FSIN */
        case 0xff: /* FCOS */
            return NULL;
        default:
            break;
        }
        break;
    case 0xda:
    case 0xdb:
        if (d->modrm < 0xe0) {
            return hx_fcmov[d->modrm & 7];
        }
        if (d->opc == 0xdb && d->modrm >= 0xe8 && d->modrm < 0xf8) {
            return hx_comi[0][d->modrm - 0xe0];
        }
        break;
    case 0xdf:
        if (d->modrm >= 0xe8 && d->modrm < 0xf8) {
            return hx_comi[1][d->modrm - 0xe0];
        }
        break;
    default:
        break;
    }
    return hx_reg[op][d->modrm - 0xc0];
}
