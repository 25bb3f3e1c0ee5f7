/*
 * Host SSE (x86-64 hosts): SSE/SSE2 instructions of hot blocks run on the host's SSE unit.
 * See cpu/fpu.h "Host SSE" for the contract; here:
 *
 * - Forms: an XMM destination with an XMM, memory or 32-bit register source (a register
 *   source of CVTSI2SD/MOVD/PINSRW is given to the host as the same value in memory), the
 *   register-to-register store forms (MOVAPS xmm, xmm encoded 0F 29 and the like), the
 *   shifts by an immediate (66 0F 71-73), the forms with a 32-bit register destination
 *   (CVTTSD2SI, PMOVMSKB, PEXTRW, ...) and (U)COMISS/SD, whose EFLAGS come back as bytes.
 *   Not: MMX forms, memory destinations, RCPPS/RSQRTPS and their scalar forms (x86pc
 *   gives the correctly rounded value where the hardware approximates, cpu/interp-sse.c),
 *   MASKMOVDQU, the 0F AE group (state, fences).
 * - Each instruction gets a few bytes of generated code in the hot block's page (see
 *   hostx87_fuse()): load the destination and the source register images into xmm0 and
 *   xmm1, the guest's own prefix, opcode and immediate with the ModRM rewritten to xmm0 and
 *   xmm1 (or [rsi] for a memory source, eax for a register destination), store xmm0 back.
 * - A memory source is read into a buffer first, only where the TLB maps it directly for
 *   reading (RAM, no watchpoint), after the alignment check of the instruction; the host
 *   then reads the buffer with the instruction's own operand size. Anything else, and any
 *   MXCSR control but the default, CR0.EM/TS or CR4.OSFXSR clear, runs the portable
 *   handler, which raises what the guest must see.
 */
#include "config.h"
#include "cpu/fpu.h"
#include "jit/x86_64/hostfp.h"

#include <string.h>

#ifndef CONFIG_HOST_X87
#error "jit/x86_64/hostsse.c is built only with CONFIG_HOST_X87 (configure)"
#endif

/* d->imm2 of an installed instruction: code offset / 4 in bits 0-23, then: */
#define HS_SIZE_SHIFT 24 /* 3 bits: memory source size code (hs_sizes[]), 0 = none */
#define HS_ALIGN (1u << 27)    /* the memory source must be 16-byte aligned (#GP) */
#define HS_SHAPE_SHIFT 28      /* 2 bits: HS_A.. */
#define HS_EFLAGS (1u << 30)   /* (U)COMIS*: ZF, PF, CF out */
#define HS_SRC_GPR (1u << 31)  /* the source is a 32-bit register, given as memory */

enum {
    HS_A, /* xmm(reg) op= xmm(rm) / memory / register */
    HS_B, /* xmm(rm) = xmm(reg): register form of a store encoding */
    HS_C, /* xmm(rm) shifted by an immediate (66 0F 71-73) */
    HS_D, /* r32(reg) = f(xmm(rm) / memory) */
};

static const uint8_t hs_sizes[8] = {0, 2, 4, 8, 16};

/* Host instructions of the generated code. */
enum {
    X86_PFX_F3 = 0xf3,
    X86_0F = 0x0f,
    X86_MOVDQU_LOAD = 0x6f,  /* F3 0F 6F /r: MOVDQU xmm, m128 */
    X86_MOVDQU_STORE = 0x7f, /* F3 0F 7F /r: MOVDQU m128, xmm */
    X86_SETZ = 0x94,
    X86_SETP = 0x9a,
    X86_SETB = 0x92,
    X86_MOV_STORE32 = 0x89, /* 89 /r: MOV r/m32, r32 */
    X86_RET = 0xc3,
    /* ModRM bytes */
    M_XMM0_RDI = 0x07,   /* xmm0 / eax, [rdi] */
    M_XMM1_RSI = 0x0e,   /* xmm1, [rsi] */
    M_XMM0_RSI = 0x06,   /* xmm0 / eax, [rsi] */
    M_XMM0_XMM1 = 0xc1,  /* reg xmm0 (or eax), rm xmm1 */
    M_XMM1_XMM0 = 0xc8,  /* reg xmm1, rm xmm0 */
    M_RDX = 0x02,        /* [rdx] */
    M_RDX_DISP8 = 0x42,  /* [rdx + disp8] */
};

typedef void (*HsCode)(uint8_t *dst, const uint8_t *src, uint8_t *out);

/*
 * Memory operand size of an SSE/SSE2 form with an XMM destination (or a register
 * destination for HS_D), as cpu/interp-sse.c reads it, and whether it must be aligned; 0
 * for the forms not run on the host with a memory source.
 */
static unsigned hs_mem_size(unsigned pfx, unsigned op, bool *align)
{
    *align = false;
    switch (pfx) {
    case P_F2: /* scalar double */
        switch (op) {
        case 0x10: case 0x51: case 0x58: case 0x59: case 0x5a: case 0x5c: case 0x5d:
        case 0x5e: case 0x5f: case 0xc2: case 0x2c: case 0x2d:
            return 8;
        case 0x2a:
            return 4;
        case 0x70: case 0xe6:
            *align = true;
            return 16;
        default:
            return 0;
        }
    case P_F3: /* scalar single and a few SSE2 forms */
        switch (op) {
        case 0x10: case 0x51: case 0x58: case 0x59: case 0x5a: case 0x5c: case 0x5d:
        case 0x5e: case 0x5f: case 0xc2: case 0x2c: case 0x2d: case 0x2a:
            return 4;
        case 0x7e: case 0xe6:
            return 8;
        case 0x6f:
            return 16;
        case 0x70: case 0x5b:
            *align = true;
            return 16;
        default:
            return 0;
        }
    case P_NP: /* packed single */
        switch (op) {
        case 0x10:
            return 16;
        case 0x12: case 0x16: case 0x5a:
            return 8;
        case 0x2e: case 0x2f:
            return 4;
        case 0x14: case 0x15: case 0x28: case 0x51: case 0x54: case 0x55: case 0x56:
        case 0x57: case 0x58: case 0x59: case 0x5b: case 0x5c: case 0x5d: case 0x5e:
        case 0x5f: case 0xc2: case 0xc6:
            *align = true;
            return 16;
        default:
            return 0;
        }
    default: /* 66: packed double and the 128-bit integer forms */
        if ((op >= 0x60 && op <= 0x6d) || (op >= 0x74 && op <= 0x76) ||
            (op >= 0xd1 && op <= 0xd5) || (op >= 0xd8 && op <= 0xe5 && op != 0xe6) ||
            (op >= 0xe8 && op <= 0xef) || (op >= 0xf1 && op <= 0xf6) ||
            (op >= 0xf8 && op <= 0xfe)) {
            *align = true;
            return 16;
        }
        switch (op) {
        case 0x10:
            return 16;
        case 0x12: case 0x16: case 0x2e: case 0x2f:
            return 8;
        case 0x6e:
            return 4;
        case 0xc4:
            return 2;
        case 0x14: case 0x15: case 0x28: case 0x51: case 0x54: case 0x55: case 0x56:
        case 0x57: case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d:
        case 0x5e: case 0x5f: case 0x6f: case 0x70: case 0xc2: case 0xc6: case 0xe6:
            *align = true;
            return 16;
        default:
            return 0;
        }
    }
}

static unsigned hs_size_code(unsigned size)
{
    for (unsigned k = 1; k < 5; k++) {
        if (hs_sizes[k] == size) {
            return k;
        }
    }
    return 0;
}

size_t hostsse_emit(const X86CPU *cpu, const DecodedInsn *d, uint8_t *p, uint32_t *meta)
{
    const InsnInfo *info = insn_info(d);
    unsigned op = info->opcode & 0xff, pfx = info->pfx, shape, size = 0;
    uint8_t *start = p, modrm;
    bool align = false, mem = false, gpr_src = false, eflags, imm;
    uint32_t m = 0;

    if (!fpu_host_sse || info->handler != h_simd || (info->opcode >> 8) != 1 ||
        !simd_model_has(cpu, d)) {
        return 0;
    }
    switch (op) {
    case 0x52: case 0x53: /* approximations: x86pc rounds them correctly */
    case 0xae: case 0x77: case 0xf7: case 0xd6: case 0x2b: case 0xe7: case 0xc3:
        return 0;
    default:
        break;
    }
    for (unsigned k = 0; k < 3; k++) {
        if (d->op[k].type == OT_MMX) {
            return 0;
        }
    }
    imm = info->ops[2] == O_Ib || (info->ops[1] == O_Ib);
    eflags = op == 0x2e || op == 0x2f;
    if (info->ops[0] == O_Vx && d->op[0].type == OT_XMM) {
        shape = HS_A;
        if (d->op[1].type == OT_MEM) {
            mem = true;
        } else if (d->op[1].type == OT_REG) {
            if (d->op[1].size != 4) {
                return 0;
            }
            mem = gpr_src = true;
        } else if (d->op[1].type != OT_XMM) {
            return 0;
        }
    } else if ((info->ops[0] == O_Wx || info->ops[0] == O_Ux) && d->op[0].type == OT_XMM &&
               d->op[1].type == OT_XMM && info->ops[1] == O_Vx) {
        shape = HS_B;
    } else if (info->ops[0] == O_Ux && d->op[0].type == OT_XMM && info->ops[1] == O_Ib &&
               pfx == P_66 && op >= 0x71 && op <= 0x73) {
        shape = HS_C;
    } else if (info->ops[0] == O_Gd && d->op[0].type == OT_REG && d->op[0].size == 4) {
        shape = HS_D;
        if (d->op[1].type == OT_MEM) {
            mem = true;
        } else if (d->op[1].type != OT_XMM) {
            return 0;
        }
    } else {
        return 0;
    }
    if (mem) {
        size = hs_mem_size(pfx, op, &align);
        if (!size) {
            return 0;
        }
        if (gpr_src && op != 0x2a && op != 0x6e && op != 0xc4) {
            return 0;
        }
    }

    /* xmm0 = destination (not for a register destination) */
    if (shape != HS_D) {
        *p++ = X86_PFX_F3;
        *p++ = X86_0F;
        *p++ = X86_MOVDQU_LOAD;
        *p++ = M_XMM0_RDI;
    }
    /* xmm1 = register source */
    if (!mem && shape != HS_C) {
        *p++ = X86_PFX_F3;
        *p++ = X86_0F;
        *p++ = X86_MOVDQU_LOAD;
        *p++ = M_XMM1_RSI;
    }
    /* the guest's instruction on xmm0 (or eax) and xmm1 / [rsi] */
    switch (pfx) {
    case P_66:
        *p++ = 0x66;
        break;
    case P_F2:
        *p++ = 0xf2;
        break;
    case P_F3:
        *p++ = 0xf3;
        break;
    default:
        break;
    }
    if (shape == HS_B) {
        modrm = M_XMM1_XMM0;
    } else if (shape == HS_C) {
        modrm = (uint8_t)(0xc0 | (d->modrm & 0x38));
    } else {
        modrm = mem ? M_XMM0_RSI : M_XMM0_XMM1;
    }
    *p++ = X86_0F;
    *p++ = (uint8_t)op;
    *p++ = modrm;
    if (imm) {
        *p++ = (uint8_t)d->imm;
    }
    if (eflags) {
        *p++ = X86_0F;
        *p++ = X86_SETZ;
        *p++ = M_RDX;
        *p++ = X86_0F;
        *p++ = X86_SETP;
        *p++ = M_RDX_DISP8;
        *p++ = 1;
        *p++ = X86_0F;
        *p++ = X86_SETB;
        *p++ = M_RDX_DISP8;
        *p++ = 2;
    } else if (shape == HS_D) {
        *p++ = X86_MOV_STORE32;
        *p++ = M_RDX;
    } else {
        *p++ = X86_PFX_F3;
        *p++ = X86_0F;
        *p++ = X86_MOVDQU_STORE;
        *p++ = M_XMM0_RDI;
    }
    *p++ = X86_RET;

    m = (uint32_t)shape << HS_SHAPE_SHIFT;
    m |= (uint32_t)hs_size_code(size) << HS_SIZE_SHIFT;
    m |= align ? HS_ALIGN : 0;
    m |= eflags ? HS_EFLAGS : 0;
    m |= gpr_src ? HS_SRC_GPR : 0;
    *meta = m;
    return (size_t)(p - start);
}

/* The host's own MXCSR while the guest's instructions run on the unit (one CPU thread). */
static uint32_t hs_host_mxcsr;

/* The host MXCSR becomes the guest's default one with no flags: it then collects the
 * guest's flags. The host's own value (whatever the C runtime or a library set, and the
 * flags the host raised) comes back with hostsse_leave(). */
static void hs_enter(X86CPU *cpu)
{
    static const uint32_t guest = 0x1f80;

    __asm__ volatile("stmxcsr %0" : "=m"(hs_host_mxcsr));
    __asm__ volatile("ldmxcsr %0" : : "m"(guest));
    cpu->fpu.sse_live = true;
}

/* The instruction on the host; the portable handler where it cannot be. */
static void hs_op(X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t m = i->imm2;
    unsigned shape = (m >> HS_SHAPE_SHIFT) & 3, size = hs_sizes[(m >> HS_SIZE_SHIFT) & 7];
    uint8_t buf[16] __attribute__((aligned(16))), out[4];
    uint8_t *dst = NULL;
    const uint8_t *src = NULL;

    if (unlikely(((cpu->cr[0] & (CR0_EM | CR0_TS)) | (~cpu->cr[4] & CR4_OSFXSR) |
                  ((cpu->fpu.mxcsr & ~MXCSR_FLAGS) ^ 0x1f80)) != 0)) {
        simd_specialize(i)(cpu, i);
        return;
    }
    if (m & HS_SRC_GPR) {
        stl_le_p(buf, cpu->regs[i->op[1].reg]);
        src = buf;
    } else if (size) {
        uint32_t ea = insn_ea(cpu, i), lin;
        TLBEntry *e;

        if ((m & HS_ALIGN) && (ea & 15)) {
            simd_specialize(i)(cpu, i); /* #GP(0) */
            return;
        }
        lin = seg_lin(cpu, i->seg, ea, size, SEG_ACC_READ);
        e = tlb_entry(cpu, mmu_index_cpl(cpu), lin);
        if (unlikely(e->tag_read != ((lin + size - 1) & TARGET_PAGE_MASK))) {
            simd_specialize(i)(cpu, i);
            return;
        }
        memcpy(buf, e->host_read + (lin & ~TARGET_PAGE_MASK), size);
        src = buf;
    } else if (shape != HS_C) {
        src = cpu->fpu.xmm[i->op[1].reg & 7];
    }
    if (shape != HS_D) {
        dst = cpu->fpu.xmm[i->op[0].reg & 7];
    }
    if (unlikely(!cpu->fpu.sse_live)) {
        hs_enter(cpu);
    }
    ((HsCode)(void *)(cpu->blocks->host_x87->cb.base + ((m & 0xffffff) << 2)))(dst, src, out);
    if (m & HS_EFLAGS) {
        cc_set_flags(cpu, (out[0] ? CC_Z : 0) | (out[1] ? CC_P : 0) | (out[2] ? CC_C : 0));
    } else if (shape == HS_D) {
        reg_write(cpu, i->op[0].reg, 4, ldl_le_p(out));
    }
}

/* ---- runs: consecutive SSE instructions with the guest's XMM registers in the host's ----
 *
 * In a hot block, two or more consecutive instructions that hostsse_emit() accepted, with
 * no register destination and no register source (shapes A with an XMM or memory source,
 * B and C), become one call: the guest registers they use are loaded into the host
 * registers of the same numbers, the instructions run as the guest wrote them (register
 * forms verbatim; a memory source becomes [rsi + 16 * k], the k-th operand read
 * beforehand), the registers they write are stored back, and the EFLAGS of the last
 * (U)COMIS* come back as bytes. The memory operands are all read before anything runs,
 * and only where the segment and the TLB allow it without a fault; otherwise, and where
 * the exec loop must stop inside the run or is not the block loop, the first instruction
 * runs alone (portable handler) and the others follow with their own handlers.
 */
#define HS_RUN_MEM_MAX 8

typedef struct HsRun {
    uint32_t code_off;
    uint16_t bytes;          /* guest bytes of the run: EIP moves past them */
    uint8_t n, nmem;
    bool eflags;
    struct {
        uint8_t idx, size;  /* the instruction (index in the run) and its operand size */
        bool align;
    } mem[HS_RUN_MEM_MAX];
} HsRun;

typedef void (*HsRunCode)(uint8_t (*xmm)[16], uint8_t (*mem)[16], uint8_t *out);

bool hostsse_run_member(uint32_t meta)
{
    return ((meta >> HS_SHAPE_SHIFT) & 3) != HS_D && !(meta & HS_SRC_GPR);
}

/* movdqu between host xmm r and [rdi + 16 r] */
static uint8_t *hs_emit_xmm_move(uint8_t *p, unsigned r, bool store)
{
    *p++ = X86_PFX_F3;
    *p++ = X86_0F;
    *p++ = store ? X86_MOVDQU_STORE : X86_MOVDQU_LOAD;
    *p++ = (uint8_t)(0x47 | (r << 3)); /* mod 01, reg r, rm 111: [rdi + disp8] */
    *p++ = (uint8_t)(16 * r);
    return p;
}

size_t hostsse_emit_run(const DecodedInsn *first, unsigned n, const uint32_t *meta,
                        uint8_t *p, const uint8_t *base, uint32_t *desc_off)
{
    uint8_t *start = p, *code;
    unsigned used = 0, written = 0, nmem = 0, bytes = 0;
    bool eflags = false;
    HsRun *r;

    for (unsigned k = 0; k < n; k++) {
        const DecodedInsn *d = &first[k];
        unsigned shape = (meta[k] >> HS_SHAPE_SHIFT) & 3, reg = (d->modrm >> 3) & 7;
        unsigned rm = d->modrm & 7;
        bool mem = ((meta[k] >> HS_SIZE_SHIFT) & 7) != 0;

        if (mem && ++nmem > HS_RUN_MEM_MAX) {
            return 0;
        }
        if (shape == HS_A) {
            used |= 1u << reg;
            used |= mem ? 0 : 1u << rm;
            written |= (meta[k] & HS_EFLAGS) ? 0 : 1u << reg;
        } else {
            used |= 1u << rm;
            used |= shape == HS_B ? 1u << reg : 0;
            written |= 1u << rm;
        }
        eflags |= (meta[k] & HS_EFLAGS) != 0;
        bytes += d->len;
    }
    /* the descriptor first (4-byte aligned by the caller), then the code */
    r = (HsRun *)(void *)p;
    memset(r, 0, sizeof(*r));
    p += (sizeof(*r) + 3) & ~(size_t)3;
    code = p;
    for (unsigned x = 0; x < 8; x++) {
        if (used & (1u << x)) {
            p = hs_emit_xmm_move(p, x, false);
        }
    }
    nmem = 0;
    for (unsigned k = 0; k < n; k++) {
        const DecodedInsn *d = &first[k];
        const InsnInfo *info = insn_info(d);
        unsigned size = hs_sizes[(meta[k] >> HS_SIZE_SHIFT) & 7];

        switch (info->pfx) {
        case P_66:
            *p++ = 0x66;
            break;
        case P_F2:
            *p++ = 0xf2;
            break;
        case P_F3:
            *p++ = 0xf3;
            break;
        default:
            break;
        }
        *p++ = X86_0F;
        *p++ = (uint8_t)(info->opcode & 0xff);
        if (size) {
            *p++ = (uint8_t)(0x46 | (d->modrm & 0x38)); /* mod 01, rm 110: [rsi + disp8] */
            *p++ = (uint8_t)(16 * nmem);
            r->mem[nmem].idx = (uint8_t)k;
            r->mem[nmem].size = (uint8_t)size;
            r->mem[nmem].align = (meta[k] & HS_ALIGN) != 0;
            nmem++;
        } else {
            *p++ = d->modrm;
        }
        if (info->ops[2] == O_Ib || info->ops[1] == O_Ib) {
            *p++ = (uint8_t)d->imm;
        }
    }
    for (unsigned x = 0; x < 8; x++) {
        if (written & (1u << x)) {
            p = hs_emit_xmm_move(p, x, true);
        }
    }
    if (eflags) {
        *p++ = X86_0F;
        *p++ = X86_SETZ;
        *p++ = M_RDX;
        *p++ = X86_0F;
        *p++ = X86_SETP;
        *p++ = M_RDX_DISP8;
        *p++ = 1;
        *p++ = X86_0F;
        *p++ = X86_SETB;
        *p++ = M_RDX_DISP8;
        *p++ = 2;
    }
    *p++ = X86_RET;
    r->code_off = (uint32_t)(code - base);
    r->bytes = (uint16_t)bytes;
    r->n = (uint8_t)n;
    r->nmem = (uint8_t)nmem;
    r->eflags = eflags;
    *desc_off = (uint32_t)(start - base);
    return (size_t)(p - start);
}

static void hs_run(X86CPU *cpu, const DecodedInsn *i)
{
    const BlockCache *bc = cpu->blocks;
    const uint8_t *base = bc->host_x87->cb.base;
    const HsRun *r = (const HsRun *)(const void *)(base + i->imm2);
    uint8_t mem[HS_RUN_MEM_MAX][16] __attribute__((aligned(16))), out[4];

    if (unlikely(!bc->limit_active || cpu->icount + r->n > bc->icount_limit ||
                 ((cpu->cr[0] & (CR0_EM | CR0_TS)) | (~cpu->cr[4] & CR4_OSFXSR) |
                  ((cpu->fpu.mxcsr & ~MXCSR_FLAGS) ^ 0x1f80)) != 0)) {
        simd_specialize(i)(cpu, i);
        return;
    }
    for (unsigned k = 0; k < r->nmem; k++) {
        const DecodedInsn *d = i + r->mem[k].idx;
        unsigned size = r->mem[k].size;
        uint32_t ea = insn_ea(cpu, d), lin;
        const SegmentCache *sc = &cpu->seg[d->seg];
        TLBEntry *e;

        /* seg_lin()'s fast case only: nothing here may fault */
        if (unlikely((r->mem[k].align && (ea & 15)) ||
                     (uint64_t)ea + (size - 1) > sc->limit ||
                     (sc->flags & SEG_FAST_MASK) != DESC_P_MASK)) {
            simd_specialize(i)(cpu, i);
            return;
        }
        lin = sc->base + ea;
        e = tlb_entry(cpu, mmu_index_cpl(cpu), lin);
        if (unlikely(e->tag_read != ((lin + size - 1) & TARGET_PAGE_MASK))) {
            simd_specialize(i)(cpu, i);
            return;
        }
        memcpy(mem[k], e->host_read + (lin & ~TARGET_PAGE_MASK), size);
    }
    if (unlikely(!cpu->fpu.sse_live)) {
        hs_enter(cpu);
    }
    ((HsRunCode)(const void *)(base + r->code_off))(cpu->fpu.xmm, mem, out);
    if (r->eflags) {
        cc_set_flags(cpu, (out[0] ? CC_Z : 0) | (out[1] ? CC_P : 0) | (out[2] ? CC_C : 0));
    }
    cpu->eip = cpu->insn_start_eip + r->bytes;
    cpu->insn_skip = r->n - 1u;
}

void hostsse_install_run(DecodedInsn *first, uint32_t desc_off)
{
    first->imm2 = desc_off;
    first->handler = hs_run;
}

void hostsse_install(DecodedInsn *d, uint32_t off, uint32_t meta)
{
    d->imm2 = (off >> 2) | meta;
    d->handler = hs_op;
}

void hostsse_leave(X86CPU *cpu)
{
    uint32_t unit;

    __asm__ volatile("stmxcsr %0" : "=m"(unit));
    cpu->fpu.mxcsr |= unit & MXCSR_FLAGS;
    __asm__ volatile("ldmxcsr %0" : : "m"(hs_host_mxcsr));
    cpu->fpu.sse_live = false;
}
