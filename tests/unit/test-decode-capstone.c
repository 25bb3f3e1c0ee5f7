/*
 * Differential test of the decoder against capstone: instruction length and the memory
 * operand (base, index, scale, displacement, segment override) over random byte strings
 * in 16- and 32-bit mode, with a fixed seed so every run checks the same 2 x 600,000
 * strings.
 *
 * The strings are biased towards real instructions: up to three prefixes, then a random
 * one-byte opcode or 0F-prefixed opcode, then random bytes. A string is compared only
 * when our decoder accepts it (an instruction of the P6 + MMX/SSE/SSE2 level); strings
 * we reject (#UD, #GP) are counted but not compared, because capstone also decodes later
 * extensions. Exclusions, where capstone 4 decodes differently by design:
 *  - 3DNow!, SSE3+, VMX, 0F 38/0F 3A and other post-P6 opcodes: #UD here, not compared.
 *  - 0F 18 /4-7 and 0F 19-1F with a register or memory operand ("hint NOP" on P6):
 *    capstone 4 rejects some of these, or decodes them as MPX/CET instructions
 *    (BNDMOV, ENDBR...); the length rules are the same ModRM rules, so a capstone
 *    rejection there is counted as excluded, a length mismatch still fails.
 *  - MMX/SSE/SSE2 encodings that capstone 4 rejects (it lacks several SSE2 forms, e.g.
 *    66 0F 6C PUNPCKLQDQ, 66 0F D6 MOVQ, F3/F2 0F E6, and LFENCE/MFENCE/SFENCE with
 *    rm != 0): excluded when rejected, compared when capstone decodes them.
 *  - 0F 0D (PREFETCH hint): capstone 4 only decodes it for AMD 3DNow!.
 *  - 0F B9 (UD1): capstone 4 decodes it without ModRM ("ud2b"); it is #UD anyway.
 *  - D6 (SALC) and F1 (INT1): undocumented; capstone may reject them.
 *  - 82 (alias of 80) and x87 forms that capstone 4 rejects (FNENI/FNDISI/FNSETPM and
 *    reserved register forms we decode as escapes) are counted as excluded.
 *  - 66 together with F2/F3 on a non-string, non-SSE opcode: the SDM says F2/F3 have no
 *    effect there and 66 applies; capstone 4 drops the 66 (decoding "bnd call rel32")
 *    or rejects MOV moffs. Excluded when capstone disagrees.
 *  - LOCK-prefixed strings that we reject are not compared (capstone accepts any LOCK).
 * Anything else where capstone rejects a string we accept, or the lengths differ, fails.
 */
#include <capstone/capstone.h>
#include <stdio.h>

#include "cpu/decode.h"

#define ITERATIONS 600000

static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
    /* xorshift32: deterministic on every host */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static const uint8_t prefixes[] = {0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x26, 0x36, 0x3e, 0x64, 0x65};

static size_t gen(uint8_t *buf)
{
    size_t n = 0;
    unsigned np = rng() % 8;

    np = np < 4 ? 0 : np - 4; /* 0..3 prefixes, half of the strings have none */
    for (unsigned k = 0; k < np; k++) {
        buf[n++] = prefixes[rng() % sizeof(prefixes)];
    }
    if (rng() & 1) {
        buf[n++] = 0x0f;
    }
    while (n < INSN_MAX_LEN) {
        buf[n++] = (uint8_t)rng();
    }
    return n;
}

/* True if the prefixes hold 66 together with F2 or F3. */
static bool opsize_with_rep(const uint8_t *b)
{
    bool p66 = false, rep = false;

    for (size_t k = 0; k < INSN_MAX_LEN && memchr(prefixes, b[k], sizeof(prefixes)); k++) {
        p66 |= b[k] == 0x66;
        rep |= b[k] == 0xf2 || b[k] == 0xf3;
    }
    return p66 && rep;
}

/* Opcode bytes (after prefixes) of a string: map 0/1 and the opcode. */
static void opcode_of(const uint8_t *b, int *map, int *op, int *modrm)
{
    size_t k = 0;

    while (k < INSN_MAX_LEN && memchr(prefixes, b[k], sizeof(prefixes))) {
        k++;
    }
    *map = 0;
    if (b[k] == 0x0f) {
        *map = 1;
        k++;
    }
    *op = b[k];
    *modrm = b[k + 1];
}

static bool excluded_when_rejected(const DecodedInsn *d, const uint8_t *bytes, int map, int op,
                                   int modrm)
{
    if (insn_info(d)->flags & F_SIMD) {
        return true;
    }
    if (d->rep == REP_NONE && opsize_with_rep(bytes)) {
        return true;
    }
    if (map == 1 && (op == 0x0d || op == 0xb9 || (op >= 0x18 && op <= 0x1f))) {
        return true;
    }
    if (map == 0 && (op == 0xd6 || op == 0xf1 || op == 0x82)) {
        return true;
    }
    if (map == 0 && op >= 0xd8 && op <= 0xdf) {
        return true;
    }
    (void)modrm;
    return false;
}

static const char *const reg16_name[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const reg32_name[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const sreg_name[6] = {"es", "cs", "ss", "ds", "fs", "gs"};

/* Capstone's name of a register, "" for none (its EIZ pseudo-index counts as none). */
static const char *cs_name(csh h, unsigned reg)
{
    const char *n;

    if (reg == X86_REG_INVALID || reg == X86_REG_EIZ) {
        return "";
    }
    n = cs_reg_name(h, reg);
    return n ? n : "?";
}

/*
 * The ModRM/SIB or moffs memory operand against capstone's: base, index, scale,
 * displacement, and the segment when capstone names one (it does for an override).
 * Returns a description of the first difference, or NULL; *checked says whether there
 * was one memory operand on both sides to compare.
 */
static const char *mem_operand_diff(csh h, const cs_insn *ci, const DecodedInsn *d,
                                    bool *checked)
{
    const cs_x86 *x = &ci->detail->x86;
    const char *const *names = d->asize == 2 ? reg16_name : reg32_name;
    const x86_op_mem *m = NULL;
    uint32_t dmask = d->asize == 2 ? 0xffffu : 0xffffffffu;
    bool ours = false;

    *checked = false;
    for (int k = 0; k < 3; k++) {
        ours |= d->op[k].type == OT_MEM;
    }
    for (int k = 0; k < x->op_count; k++) {
        if (x->operands[k].type == X86_OP_MEM) {
            if (m) {
                return NULL; /* several memory operands (string forms): not compared */
            }
            m = &x->operands[k].mem;
        }
    }
    if (!ours || !m) {
        return NULL;
    }
    *checked = true;
    if (strcmp(cs_name(h, m->base), d->base == NOREG ? "" : names[d->base]) != 0) {
        return "base register";
    }
    if (strcmp(cs_name(h, m->index), d->index == NOREG ? "" : names[d->index]) != 0) {
        return "index register";
    }
    if (d->index != NOREG && m->scale != (1 << d->scale)) {
        return "scale";
    }
    if (((uint32_t)m->disp & dmask) != (d->disp & dmask)) {
        return "displacement";
    }
    if (m->segment != X86_REG_INVALID && strcmp(cs_name(h, m->segment), sreg_name[d->seg]) != 0) {
        return "segment";
    }
    return NULL;
}

static unsigned run_mode(bool code32, unsigned *compared, unsigned *excluded, unsigned *ours_invalid,
                         unsigned *mem_compared)
{
    csh h;
    cs_insn *insn = NULL;
    unsigned fails = 0;

    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) {
        printf("FAIL: cs_open\n");
        return 1;
    }
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    for (unsigned it = 0; it < ITERATIONS; it++) {
        uint8_t buf[INSN_MAX_LEN + 1];
        size_t n = gen(buf);
        DecodedInsn d;
        int r = decode_insn(buf, n, code32, &d);
        size_t count;
        int map, op, modrm;
        const char *why;
        bool mem = false;

        if (r <= 0) {
            (*ours_invalid)++;
            continue;
        }
        opcode_of(buf, &map, &op, &modrm);
        count = cs_disasm(h, buf, n, 0, 1, &insn);
        if (count == 0) {
            if (excluded_when_rejected(&d, buf, map, op, modrm)) {
                (*excluded)++;
                continue;
            }
            if (fails++ < 20) {
                char text[96];

                disas_format(&d, 0, text, sizeof(text));
                printf("FAIL (%d-bit): capstone rejects", code32 ? 32 : 16);
                for (int k = 0; k < r; k++) {
                    printf(" %02x", buf[k]);
                }
                printf(" (we: %s)\n", text);
            }
            continue;
        }
        if (map == 1 && op == 0xb9) {
            /* UD1: capstone 4 decodes it without a ModRM byte ("ud2b"); #UD either way. */
            (*excluded)++;
            cs_free(insn, count);
            continue;
        }
        if ((int)insn[0].size != r && !(insn_info(&d)->flags & F_SIMD) && d.rep == REP_NONE &&
            opsize_with_rep(buf)) {
            /* capstone 4 drops 66 when F2/F3 is also present (e.g. "bnd call"). */
            (*excluded)++;
            cs_free(insn, count);
            continue;
        }
        (*compared)++;
        if ((int)insn[0].size != r) {
            if (fails++ < 20) {
                char text[96];

                disas_format(&d, 0, text, sizeof(text));
                printf("FAIL (%d-bit): length %d vs capstone %u:", code32 ? 32 : 16, r,
                       insn[0].size);
                for (int k = 0; k < (int)MAX((unsigned)r, insn[0].size); k++) {
                    printf(" %02x", buf[k]);
                }
                printf(" (we: %s; capstone: %s %s)\n", text, insn[0].mnemonic, insn[0].op_str);
            }
        } else if (insn[0].detail && (why = mem_operand_diff(h, &insn[0], &d, &mem)) != NULL) {
            if (fails++ < 20) {
                char text[96];

                disas_format(&d, 0, text, sizeof(text));
                printf("FAIL (%d-bit): memory operand %s differs:", code32 ? 32 : 16, why);
                for (int k = 0; k < r; k++) {
                    printf(" %02x", buf[k]);
                }
                printf(" (we: %s; capstone: %s %s)\n", text, insn[0].mnemonic, insn[0].op_str);
            }
        } else {
            *mem_compared += mem;
        }
        cs_free(insn, count);
    }
    cs_close(&h);
    return fails;
}

int main(void)
{
    unsigned fails = 0, total_compared = 0;

    for (int m = 0; m < 2; m++) {
        unsigned compared = 0, excluded = 0, invalid = 0, mem = 0;
        unsigned f = run_mode(m == 1, &compared, &excluded, &invalid, &mem);

        printf("%d-bit: %u strings, %u compared (%u with a memory operand), %u excluded, "
               "%u invalid on P6, %u failures\n",
               m ? 32 : 16, ITERATIONS, compared, mem, excluded, invalid, f);
        fails += f;
        total_compared += compared;
    }
    printf("%u passed, %u failed\n", total_compared - MIN(fails, total_compared), fails);
    return fails ? 1 : 0;
}
