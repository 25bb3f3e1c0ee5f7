/*
 * Instruction decoder: raw bytes -> DecodedInsn, driven by the opcode table cpu/insn.def.
 *
 * A DecodedInsn carries everything an interpreter handler (or, later, the JIT) needs:
 * the handler, the table entry, the length, the effective operand/address size, the
 * effective segment, the repeat prefix and up to three operands already resolved to
 * register numbers, a memory form (base/index/scale/disp) or an immediate. It holds no
 * absolute EIP: a decoded block is keyed by physical address and may run at any EIP
 * that maps there, so handlers advance cpu->eip by i->len and branch targets are
 * computed from cpu->eip.
 *
 * The decoder works on a byte buffer and never touches the CPU: the block builder
 * (cpu/block.c) and the disassembler feed it bytes, and a "truncated" answer asks for
 * more (so an instruction ending before a page boundary never touches the next page).
 */
#ifndef X86PC_CPU_DECODE_H
#define X86PC_CPU_DECODE_H

#include "cpu/helper.h"

/* Operand kinds of cpu/insn.def (Intel SDM vol. 2 appendix A notation). */
enum {
    O_NONE,
    O_Eb, O_Ew, O_Ed, O_Ev,          /* ModRM r/m: register or memory */
    O_Gb, O_Gw, O_Gd, O_Gv,          /* ModRM reg: general register */
    O_M, O_Mw, O_Md, O_Mq, O_Mt, O_Mx, O_Mp, O_Ms, O_Ma, /* memory only */
    O_Rd,                            /* ModRM r/m as register, mod ignored (MOV CRn) */
    O_Cd, O_Dd, O_Sw,                /* ModRM reg: CRn, DRn, segment register */
    O_Ib, O_Ibs, O_Iw, O_Iz,         /* immediates (Ibs: sign-extended to operand size) */
    O_Jb, O_Jz,                      /* relative branch displacement */
    O_Ap,                            /* far pointer immediate: offset then selector */
    O_Ob, O_Ov,                      /* moffs: address-size offset, no ModRM */
    O_AL, O_AX, O_eAX, O_CL, O_DX,   /* fixed registers */
    O_Zb, O_Zv, O_Zd,                /* register in the opcode's low three bits */
    O_One,                           /* the constant 1 (shift by one) */
    O_ES, O_CS, O_SS, O_DS, O_FS, O_GS,
    O_Xb, O_Xv, O_Yb, O_Yv,          /* string source DS:eSI / destination ES:eDI */
    O_Vx, O_Wx, O_Ux,                /* XMM reg / XMM or memory / XMM in r/m */
    O_Pq, O_Qq, O_Nq,                /* MMX reg / MMX or memory / MMX in r/m */
    O_ST, O_STi,                     /* x87 ST(0), ST(rm) */
    O_COUNT
};

/* Instruction flags (cpu/insn.def column 10). */
#define F_MODRM (1u << 0)   /* has a ModRM byte */
#define F_LOCK (1u << 1)    /* LOCK allowed (with a memory destination) */
#define F_REP (1u << 2)     /* string instruction: F2/F3 are REP prefixes */
#define F_REPZ (1u << 3)    /* ... and F3/F2 mean REPE/REPNE (CMPS, SCAS) */
#define F_BRANCH (1u << 4)  /* control transfer: ends the block */
#define F_PRIV (1u << 5)    /* CPL 0 only: #GP(0) otherwise (checked before the handler) */
#define F_END (1u << 6)     /* may change mode/interrupt state: ends the block */
#define F_IO (1u << 7)      /* port I/O: ends the block (devices may raise interrupts) */
#define F_PM (1u << 8)      /* protected mode only: #UD in real and v86 mode */
#define F_X87 (1u << 9)     /* x87 escape */
#define F_SIMD (1u << 10)   /* MMX/SSE/SSE2: decoded, semantics not yet implemented */
#define F_AMNEM (1u << 11)  /* "a/b" mnemonic chosen by address size, not operand size */

/* ModRM-group selector column of insn.def. */
#define GA 0x0u
#define G_(n) (0x08u | ((n) & 7))
#define GM(n) (0x10u | ((n) >= 0 ? 0x08u | ((n) & 7) : 0u))
#define GR(n) (0x20u | ((n) >= 0 ? 0x08u | ((n) & 7) : 0u))
#define GRM(n, rm) (0x20u | 0x40u | 0x08u | ((n) & 7) | ((rm) << 8))

/* Mandatory-prefix column of insn.def. */
enum { P_ANY, P_NP, P_66, P_F3, P_F2 };

/* Resolved operand types. */
enum {
    OT_NONE,
    OT_REG,   /* general register; size 1 uses AL..BH numbering (4..7 = AH..BH) */
    OT_MEM,   /* the instruction's memory operand (DecodedInsn base/index/scale/disp) */
    OT_IMM,   /* reg == 0: i->imm, reg == 1: i->imm2 */
    OT_REL,   /* branch displacement in i->imm (already sign-extended) */
    OT_FAR,   /* far pointer immediate: offset i->imm, selector i->imm2 */
    OT_SREG,
    OT_CR,
    OT_DR,
    OT_MMX,
    OT_XMM,
    OT_ST,    /* x87 ST(reg) */
    OT_STRSRC, /* DS:eSI (segment override applies) */
    OT_STRDST, /* ES:eDI */
};

#define NOREG 0xff

/* Repeat prefix of a string instruction. */
enum { REP_NONE, REP_Z, REP_NZ }; /* F3 (REP/REPE), F2 (REPNE) */

typedef struct InsnOperand {
    uint8_t type; /* OT_* */
    uint8_t size; /* bytes */
    uint8_t reg;
} InsnOperand;

typedef struct DecodedInsn DecodedInsn;
typedef void (*InsnHandler)(X86CPU *cpu, const DecodedInsn *i);

struct DecodedInsn {
    InsnHandler handler;
    uint32_t disp;
    uint32_t imm;
    uint32_t imm2;
    uint16_t info;  /* index into insn_table[] */
    uint8_t len;
    uint8_t opc;    /* opcode byte (low bits select cc, register, segment...) */
    uint8_t osize;  /* effective operand size: 2 or 4 */
    uint8_t asize;  /* effective address size: 2 or 4 */
    uint8_t seg;    /* data segment for the memory operand / string source */
    uint8_t rep;    /* REP_* (string instructions only) */
    uint8_t modrm;
    uint8_t base, index, scale; /* memory form; NOREG when absent */
    uint8_t lock;
    InsnOperand op[3];
};

typedef struct InsnInfo {
    const char *mnem;
    InsnHandler handler;
    uint16_t opcode; /* map << 8 | opcode byte */
    uint16_t reg;    /* G* selector */
    uint8_t pfx;     /* P_* */
    uint8_t ops[3];  /* O_* */
    uint32_t flags;  /* F_* */
} InsnInfo;

extern const InsnInfo insn_table[];
extern const unsigned insn_table_size;

/* Results of decode_insn() other than a length. */
#define DECODE_TRUNC (-1)   /* more bytes needed than were supplied */
#define DECODE_UD (-2)      /* invalid opcode or invalid LOCK: #UD */
#define DECODE_GP (-3)      /* longer than 15 bytes: #GP(0) */

#define INSN_MAX_LEN 15

/*
 * Decode one instruction from bytes[0..n). code32: the code segment's D bit. Returns
 * the length (1..15) and fills *out, or one of DECODE_*. On DECODE_UD, out->info is
 * the matched or nearest table entry when one exists (for logging), else 0xffff.
 */
int decode_insn(const uint8_t *bytes, size_t n, bool code32, DecodedInsn *out);

/*
 * Intel-syntax text of a decoded instruction (cpu/disas.c). eip is the address of the
 * instruction (for branch targets).
 */
void disas_format(const DecodedInsn *d, uint32_t eip, char *buf, size_t size);

/* Effective address (offset within i->seg) of the memory operand. */
static inline uint32_t insn_ea(const X86CPU *cpu, const DecodedInsn *i)
{
    uint32_t ea = i->disp;

    if (i->base != NOREG) {
        ea += cpu->regs[i->base];
    }
    if (i->index != NOREG) {
        ea += cpu->regs[i->index] << i->scale;
    }
    return i->asize == 2 ? (ea & 0xffff) : ea;
}

static inline const InsnInfo *insn_info(const DecodedInsn *i)
{
    return &insn_table[i->info];
}

#endif
