/*
 * Disassembler (Intel syntax, NASM flavour), generated from the decoder's output and
 * the mnemonics of cpu/insn.def.
 *
 * Conventions: memory operands carry a size keyword (byte/word/dword/qword/tword/oword)
 * except where the size is implied (LEA, far pointers, descriptor-table operands); a
 * segment is shown only when it differs from the default one; immediates and
 * displacements are hexadecimal; branch targets are absolute. String instructions print
 * their size suffix and no operands ("rep movsd").
 */
#include <stdarg.h>
#include <stdio.h>

#include "cpu/decode.h"

static const char *const reg8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
static const char *const reg16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const reg32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const sreg[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};

typedef struct Out {
    char *buf;
    size_t size;
    size_t len;
} Out;

static void PRINTF_FMT(2, 3) out_printf(Out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->len >= o->size) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        o->len = MIN(o->size - 1, o->len + (size_t)n);
    }
}

static const char *gpr_name(unsigned r, unsigned size)
{
    return size == 1 ? reg8[r & 7] : size == 2 ? reg16[r & 7] : reg32[r & 7];
}

static void out_hex(Out *o, uint32_t v)
{
    out_printf(o, "0x%x", v);
}

static void out_mem(Out *o, const DecodedInsn *d, int kind, unsigned size)
{
    const char *const *names = d->asize == 2 ? reg16 : reg32;
    int def_seg = (d->base == R_EBP || (d->asize == 4 && d->base == R_ESP)) ? R_SS : R_DS;
    bool any = false;

    if (kind != O_M && kind != O_Mp && kind != O_Ms && kind != O_Ma) {
        switch (size) {
        case 1: out_printf(o, "byte "); break;
        case 2: out_printf(o, "word "); break;
        case 4: out_printf(o, "dword "); break;
        case 8: out_printf(o, "qword "); break;
        case 10: out_printf(o, "tword "); break;
        case 16: out_printf(o, "oword "); break;
        default: break;
        }
    }
    if (d->seg != def_seg) {
        out_printf(o, "%s:", sreg[d->seg]);
    }
    out_printf(o, "[");
    if (d->base != NOREG) {
        out_printf(o, "%s", names[d->base]);
        any = true;
    }
    if (d->index != NOREG) {
        out_printf(o, "%s%s", any ? "+" : "", names[d->index]);
        if (d->scale) {
            out_printf(o, "*%u", 1u << d->scale);
        }
        any = true;
    }
    if (!any) {
        out_hex(o, d->asize == 2 ? d->disp & 0xffff : d->disp);
    } else if (d->disp) {
        int32_t disp = (int32_t)d->disp;

        if (d->asize == 2) {
            disp = sext16(d->disp);
        }
        if (disp < 0) {
            out_printf(o, "-0x%x", (uint32_t)-(int64_t)disp);
        } else {
            out_printf(o, "+0x%x", (uint32_t)disp);
        }
    }
    out_printf(o, "]");
}

static bool is_string_op(const InsnInfo *e)
{
    for (int k = 0; k < 3; k++) {
        if (e->ops[k] >= O_Xb && e->ops[k] <= O_Yv) {
            return true;
        }
    }
    return false;
}

void disas_format(const DecodedInsn *d, uint32_t eip, char *buf, size_t size)
{
    const InsnInfo *e = insn_info(d);
    Out o = {buf, size, 0};
    const char *mn = e->mnem, *slash = strchr(mn, '/');

    buf[0] = 0;
    if (d->lock) {
        out_printf(&o, "lock ");
    }
    if (d->rep != REP_NONE) {
        out_printf(&o, "%s ", !(e->flags & F_REPZ) ? "rep" : d->rep == REP_Z ? "repe" : "repne");
    }
    if (slash) {
        bool second = (e->flags & F_AMNEM) ? d->asize == 4 : d->osize == 4;

        if (second) {
            out_printf(&o, "%s", slash + 1);
        } else {
            out_printf(&o, "%.*s", (int)(slash - mn), mn);
        }
    } else {
        out_printf(&o, "%s", mn);
    }
    if (is_string_op(e)) {
        if (e->ops[0] == O_Xv || e->ops[0] == O_Yv || e->ops[1] == O_Xv || e->ops[1] == O_Yv) {
            out_printf(&o, "%c", d->osize == 2 ? 'w' : 'd');
        }
        return;
    }
    for (int k = 0; k < 3 && d->op[k].type != OT_NONE; k++) {
        const InsnOperand *op = &d->op[k];

        out_printf(&o, k == 0 ? " " : ", ");
        switch (op->type) {
        case OT_REG:
            out_printf(&o, "%s", gpr_name(op->reg, op->size));
            break;
        case OT_MEM:
            out_mem(&o, d, e->ops[k], op->size);
            break;
        case OT_IMM:
            out_hex(&o, op->reg == 0 ? d->imm : op->reg == 1 ? d->imm2 : 1);
            break;
        case OT_REL: {
            uint32_t t = eip + d->len + d->imm;

            out_hex(&o, d->osize == 2 ? t & 0xffff : t);
            break;
        }
        case OT_FAR:
            out_printf(&o, "0x%x:0x%x", d->imm2 & 0xffff, d->imm);
            break;
        case OT_SREG:
            out_printf(&o, "%s", sreg[op->reg & 7]);
            break;
        case OT_CR:
            out_printf(&o, "cr%u", op->reg);
            break;
        case OT_DR:
            out_printf(&o, "dr%u", op->reg);
            break;
        case OT_MMX:
            out_printf(&o, "mm%u", op->reg);
            break;
        case OT_XMM:
            out_printf(&o, "xmm%u", op->reg);
            break;
        case OT_ST:
            out_printf(&o, "st(%u)", op->reg);
            break;
        default:
            break;
        }
    }
}

int disas_bytes(const uint8_t *bytes, size_t n, uint32_t eip, bool code32, char *buf,
                size_t bufsize)
{
    DecodedInsn d;
    int r = decode_insn(bytes, n, code32, &d);

    if (r <= 0) {
        snprintf(buf, bufsize, "(bad)");
        return 0;
    }
    disas_format(&d, eip, buf, bufsize);
    return r;
}

int cpu_disas(X86CPU *cpu, uint32_t lin, bool code32, char *buf, size_t bufsize)
{
    uint8_t bytes[INSN_MAX_LEN];
    size_t n = 0;

    /* Read byte by byte so an instruction ending just before an unmapped page works. */
    while (n < sizeof(bytes) && cpu_memory_rw_debug(cpu, lin + (uint32_t)n, &bytes[n], 1, false) == 0) {
        n++;
    }
    if (n == 0) {
        snprintf(buf, bufsize, "(unreadable)");
        return 0;
    }
    return disas_bytes(bytes, n, lin - cpu->seg[R_CS].base, code32, buf, bufsize);
}
