/*
 * Instruction decoder (see cpu/decode.h for the contract).
 *
 * Prefixes may come in any order and number (the 15-byte limit bounds them); the last
 * segment override wins, and of F2/F3 the last one is the repeat (or mandatory SSE)
 * prefix. The opcode table cpu/insn.def is indexed here by opcode slot (512 slots: one
 * byte and 0F xx); a slot holds its entries in table order and the first one whose
 * ModRM-group and mandatory-prefix selectors match is the instruction.
 */
#include "cpu/decode.h"
#include "cpu/interp.h"

#define X(map, op, reg, pfx, mn, h, o1, o2, o3, fl)                                            \
    {mn, h_##h, (uint16_t)(((map) << 8) | (op)), reg, pfx, {O_##o1, O_##o2, O_##o3}, fl},
const InsnInfo insn_table[] = {
#include "cpu/insn.def"
};
#undef X
const unsigned insn_table_size = ARRAY_SIZE(insn_table);

/* slot_first[s]..slot_first[s + 1]: indices (into slot_entries) of the entries of slot s. */
static uint16_t slot_first[513];
static uint16_t slot_entries[ARRAY_SIZE(insn_table)];
static bool decode_ready;

static void decode_init(void)
{
    unsigned count[512] = {0};
    unsigned fill[512];

    for (unsigned k = 0; k < insn_table_size; k++) {
        count[insn_table[k].opcode]++;
    }
    slot_first[0] = 0;
    for (unsigned s = 0; s < 512; s++) {
        slot_first[s + 1] = (uint16_t)(slot_first[s] + count[s]);
        fill[s] = slot_first[s];
    }
    for (unsigned k = 0; k < insn_table_size; k++) {
        slot_entries[fill[insn_table[k].opcode]++] = (uint16_t)k;
    }
    decode_ready = true;
}

/* Operand kinds that require a memory operand (mod != 3). */
static bool opkind_mem_only(int k)
{
    return k >= O_M && k <= O_Ma;
}

static unsigned opkind_mem_size(int k, unsigned osize)
{
    switch (k) {
    case O_Eb: case O_Ob: case O_Xb: case O_Yb: return 1;
    case O_Ew: case O_Mw: return 2;
    case O_Ed: case O_Md: case O_Rd: return 4;
    case O_Ev: case O_Ov: case O_Xv: case O_Yv: return osize;
    case O_Mq: case O_Qq: return 8;
    case O_Mt: return 10;
    case O_Mx: case O_Wx: return 16;
    case O_Mp: return osize + 2;
    case O_Ms: return 6;
    case O_Ma: return osize * 2;
    default: return 0;
    }
}

int decode_insn(const uint8_t *b, size_t n, bool code32, DecodedInsn *d)
{
    size_t pos = 0;
    int seg_override = -1;
    bool p66 = false, p67 = false, lock = false;
    int last_rep = 0;
    unsigned slot, mod = 0, reg = 0, rm = 0, modrm = 0;
    const InsnInfo *e = NULL;
    unsigned nimm = 0;

    if (unlikely(!decode_ready)) {
        decode_init();
    }
    memset(d, 0, sizeof(*d));
    d->info = 0xffff;
    d->base = d->index = NOREG;

#define NEED(k)                                                                                  \
    do {                                                                                         \
        if (pos + (k) > INSN_MAX_LEN) {                                                          \
            return DECODE_GP;                                                                    \
        }                                                                                        \
        if (pos + (k) > n) {                                                                     \
            return DECODE_TRUNC;                                                                 \
        }                                                                                        \
    } while (0)

    for (;;) {
        NEED(1);
        switch (b[pos]) {
        case 0x26: seg_override = R_ES; break;
        case 0x2e: seg_override = R_CS; break;
        case 0x36: seg_override = R_SS; break;
        case 0x3e: seg_override = R_DS; break;
        case 0x64: seg_override = R_FS; break;
        case 0x65: seg_override = R_GS; break;
        case 0x66: p66 = true; break;
        case 0x67: p67 = true; break;
        case 0xf0: lock = true; break;
        case 0xf2: case 0xf3: last_rep = b[pos]; break;
        default: goto opcode;
        }
        pos++;
    }
opcode:
    slot = b[pos++];
    if (slot == 0x0f) {
        NEED(1);
        slot = 0x100 | b[pos++];
    }
    d->opc = (uint8_t)slot;
    if (slot_first[slot] == slot_first[slot + 1]) {
        return DECODE_UD;
    }
    if (insn_table[slot_entries[slot_first[slot]]].flags & F_MODRM) {
        NEED(1);
        modrm = b[pos++];
        mod = modrm >> 6;
        reg = (modrm >> 3) & 7;
        rm = modrm & 7;
    }
    {
        int sel = last_rep == 0xf3 ? P_F3 : last_rep == 0xf2 ? P_F2 : p66 ? P_66 : P_NP;

        for (unsigned k = slot_first[slot]; k < slot_first[slot + 1]; k++) {
            const InsnInfo *c = &insn_table[slot_entries[k]];
            unsigned g = c->reg;

            if (((g & 0x08) && (g & 7) != reg) || ((g & 0x10) && mod == 3) ||
                ((g & 0x20) && mod != 3) || ((g & 0x40) && ((g >> 8) & 7) != rm) ||
                (c->pfx != P_ANY && c->pfx != sel)) {
                continue;
            }
            e = c;
            break;
        }
        if (!e) {
            return DECODE_UD;
        }
        d->info = (uint16_t)(e - insn_table);
        if (e->pfx == P_66) {
            p66 = false;
        } else if (e->pfx == P_F3 || e->pfx == P_F2) {
            last_rep = 0;
        }
    }
    d->osize = (code32 ^ p66) ? 4 : 2;
    d->asize = (code32 ^ p67) ? 4 : 2;
    d->modrm = (uint8_t)modrm;

    /* Memory form of the ModRM byte. MOV CRn/DRn (O_Rd) ignore mod. */
    bool has_mem = (e->flags & F_MODRM) && mod != 3 && e->ops[0] != O_Rd && e->ops[1] != O_Rd;
    int def_seg = R_DS;
    if (has_mem) {
        if (d->asize == 2) {
            static const uint8_t base16[8] = {R_EBX, R_EBX, R_EBP, R_EBP, NOREG, NOREG, R_EBP, R_EBX};
            static const uint8_t index16[8] = {R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, NOREG, NOREG};

            if (mod == 0 && rm == 6) {
                NEED(2);
                d->disp = lduw_le_p(b + pos);
                pos += 2;
            } else {
                d->base = base16[rm];
                d->index = index16[rm];
                if (d->base == NOREG) {
                    d->base = d->index;
                    d->index = NOREG;
                }
                if (d->base == R_EBP) {
                    def_seg = R_SS;
                }
                if (mod == 1) {
                    NEED(1);
                    d->disp = (uint32_t)sext8(b[pos++]);
                } else if (mod == 2) {
                    NEED(2);
                    d->disp = (uint32_t)sext16(lduw_le_p(b + pos));
                    pos += 2;
                }
            }
        } else {
            unsigned base = rm;

            if (rm == 4) {
                unsigned sib;

                NEED(1);
                sib = b[pos++];
                d->scale = (uint8_t)(sib >> 6);
                d->index = ((sib >> 3) & 7) == 4 ? NOREG : (uint8_t)((sib >> 3) & 7);
                base = sib & 7;
            }
            if (mod == 0 && base == 5) {
                NEED(4);
                d->disp = ldl_le_p(b + pos);
                pos += 4;
            } else {
                d->base = (uint8_t)base;
                if (base == R_ESP || base == R_EBP) {
                    def_seg = R_SS;
                }
                if (mod == 1) {
                    NEED(1);
                    d->disp = (uint32_t)sext8(b[pos++]);
                } else if (mod == 2) {
                    NEED(4);
                    d->disp = ldl_le_p(b + pos);
                    pos += 4;
                }
            }
        }
    }
    d->seg = (uint8_t)(seg_override >= 0 ? seg_override : def_seg);
    if (e->flags & F_REP) {
        d->rep = last_rep == 0xf3 ? REP_Z : last_rep == 0xf2 ? REP_NZ : REP_NONE;
    }

    for (unsigned k = 0; k < 3; k++) {
        int kind = e->ops[k];
        InsnOperand *o = &d->op[k];
        unsigned size = opkind_mem_size(kind, d->osize);

        if (kind == O_NONE) {
            break;
        }
        if (opkind_mem_only(kind) && !has_mem) {
            return DECODE_UD;
        }
        switch (kind) {
        case O_Eb: case O_Ew: case O_Ed: case O_Ev: case O_Wx: case O_Qq:
        case O_M: case O_Mw: case O_Md: case O_Mq: case O_Mt: case O_Mx: case O_Mp: case O_Ms:
        case O_Ma:
            if (has_mem) {
                o->type = OT_MEM;
            } else if (kind == O_Wx) {
                o->type = OT_XMM;
                o->reg = (uint8_t)rm;
            } else if (kind == O_Qq) {
                o->type = OT_MMX;
                o->reg = (uint8_t)rm;
            } else {
                o->type = OT_REG;
                o->reg = (uint8_t)rm;
            }
            o->size = (uint8_t)size;
            break;
        case O_Gb: o->type = OT_REG; o->size = 1; o->reg = (uint8_t)reg; break;
        case O_Gw: o->type = OT_REG; o->size = 2; o->reg = (uint8_t)reg; break;
        case O_Gd: o->type = OT_REG; o->size = 4; o->reg = (uint8_t)reg; break;
        case O_Gv: o->type = OT_REG; o->size = d->osize; o->reg = (uint8_t)reg; break;
        case O_Rd: o->type = OT_REG; o->size = 4; o->reg = (uint8_t)rm; break;
        case O_Cd: o->type = OT_CR; o->size = 4; o->reg = (uint8_t)reg; break;
        case O_Dd: o->type = OT_DR; o->size = 4; o->reg = (uint8_t)reg; break;
        case O_Sw:
            if (reg > R_GS) {
                return DECODE_UD;
            }
            o->type = OT_SREG; o->size = 2; o->reg = (uint8_t)reg;
            break;
        case O_Ib: case O_Ibs: case O_Iw: case O_Iz: {
            unsigned n_bytes = kind == O_Iw ? 2 : kind == O_Iz ? d->osize : 1;
            uint32_t v;

            NEED(n_bytes);
            v = n_bytes == 1 ? b[pos] : n_bytes == 2 ? lduw_le_p(b + pos) : ldl_le_p(b + pos);
            pos += n_bytes;
            if (kind == O_Ibs) {
                v = (uint32_t)sext8(v);
                if (d->osize == 2) {
                    v &= 0xffff;
                }
            }
            o->type = OT_IMM;
            o->size = (uint8_t)(kind == O_Ib ? 1 : kind == O_Iw ? 2 : d->osize);
            o->reg = (uint8_t)nimm;
            if (nimm++ == 0) {
                d->imm = v;
            } else {
                d->imm2 = v;
            }
            break;
        }
        case O_Jb:
            NEED(1);
            d->imm = (uint32_t)sext8(b[pos++]);
            o->type = OT_REL; o->size = d->osize;
            break;
        case O_Jz:
            NEED(d->osize);
            d->imm = d->osize == 2 ? (uint32_t)sext16(lduw_le_p(b + pos)) : ldl_le_p(b + pos);
            pos += d->osize;
            o->type = OT_REL; o->size = d->osize;
            break;
        case O_Ap:
            NEED(d->osize + 2u);
            d->imm = d->osize == 2 ? lduw_le_p(b + pos) : ldl_le_p(b + pos);
            pos += d->osize;
            d->imm2 = lduw_le_p(b + pos);
            pos += 2;
            o->type = OT_FAR; o->size = (uint8_t)(d->osize + 2);
            break;
        case O_Ob: case O_Ov:
            NEED(d->asize);
            d->disp = d->asize == 2 ? lduw_le_p(b + pos) : ldl_le_p(b + pos);
            pos += d->asize;
            o->type = OT_MEM; o->size = (uint8_t)size;
            break;
        case O_AL: o->type = OT_REG; o->size = 1; o->reg = R_EAX; break;
        case O_AX: o->type = OT_REG; o->size = 2; o->reg = R_EAX; break;
        case O_eAX: o->type = OT_REG; o->size = d->osize; o->reg = R_EAX; break;
        case O_CL: o->type = OT_REG; o->size = 1; o->reg = R_ECX; break;
        case O_DX: o->type = OT_REG; o->size = 2; o->reg = R_EDX; break;
        case O_Zb: o->type = OT_REG; o->size = 1; o->reg = slot & 7; break;
        case O_Zv: o->type = OT_REG; o->size = d->osize; o->reg = slot & 7; break;
        case O_Zd: o->type = OT_REG; o->size = 4; o->reg = slot & 7; break;
        case O_One: o->type = OT_IMM; o->size = 1; o->reg = 2; break;
        case O_ES: case O_CS: case O_SS: case O_DS: case O_FS: case O_GS:
            o->type = OT_SREG; o->size = 2; o->reg = (uint8_t)(kind - O_ES);
            break;
        case O_Xb: case O_Xv: o->type = OT_STRSRC; o->size = (uint8_t)size; break;
        case O_Yb: case O_Yv: o->type = OT_STRDST; o->size = (uint8_t)size; break;
        case O_Vx: o->type = OT_XMM; o->size = 16; o->reg = (uint8_t)reg; break;
        case O_Ux: o->type = OT_XMM; o->size = 16; o->reg = (uint8_t)rm; break;
        case O_Pq: o->type = OT_MMX; o->size = 8; o->reg = (uint8_t)reg; break;
        case O_Nq: o->type = OT_MMX; o->size = 8; o->reg = (uint8_t)rm; break;
        case O_ST: o->type = OT_ST; o->size = 10; o->reg = 0; break;
        case O_STi: o->type = OT_ST; o->size = 10; o->reg = (uint8_t)rm; break;
        default:
            return DECODE_UD;
        }
    }
    /* LOCK is valid only on a lockable instruction with a memory destination. */
    if (lock && (!(e->flags & F_LOCK) || !has_mem)) {
        return DECODE_UD;
    }
    d->lock = lock;
    d->len = (uint8_t)pos;
    d->handler = e->handler;
    return (int)pos;
#undef NEED
}
