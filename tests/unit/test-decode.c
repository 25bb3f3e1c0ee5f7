/*
 * Decoder and disassembler tests from raw bytes: each case gives the bytes, the code
 * size, and the expected length and Intel-syntax text (or a decode error).
 */
#include <stdio.h>

#include "cpu/decode.h"

typedef struct DecodeCase {
    const char *bytes; /* hex */
    bool code32;
    int len;           /* expected length, or DECODE_* */
    const char *text;  /* expected disassembly (ignored for errors) */
} DecodeCase;

static const DecodeCase cases[] = {
    /* one-byte ALU forms, 16- and 32-bit */
    {"00d8", false, 2, "add al, bl"},
    {"01d8", true, 2, "add eax, ebx"},
    {"6601d8", true, 3, "add ax, bx"},
    {"0500100000", true, 5, "add eax, 0x1000"},
    {"050010", false, 3, "add ax, 0x1000"},
    {"2c7f", false, 2, "sub al, 0x7f"},
    {"83c0ff", true, 3, "add eax, 0xffffffff"},
    {"83c0ff", false, 3, "add ax, 0xffff"},
    {"80f180", false, 3, "xor cl, 0x80"},
    {"3b4604", false, 3, "cmp ax, word [bp+0x4]"},
    /* 16-bit addressing forms */
    {"8b00", false, 2, "mov ax, word [bx+si]"},
    {"8b4b10", false, 3, "mov cx, word [bp+di+0x10]"},
    {"8a46fe", false, 3, "mov al, byte [bp-0x2]"},
    {"8b1e3412", false, 4, "mov bx, word [0x1234]"},
    {"8b870001", false, 4, "mov ax, word [bx+0x100]"},
    {"26880f", false, 3, "mov byte es:[bx], cl"},
    {"3e8b4600", false, 4, "mov ax, word ds:[bp]"},
    /* 32-bit addressing: SIB, disp32, no base */
    {"8b0424", true, 3, "mov eax, dword [esp]"},
    {"8b4c2404", true, 4, "mov ecx, dword [esp+0x4]"},
    {"8b048d00100000", true, 7, "mov eax, dword [ecx*4+0x1000]"},
    {"8b44b3fc", true, 4, "mov eax, dword [ebx+esi*4-0x4]"},
    {"8b0578563412", true, 6, "mov eax, dword [0x12345678]"},
    {"8b4500", true, 3, "mov eax, dword [ebp]"},
    {"8b8578563412", true, 6, "mov eax, dword [ebp+0x12345678]"},
    {"8b0c20", true, 3, "mov ecx, dword [eax]"},
    {"678b07", true, 3, "mov eax, dword [bx]"},
    {"678b07", false, 3, "mov ax, word [edi]"},
    {"8d4c2408", true, 4, "lea ecx, [esp+0x8]"},
    {"64a118000000", true, 6, "mov eax, dword fs:[0x18]"},
    {"a03412", false, 3, "mov al, byte [0x1234]"},
    /* prefixes in any order; last segment wins; REP forms */
    {"2e3e8b07", false, 4, "mov ax, word [bx]"},
    {"3e2e8b07", false, 4, "mov ax, word cs:[bx]"},
    {"f3a4", false, 2, "rep movsb"},
    {"f3a5", true, 2, "rep movsd"},
    {"66f3a5", true, 3, "rep movsw"},
    {"f3a6", false, 2, "repe cmpsb"},
    {"f2ae", false, 2, "repne scasb"},
    {"f390", false, 2, "pause"},
    {"f00fb10a", true, 4, "lock cmpxchg dword [edx], ecx"},
    {"f0ff00", true, 3, "lock inc dword [eax]"},
    /* groups */
    {"f7d8", true, 2, "neg eax"},
    {"f6f1", false, 2, "div cl"},
    {"d1e0", false, 2, "shl ax, 0x1"},
    {"d3f8", true, 2, "sar eax, cl"},
    {"c0e804", false, 3, "shr al, 0x4"},
    {"ff1578563412", true, 6, "call dword [0x12345678]"},
    {"ff2e3412", false, 4, "jmp [0x1234]"},
    {"fe4f01", false, 3, "dec byte [bx+0x1]"},
    {"8f06fe00", false, 4, "pop word [0xfe]"},
    /* branches: absolute targets */
    {"ebfe", false, 2, "jmp 0x0"},
    {"e80010", false, 3, "call 0x1003"},
    {"e9fbffffff", true, 5, "jmp 0x0"},
    {"7405", false, 2, "je 0x7"},
    {"0f8400010000", true, 6, "je 0x106"},
    {"e3fe", true, 2, "jecxz 0x0"},
    {"e3fe", false, 2, "jcxz 0x0"},
    {"ea0000ffff", false, 5, "jmp 0xffff:0x0"},
    {"9a78563412cdab", true, 7, "call 0xabcd:0x12345678"},
    {"c20800", false, 3, "ret 0x8"},
    {"c8100001", false, 4, "enter 0x10, 0x1"},
    /* one-byte misc, size-dependent mnemonics */
    {"98", false, 1, "cbw"},
    {"98", true, 1, "cwde"},
    {"6699", true, 2, "cwd"},
    {"60", true, 1, "pushad"},
    {"cf", false, 1, "iret"},
    {"cd21", false, 2, "int 0x21"},
    {"6a80", true, 2, "push 0xffffff80"},
    {"0fa0", false, 2, "push fs"},
    {"8ed8", false, 2, "mov ds, ax"},
    {"8cc8", true, 2, "mov eax, cs"},
    {"e460", false, 2, "in al, 0x60"},
    {"ef", true, 1, "out dx, eax"},
    /* 0F opcodes */
    {"0fa2", true, 2, "cpuid"},
    {"0f31", true, 2, "rdtsc"},
    {"0fb6c1", true, 3, "movzx eax, cl"},
    {"0fbf0b", true, 3, "movsx ecx, word [ebx]"},
    {"0f44c8", true, 3, "cmove ecx, eax"},
    {"0f95c0", true, 3, "setne al"},
    {"0fa3c8", true, 3, "bt eax, ecx"},
    {"0fba6c240405", true, 6, "bts dword [esp+0x4], 0x5"},
    {"0fa4c208", true, 4, "shld edx, eax, 0x8"},
    {"0fadc2", true, 3, "shrd edx, eax, cl"},
    {"0fc8", true, 2, "bswap eax"},
    {"0fc70e", true, 3, "cmpxchg8b qword [esi]"},
    {"0f20c0", true, 3, "mov eax, cr0"},
    {"0f22d8", true, 3, "mov cr3, eax"},
    {"0f2000", true, 3, "mov eax, cr0"}, /* mod ignored for MOV CRn */
    {"0f23f8", true, 3, "mov dr7, eax"},
    {"0f0110", true, 3, "lgdt [eax]"},
    {"0f0115", true, DECODE_TRUNC, NULL}, /* rm 5, mod 0 is [disp32] */
    {"0f011d78563412", true, 7, "lidt [0x12345678]"},
    {"0f00d8", true, 3, "ltr ax"},
    {"0f0b", true, 2, "ud2"},
    {"0f1f00", true, 3, "nop dword [eax]"},
    {"0f1f440000", true, 5, "nop dword [eax+eax]"},
    {"0f1806", true, 3, "prefetchnta [esi]"},
    {"0f34", true, 2, "sysenter"},
    /* x87 */
    {"d9c9", true, 2, "fxch st(1)"},
    {"dd1c24", true, 3, "fstp qword [esp]"},
    {"dbe3", true, 2, "fninit"},
    {"dfe0", true, 2, "fnstsw ax"},
    {"d97c24fe", true, 4, "fnstcw word [esp-0x2]"},
    {"9b", true, 1, "wait"},
    {"dfc1", true, 2, "ffreep st(1)"},       /* the reserved forms executed as aliases */
    {"d9da", true, 2, "fstp1 st(2)"},
    {"dcd3", true, 2, "fcom2 st(3)"},
    {"dcdc", true, 2, "fcomp3 st(4)"},
    {"ddcd", true, 2, "fxch4 st(5)"},
    {"ded6", true, 2, "fcomp5 st(6)"},
    {"dfcf", true, 2, "fxch7 st(7)"},
    {"dfd0", true, 2, "fstp8 st(0)"},
    {"dfd9", true, 2, "fstp9 st(1)"},
    {"ded8", true, DECODE_UD, NULL},         /* DE D8+i other than FCOMPP: reserved */
    {"dfe1", true, DECODE_UD, NULL},
    {"d9d1", true, DECODE_UD, NULL},
    /* MMX/SSE/SSE2 with mandatory prefixes */
    {"0f10c1", true, 3, "movups xmm0, xmm1"},
    {"660f10c1", true, 4, "movupd xmm0, xmm1"},
    {"f30f1001", true, 4, "movss xmm0, oword [ecx]"},
    {"f20f58c1", true, 4, "addsd xmm0, xmm1"},
    {"0f6fc1", true, 3, "movq mm0, mm1"},
    {"660f6fc1", true, 4, "movdqa xmm0, xmm1"},
    {"f30f6fc1", true, 4, "movdqu xmm0, xmm1"},
    {"660f70c11b", true, 5, "pshufd xmm0, xmm1, 0x1b"},
    {"0f71d004", true, 4, "psrlw mm0, 0x4"},
    {"660f73fb08", true, 5, "pslldq xmm3, 0x8"},
    {"0fc2c101", true, 4, "cmpps xmm0, xmm1, 0x1"},
    {"0fae38", true, 3, "clflush [eax]"},
    {"0faef8", true, 3, "sfence"},
    {"0f77", true, 2, "emms"},
    /* errors */
    {"0f0f", true, DECODE_UD, NULL},         /* 3DNow!: not P6 */
    {"0fff", true, DECODE_UD, NULL},
    {"f00100", true, 3, "lock add dword [eax], eax"},
    {"f001c0", true, DECODE_UD, NULL},       /* LOCK with a register destination */
    {"f089c0", true, DECODE_UD, NULL},       /* LOCK on MOV */
    {"f0a4", true, DECODE_UD, NULL},         /* LOCK on MOVS */
    {"8dc0", true, DECODE_UD, NULL},         /* LEA with a register operand */
    {"c4c0", false, DECODE_UD, NULL},        /* LES with a register operand */
    {"0fc7c8", true, DECODE_UD, NULL},       /* CMPXCHG8B with a register */
    {"8ef0", false, DECODE_UD, NULL},        /* MOV to segment register 6 */
    {"fe10", false, DECODE_UD, NULL},        /* FE /2 */
    {"f20f6fc1", true, DECODE_UD, NULL},     /* no F2 form of 0F 6F */
    {"6666666666666666666666666666669090", true, DECODE_GP, NULL}, /* > 15 bytes */
    {"666666666666666666666666669090", true, 14, "nop"},
    {"6666666666666666666666666666c0", true, DECODE_GP, NULL},
    {"8b", true, DECODE_TRUNC, NULL},
    {"0f", true, DECODE_TRUNC, NULL},
    {"8b8478", true, DECODE_TRUNC, NULL},
};

static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;

    while (s[0] && s[1] && n < max) {
        unsigned v;

        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

int main(void)
{
    unsigned pass = 0, fail = 0;

    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        const DecodeCase *c = &cases[k];
        uint8_t bytes[32];
        size_t n = parse_hex(c->bytes, bytes, sizeof(bytes));
        DecodedInsn d;
        char text[128] = "";
        int r = decode_insn(bytes, n, c->code32, &d);
        bool ok = r == c->len;

        if (ok && r > 0) {
            disas_format(&d, 0, text, sizeof(text));
            ok = strcmp(text, c->text) == 0;
        }
        if (ok) {
            pass++;
        } else {
            fail++;
            printf("FAIL %s (%s): expected %d \"%s\", got %d \"%s\"\n", c->bytes,
                   c->code32 ? "32" : "16", c->len, c->text ? c->text : "", r, text);
        }
    }
    printf("%u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
