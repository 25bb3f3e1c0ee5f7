/*
 * x87 / MMX / SSE / SSE2 differential test: the same program runs natively (a static
 * i686 Linux binary on an x86 host) and as a bare-metal x86pc guest (tests/fpu/crt.S),
 * and the two outputs must be identical (tests/fpu/run-fputest.sh diffs them).
 *
 * Every test runs one instruction over edge-case operands (zeros, denormals, infinities,
 * NaNs, extremes) crossed with every rounding mode (and, for x87 arithmetic, every
 * precision control), then over FPUTEST_RANDOM pseudo-random operand pairs (xorshift,
 * fixed seed). Each result (value bits and status flags) is folded into a per-test
 * FNV-1a hash; the first lines of each test are printed in full so a mismatch is easy to
 * read, then one "hash" line per test.
 *
 * Known host differences masked here (documented in tests/fpu/README.md):
 * - C1 after FSQRT, FRNDINT, FSCALE, FPREM, FPREM1: AMD processors do not report
 *   the round-up / quotient bit as the Intel SDM specifies; x86pc follows the SDM.
 * - Transcendentals (F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FPTAN): only the top 48
 *   significand bits are compared (the SDM allows 1 ulp; x86pc rounds correctly).
 * - RCPPS/RSQRTPS are approximations whose bits are implementation specific: the test
 *   checks the documented error bound instead.
 *
 * No libc: output goes through out_char() (stdout natively, COM1 on bare metal).
 */
#include <stdbool.h>
#include <stdint.h>

#ifndef FPUTEST_RANDOM
#define FPUTEST_RANDOM 100000
#endif
#ifndef SHOW_LINES
#define SHOW_LINES 3
#endif

void out_char(char c);

static void out_str(const char *s)
{
    while (*s) {
        out_char(*s++);
    }
}

static void out_hex(uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        out_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
    }
}

static void out_dec(uint32_t v)
{
    char buf[12];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        out_char(buf[--n]);
    }
}

/* ---- PRNG and hashing ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t hash;
static uint32_t count;
static const char *test_name;

static void hash_bytes(const void *p, unsigned n)
{
    const uint8_t *b = p;

    for (unsigned i = 0; i < n; i++) {
        hash = (hash ^ b[i]) * 0x100000001b3ull;
    }
}

static bool test_selected(const char *name)
{
#ifdef FPUTEST_ONLY
    const char *a = name, *b = FPUTEST_ONLY;

    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
#else
    (void)name;
    return true;
#endif
}

static void test_begin(const char *name)
{
    test_name = name;
    hash = 0xcbf29ce484222325ull;
    count = 0;
}

static void test_end(void)
{
    out_str(test_name);
    out_str(" n=");
    out_dec(count);
    out_str(" hash=");
    out_hex(hash, 16);
    out_char('\n');
}

/* Record one result: shown in full for the first SHOW_LINES results of a test. */
static void record(const uint64_t *in, unsigned nin, const uint64_t *out, unsigned nout)
{
    hash_bytes(in, nin * 8);
    hash_bytes(out, nout * 8);
    if (count < SHOW_LINES) {
        out_str(test_name);
        for (unsigned k = 0; k < nin; k++) {
            out_char(' ');
            out_hex(in[k], 16);
        }
        out_str(" ->");
        for (unsigned k = 0; k < nout; k++) {
            out_char(' ');
            out_hex(out[k], 16);
        }
        out_char('\n');
    }
    count++;
}

/* ---- x87 ---- */

typedef struct F80 {
    uint64_t m;
    uint16_t se;
} __attribute__((packed)) F80;

static const F80 x87_edges[] = {
    {0, 0}, {0, 0x8000}, {1ull << 63, 0x3fff}, {1ull << 63, 0xbfff},
    {0xc90fdaa22168c235ull, 0x4000}, {1, 0}, {0x7fffffffffffffffull, 0x8000},
    {0x8000000000000000ull, 0x0001}, {0xffffffffffffffffull, 0x7ffe},
    {0xffffffffffffffffull, 0xfffe}, {1ull << 63, 0x7fff}, {1ull << 63, 0xffff},
    {0xc000000000000000ull, 0xffff}, {0xc000000000000001ull, 0x7fff},
    {0xa000000000000000ull, 0x7fff}, {0x8000000000000001ull, 0xffff},
    {0x8000000000000000ull, 0x0000}, {0xaaaaaaaaaaaaaaabull, 0x3ffe},
    {0xffffffffffffffffull, 0x403e}, {0x8000000000000000ull, 0x403e},
    {0xfffffffffffff800ull, 0x3fff}, {0xffffff8000000000ull, 0x3fff},
    {0x8000000000000400ull, 0x3fff}, {0x8000008000000000ull, 0x3fff},
    {0x8000000000000000ull, 0x3ffe}, {0xc000000000000000ull, 0x3fff},
    {0x8000000000000000ull, 0x3c01}, {0x8000000000000000ull, 0x43fe},
    {0x8000000000000000ull, 0x3f81}, {0x8000000000000000ull, 0x407e},
};
#define N_X87_EDGES (sizeof(x87_edges) / sizeof(x87_edges[0]))

static F80 rnd_f80(void)
{
    uint64_t r = rnd64();
    F80 v;

    v.m = rnd64();
    switch (r & 15) {
    case 0:
        v.se = (uint16_t)((r >> 8) & 0x8000);
        v.m >>= (r >> 20) & 63; /* denormal or zero */
        break;
    case 1:
        v.se = (uint16_t)(((r >> 8) & 0x8000) | ((r >> 24) & 7));
        v.m |= 1ull << 63;
        break;
    case 2:
        v.se = (uint16_t)(((r >> 8) & 0x8000) | (0x7ffe - ((r >> 24) & 7)));
        v.m |= 1ull << 63;
        break;
    case 3:
        v.se = (uint16_t)(((r >> 8) & 0x8000) | 0x7fff);
        v.m |= 1ull << 63;
        break;
    case 4:
        v.se = (uint16_t)(((r >> 8) & 0x8000) | (0x3fff + ((r >> 24) & 63) - 32));
        v.m = (v.m | (1ull << 63)) & ~((1ull << ((r >> 32) & 63)) - 1);
        break;
    default:
        v.se = (uint16_t)(((r >> 8) & 0x8000) | (0x3fff + ((r >> 24) & 0x7ff) - 0x400));
        v.m |= 1ull << 63;
        break;
    }
    return v;
}

/* x87 operations under test: ST(0) = a, ST(1) = b before the operation. */
enum {
    X_FADD, X_FSUB, X_FSUBR, X_FMUL, X_FDIV, X_FDIVR, X_FSQRT, X_FRNDINT, X_FSCALE,
    X_FPREM, X_FPREM1, X_FXTRACT, X_FCOM, X_FUCOM, X_FCOMI, X_FUCOMI, X_FXAM, X_FTST,
    X_FST32, X_FST64, X_FIST16, X_FIST32, X_FIST64, X_FBSTP, X_FADD32, X_FADD64,
    X_FIADD32, X_FCHS, X_FABS, X_FLDPI, X_FLDL2E, X_FLDLN2, X_F2XM1, X_FYL2X,
    X_FYL2XP1, X_FPATAN, X_FSIN, X_FCOS, X_FPTAN, X_FSINCOS, X_COUNT
};

static const char *const x87_names[X_COUNT] = {
    "fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr", "fsqrt", "frndint", "fscale",
    "fprem", "fprem1", "fxtract", "fcom", "fucom", "fcomi", "fucomi", "fxam", "ftst",
    "fst_m32", "fst_m64", "fist_m16", "fist_m32", "fist_m64", "fbstp", "fadd_m32",
    "fadd_m64", "fiadd_m32", "fchs", "fabs", "fldpi", "fldl2e", "fldln2", "f2xm1", "fyl2x",
    "fyl2xp1", "fpatan", "fsin", "fcos", "fptan", "fsincos",
};

/* Runs op; out[0..1]: ST(0), out[2..3]: ST(1) (mantissa, sign/exp), out[4]: FSW and
 * EFLAGS, out[5]: memory result. */
static void x87_run(int op, uint16_t fcw, F80 a, F80 b, uint64_t *out)
{
    F80 r0 = {0, 0}, r1 = {0, 0};
    uint16_t sw = 0;
    uintptr_t efl = 0; /* pushf/pop: a full-width register (32- or 64-bit builds) */
    uint64_t mem = 0;
    uint32_t m32 = (uint32_t)b.m;
    uint64_t m64 = b.m;

    __asm__ volatile("fninit\n\tfldcw %0\n\tfldt %2\n\tfldt %1" : : "m"(fcw), "m"(a), "m"(b));
    switch (op) {
    case X_FADD: __asm__ volatile("fadd %st(1), %st"); break;
    case X_FSUB: __asm__ volatile(".byte 0xd8, 0xe1"); break;  /* fsub st, st(1) */
    case X_FSUBR: __asm__ volatile(".byte 0xd8, 0xe9"); break; /* fsubr st, st(1) */
    case X_FMUL: __asm__ volatile("fmul %st(1), %st"); break;
    case X_FDIV: __asm__ volatile(".byte 0xd8, 0xf1"); break;  /* fdiv st, st(1) */
    case X_FDIVR: __asm__ volatile(".byte 0xd8, 0xf9"); break; /* fdivr st, st(1) */
    case X_FSQRT: __asm__ volatile("fsqrt"); break;
    case X_FRNDINT: __asm__ volatile("frndint"); break;
    case X_FSCALE: __asm__ volatile("fscale"); break;
    case X_FPREM: __asm__ volatile("fprem"); break;
    case X_FPREM1: __asm__ volatile("fprem1"); break;
    case X_FXTRACT: __asm__ volatile("fxtract"); break;
    case X_FCOM: __asm__ volatile("fcom %st(1)"); break;
    case X_FUCOM: __asm__ volatile("fucom %st(1)"); break;
    case X_FCOMI: __asm__ volatile("fcomi %%st(1), %%st\n\tpushf\n\tpop %0" : "=r"(efl)); break;
    case X_FUCOMI: __asm__ volatile("fucomi %%st(1), %%st\n\tpushf\n\tpop %0" : "=r"(efl)); break;
    case X_FXAM: __asm__ volatile("fxam"); break;
    case X_FTST: __asm__ volatile("ftst"); break;
    case X_FST32: __asm__ volatile("fsts %0" : "=m"(*(uint32_t *)&mem)); break;
    case X_FST64: __asm__ volatile("fstl %0" : "=m"(mem)); break;
    case X_FIST16: __asm__ volatile("fists %0" : "=m"(*(uint16_t *)&mem)); break;
    case X_FIST32: __asm__ volatile("fistl %0" : "=m"(*(uint32_t *)&mem)); break;
    case X_FIST64: __asm__ volatile("fistpll %0\n\tfld %%st(0)" : "=m"(mem)); break;
    case X_FBSTP: {
        uint8_t bcd[10];
        __asm__ volatile("fbstp %0\n\tfld %%st(0)" : "=m"(bcd));
        mem = bcd[0] | (uint64_t)bcd[1] << 8 | (uint64_t)bcd[2] << 16 | (uint64_t)bcd[3] << 24 |
              (uint64_t)bcd[4] << 32 | (uint64_t)bcd[5] << 40 | (uint64_t)bcd[6] << 48 |
              (uint64_t)bcd[7] << 56;
        mem ^= (uint64_t)(bcd[8] | bcd[9] << 8) << 3;
        break;
    }
    case X_FADD32: __asm__ volatile("fadds %0" : : "m"(m32)); break;
    case X_FADD64: __asm__ volatile("faddl %0" : : "m"(m64)); break;
    case X_FIADD32: __asm__ volatile("fiaddl %0" : : "m"(m32)); break;
    case X_FCHS: __asm__ volatile("fchs"); break;
    case X_FABS: __asm__ volatile("fabs"); break;
    case X_FLDPI: __asm__ volatile("fstp %st(0)\n\tfldpi"); break;
    case X_FLDL2E: __asm__ volatile("fstp %st(0)\n\tfldl2e"); break;
    case X_FLDLN2: __asm__ volatile("fstp %st(0)\n\tfldln2"); break;
    case X_F2XM1: __asm__ volatile("f2xm1"); break;
    case X_FYL2X: __asm__ volatile("fyl2x\n\tfld %st(0)"); break;
    case X_FYL2XP1: __asm__ volatile("fyl2xp1\n\tfld %st(0)"); break;
    case X_FPATAN: __asm__ volatile("fpatan\n\tfld %st(0)"); break;
    case X_FSIN: __asm__ volatile("fsin"); break;
    case X_FCOS: __asm__ volatile("fcos"); break;
    case X_FPTAN: __asm__ volatile("fptan"); break;
    default: __asm__ volatile("fsincos"); break;
    }
    __asm__ volatile("fnstsw %0\n\tfstpt %1\n\tfstpt %2" : "=m"(sw), "=m"(r0), "=m"(r1));
    out[0] = r0.m;
    out[1] = r0.se;
    out[2] = r1.m;
    out[3] = r1.se;
    out[4] = sw | (uint64_t)(efl & 0x8d5) << 16;
    out[5] = mem;
}

static bool x87_transcendental(int op)
{
    return op >= X_F2XM1;
}

static void x87_mask(int op, uint64_t *out)
{
    /* AMD/Intel C1 difference, see the header comment */
    if (op == X_FSQRT || op == X_FRNDINT || op == X_FSCALE || op == X_FPREM ||
        op == X_FPREM1) {
        out[4] &= ~(uint64_t)0x200;
    }
    if (x87_transcendental(op)) {
        out[0] >>= 16;
        out[2] >>= 16;
        out[4] &= ~(uint64_t)0x220; /* C1 and PE follow the rounding of the 64-bit result */
    }
}

/* Operand adjustments keeping transcendental arguments in the instructions' domains. */
static void x87_domain(int op, F80 *a, F80 *b)
{
    (void)b;
    switch (op) {
    case X_F2XM1:
        if ((a->se & 0x7fff) > 0x3ffe) {
            a->se = (uint16_t)((a->se & 0x8000) | 0x3ffe);
        }
        break;
    case X_FYL2XP1:
        if ((a->se & 0x7fff) > 0x3ffc) {
            a->se = (uint16_t)((a->se & 0x8000) | 0x3ffc);
        }
        break;
    case X_FSIN: case X_FCOS: case X_FPTAN: case X_FSINCOS:
        if ((a->se & 0x7fff) > 0x4008) {
            a->se = (uint16_t)((a->se & 0x8000) | 0x4008);
        }
        break;
    default:
        break;
    }
}

static void x87_tests(void)
{
    static const uint16_t pcs[3] = {0x000, 0x200, 0x300};

    for (int op = 0; op < X_COUNT; op++) {
        uint64_t in[3], out[6];

        if (!test_selected(x87_names[op])) {
            continue;
        }
        test_begin(x87_names[op]);
        for (unsigned rc = 0; rc < 4; rc++) {
            for (unsigned p = 0; p < 3; p++) {
                uint16_t fcw = (uint16_t)(0x037f & ~0x300) | pcs[p] | (uint16_t)(rc << 10);

                if (x87_transcendental(op) && (p != 2 || rc != 0)) {
                    continue;
                }
                for (unsigned i = 0; i < N_X87_EDGES; i++) {
                    for (unsigned j = 0; j < N_X87_EDGES; j++) {
                        F80 a = x87_edges[i], b = x87_edges[j];

                        x87_domain(op, &a, &b);
                        x87_run(op, fcw, a, b, out);
                        x87_mask(op, out);
                        in[0] = fcw | (uint64_t)a.se << 16 | (uint64_t)b.se << 32;
                        in[1] = a.m;
                        in[2] = b.m;
                        record(in, 3, out, 6);
                    }
                }
            }
        }
        for (uint32_t k = 0; k < FPUTEST_RANDOM / (x87_transcendental(op) ? 10 : 1); k++) {
            uint64_t r = rnd64();
            uint16_t fcw = (uint16_t)(0x007f | pcs[r % 3] << 0 | ((r >> 8) & 3) << 10);
            F80 a = rnd_f80(), b = rnd_f80();

            if (x87_transcendental(op)) {
                fcw = 0x037f;
            }
            x87_domain(op, &a, &b);
            x87_run(op, fcw, a, b, out);
            x87_mask(op, out);
            in[0] = fcw | (uint64_t)a.se << 16 | (uint64_t)b.se << 32;
            in[1] = a.m;
            in[2] = b.m;
            record(in, 3, out, 6);
        }
        test_end();
    }
}

/* ---- SSE / SSE2 floating point ---- */

typedef struct X128 {
    uint64_t q[2];
} __attribute__((aligned(16))) X128;

enum {
    S_ADDPS, S_SUBPS, S_MULPS, S_DIVPS, S_SQRTPS, S_MINPS, S_MAXPS, S_ADDSS, S_DIVSS,
    S_SQRTSS, S_ADDPD, S_SUBPD, S_MULPD, S_DIVPD, S_SQRTPD, S_MINPD, S_MAXPD, S_ADDSD,
    S_MULSD, S_SQRTSD, S_CMPPS_LT, S_CMPPS_UNORD, S_CMPPD_LE, S_CMPPD_NEQ, S_COMISS,
    S_UCOMISS, S_COMISD, S_UCOMISD, S_CVTPS2PD, S_CVTPD2PS, S_CVTSS2SD, S_CVTSD2SS,
    S_CVTPS2DQ, S_CVTTPS2DQ, S_CVTDQ2PS, S_CVTPD2DQ, S_CVTTPD2DQ, S_CVTDQ2PD, S_CVTSS2SI,
    S_CVTTSD2SI, S_CVTSI2SS, S_ANDNPS, S_UNPCKLPS, S_SHUFPS, S_COUNT
};

static const char *const sse_names[S_COUNT] = {
    "addps", "subps", "mulps", "divps", "sqrtps", "minps", "maxps", "addss", "divss",
    "sqrtss", "addpd", "subpd", "mulpd", "divpd", "sqrtpd", "minpd", "maxpd", "addsd",
    "mulsd", "sqrtsd", "cmpltps", "cmpunordps", "cmplepd", "cmpneqpd", "comiss", "ucomiss",
    "comisd", "ucomisd", "cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss", "cvtps2dq",
    "cvttps2dq", "cvtdq2ps", "cvtpd2dq", "cvttpd2dq", "cvtdq2pd", "cvtss2si", "cvttsd2si",
    "cvtsi2ss", "andnps", "unpcklps", "shufps",
};

#define SSE_OP(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\t" insn " %3, %%xmm0\n\t"               \
                     "movdqa %%xmm0, %0\n\tstmxcsr %2"                                         \
                     : "=m"(r), "+m"(d), "+m"(mx)                                               \
                     : "m"(s)                                                                   \
                     : "xmm0")

static void sse_run(int op, uint32_t mxcsr, X128 d, X128 s, uint64_t *out)
{
    X128 r = {{0, 0}};
    uint32_t mx = mxcsr, gr = 0;
    uintptr_t efl = 0;

    switch (op) {
    case S_ADDPS: SSE_OP("addps"); break;
    case S_SUBPS: SSE_OP("subps"); break;
    case S_MULPS: SSE_OP("mulps"); break;
    case S_DIVPS: SSE_OP("divps"); break;
    case S_SQRTPS: SSE_OP("sqrtps"); break;
    case S_MINPS: SSE_OP("minps"); break;
    case S_MAXPS: SSE_OP("maxps"); break;
    case S_ADDSS: SSE_OP("addss"); break;
    case S_DIVSS: SSE_OP("divss"); break;
    case S_SQRTSS: SSE_OP("sqrtss"); break;
    case S_ADDPD: SSE_OP("addpd"); break;
    case S_SUBPD: SSE_OP("subpd"); break;
    case S_MULPD: SSE_OP("mulpd"); break;
    case S_DIVPD: SSE_OP("divpd"); break;
    case S_SQRTPD: SSE_OP("sqrtpd"); break;
    case S_MINPD: SSE_OP("minpd"); break;
    case S_MAXPD: SSE_OP("maxpd"); break;
    case S_ADDSD: SSE_OP("addsd"); break;
    case S_MULSD: SSE_OP("mulsd"); break;
    case S_SQRTSD: SSE_OP("sqrtsd"); break;
    case S_CMPPS_LT: SSE_OP("cmpltps"); break;
    case S_CMPPS_UNORD: SSE_OP("cmpunordps"); break;
    case S_CMPPD_LE: SSE_OP("cmplepd"); break;
    case S_CMPPD_NEQ: SSE_OP("cmpneqpd"); break;
    case S_CVTPS2PD: SSE_OP("cvtps2pd"); break;
    case S_CVTPD2PS: SSE_OP("cvtpd2ps"); break;
    case S_CVTSS2SD: SSE_OP("cvtss2sd"); break;
    case S_CVTSD2SS: SSE_OP("cvtsd2ss"); break;
    case S_CVTPS2DQ: SSE_OP("cvtps2dq"); break;
    case S_CVTTPS2DQ: SSE_OP("cvttps2dq"); break;
    case S_CVTDQ2PS: SSE_OP("cvtdq2ps"); break;
    case S_CVTPD2DQ: SSE_OP("cvtpd2dq"); break;
    case S_CVTTPD2DQ: SSE_OP("cvttpd2dq"); break;
    case S_CVTDQ2PD: SSE_OP("cvtdq2pd"); break;
    case S_ANDNPS: SSE_OP("andnps"); break;
    case S_UNPCKLPS: SSE_OP("unpcklps"); break;
    case S_SHUFPS:
        __asm__ volatile("movdqa %1, %%xmm0\n\tshufps $0x9c, %2, %%xmm0\n\tmovdqa %%xmm0, %0"
                         : "=m"(r) : "m"(d), "m"(s) : "xmm0");
        break;
    case S_COMISS: case S_UCOMISS: case S_COMISD: case S_UCOMISD:
        __asm__ volatile("ldmxcsr %1\n\tmovdqa %2, %%xmm0\n\tmovdqa %3, %%xmm1" : "+m"(mx), "+m"(mx)
                         : "m"(d), "m"(s) : "xmm0", "xmm1");
        if (op == S_COMISS) {
            __asm__ volatile("comiss %%xmm1, %%xmm0\n\tpushf\n\tpop %0" : "=r"(efl));
        } else if (op == S_UCOMISS) {
            __asm__ volatile("ucomiss %%xmm1, %%xmm0\n\tpushf\n\tpop %0" : "=r"(efl));
        } else if (op == S_COMISD) {
            __asm__ volatile("comisd %%xmm1, %%xmm0\n\tpushf\n\tpop %0" : "=r"(efl));
        } else {
            __asm__ volatile("ucomisd %%xmm1, %%xmm0\n\tpushf\n\tpop %0" : "=r"(efl));
        }
        __asm__ volatile("stmxcsr %0" : "=m"(mx));
        break;
    case S_CVTSS2SI:
        __asm__ volatile("ldmxcsr %1\n\tcvtss2si %2, %0\n\tstmxcsr %1"
                         : "=r"(gr), "+m"(mx) : "m"(s.q[0]));
        break;
    case S_CVTTSD2SI:
        __asm__ volatile("ldmxcsr %1\n\tcvttsd2si %2, %0\n\tstmxcsr %1"
                         : "=r"(gr), "+m"(mx) : "m"(s.q[0]));
        break;
    default: { /* cvtsi2ss */
        uint32_t v = (uint32_t)s.q[0];
        __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\tcvtsi2ss %3, %%xmm0\n\t"
                         "movdqa %%xmm0, %0\n\tstmxcsr %2"
                         : "=m"(r), "+m"(d), "+m"(mx) : "r"(v) : "xmm0");
        break;
    }
    }
    out[0] = r.q[0];
    out[1] = r.q[1];
    out[2] = mx | (uint64_t)(efl & 0x8d5) << 32;
    out[3] = gr;
}

static const uint32_t f32_edges[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x807fffff, 0x00800000,
    0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001,
    0xff8fffff, 0x3fffffff, 0x4f000000, 0xcf000000, 0x3f000000, 0x3fc00000, 0x40490fdb,
    0x34000000, 0x5f000000,
};
static const uint64_t f64_edges[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 1,
    0x800fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull,
    0xffefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0xfff8000000000001ull, 0x7ff0000000000001ull,
    0xfff7ffffffffffffull, 0x41dfffffffc00000ull, 0xc1e0000000000000ull,
    0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x400921fb54442d18ull,
    0x3ca0000000000000ull, 0x41e0000000000000ull, 0x36a0000000000000ull,
};

static bool sse_is_double(int op)
{
    return (op >= S_ADDPD && op <= S_SQRTSD) || op == S_CMPPD_LE || op == S_CMPPD_NEQ ||
           op == S_COMISD || op == S_UCOMISD || op == S_CVTPD2PS || op == S_CVTSD2SS ||
           op == S_CVTPD2DQ || op == S_CVTTPD2DQ || op == S_CVTTSD2SI;
}

static uint32_t rnd_f32(void)
{
    uint64_t r = rnd64();

    switch (r & 7) {
    case 0:
        return f32_edges[(r >> 8) % (sizeof(f32_edges) / 4)] ^ (uint32_t)((r >> 40) & 3);
    case 1:
        return (uint32_t)(r >> 32) & 0x807fffff;
    case 2:
        return ((uint32_t)(r >> 32) & 0x80ffffff) | 0x7f000000;
    default:
        return (uint32_t)(r >> 32);
    }
}

static uint64_t rnd_f64(void)
{
    uint64_t r = rnd64(), v = rnd64();

    switch (r & 7) {
    case 0:
        return f64_edges[(r >> 8) % (sizeof(f64_edges) / 8)] ^ ((r >> 40) & 3);
    case 1:
        return v & 0x800fffffffffffffull;
    case 2:
        return (v & 0x801fffffffffffffull) | 0x7fe0000000000000ull;
    case 3: /* near the int32 range */
        return (v & 0x800fffffffffffffull) | 0x41d0000000000000ull;
    default:
        return v;
    }
}

static void sse_tests(void)
{
    static const uint32_t modes[] = {0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9f80, 0x1fc0, 0x9fc0};

    for (int op = 0; op < S_COUNT; op++) {
        bool dbl = sse_is_double(op);
        unsigned ne = dbl ? sizeof(f64_edges) / 8 : sizeof(f32_edges) / 4;
        uint64_t in[5], out[4];

        if (!test_selected(sse_names[op])) {
            continue;
        }
        test_begin(sse_names[op]);
        for (unsigned m = 0; m < sizeof(modes) / 4; m++) {
            for (unsigned i = 0; i < ne; i++) {
                for (unsigned j = 0; j < ne; j++) {
                    X128 d, s;

                    if (dbl) {
                        d.q[0] = f64_edges[i];
                        d.q[1] = f64_edges[j];
                        s.q[0] = f64_edges[j];
                        s.q[1] = f64_edges[(i + j) % ne];
                    } else {
                        d.q[0] = f32_edges[i] | (uint64_t)f32_edges[j] << 32;
                        d.q[1] = f32_edges[(i + 1) % ne] | (uint64_t)f32_edges[(j + 2) % ne] << 32;
                        s.q[0] = f32_edges[j] | (uint64_t)f32_edges[i] << 32;
                        s.q[1] = f32_edges[(i + j) % ne] | (uint64_t)f32_edges[(i * j) % ne] << 32;
                    }
                    sse_run(op, modes[m], d, s, out);
                    in[0] = modes[m];
                    in[1] = d.q[0];
                    in[2] = d.q[1];
                    in[3] = s.q[0];
                    in[4] = s.q[1];
                    record(in, 5, out, 4);
                }
            }
        }
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            uint32_t mode = modes[rnd64() % (sizeof(modes) / 4)];
            X128 d, s;

            if (dbl) {
                d.q[0] = rnd_f64();
                d.q[1] = rnd_f64();
                s.q[0] = rnd_f64();
                s.q[1] = rnd_f64();
            } else {
                d.q[0] = rnd_f32() | (uint64_t)rnd_f32() << 32;
                d.q[1] = rnd_f32() | (uint64_t)rnd_f32() << 32;
                s.q[0] = rnd_f32() | (uint64_t)rnd_f32() << 32;
                s.q[1] = rnd_f32() | (uint64_t)rnd_f32() << 32;
            }
            sse_run(op, mode, d, s, out);
            in[0] = mode;
            in[1] = d.q[0];
            in[2] = d.q[1];
            in[3] = s.q[0];
            in[4] = s.q[1];
            record(in, 5, out, 4);
        }
        test_end();
    }
}

/* ---- MMX and SSE2 integer ---- */

#define INT_OPS(X)                                                                               \
    X(paddb) X(paddw) X(paddd) X(paddq) X(psubb) X(psubw) X(psubd) X(psubq) X(paddsb)           \
    X(paddsw) X(paddusb) X(paddusw) X(psubsb) X(psubsw) X(psubusb) X(psubusw) X(pmullw)         \
    X(pmulhw) X(pmulhuw) X(pmuludq) X(pmaddwd) X(pcmpeqb) X(pcmpeqw) X(pcmpeqd) X(pcmpgtb)      \
    X(pcmpgtw) X(pcmpgtd) X(packsswb) X(packssdw) X(packuswb) X(punpcklbw) X(punpcklwd)         \
    X(punpckldq) X(punpckhbw) X(punpckhwd) X(punpckhdq) X(pand) X(pandn) X(por) X(pxor)         \
    X(psllw) X(pslld) X(psllq) X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) X(pavgb) X(pavgw)   \
    X(pminub) X(pmaxub) X(pminsw) X(pmaxsw) X(psadbw)

#define INT_ENUM(n) I_##n,
enum { INT_OPS(INT_ENUM) I_COUNT };
#define INT_NAME(n) #n,
static const char *const int_names[I_COUNT] = {INT_OPS(INT_NAME)};

static void int_run(int op, X128 d, X128 s, uint64_t *out)
{
    X128 r;
    uint64_t mm = d.q[0], ms = s.q[0];

#define INT_CASE(n)                                                                              \
    case I_##n:                                                                                  \
        __asm__ volatile("movdqa %1, %%xmm0\n\t" #n " %2, %%xmm0\n\tmovdqa %%xmm0, %0"          \
                         : "=m"(r) : "m"(d), "m"(s) : "xmm0");                                  \
        __asm__ volatile("movq %0, %%mm0\n\t" #n " %1, %%mm0\n\tmovq %%mm0, %0"                 \
                         : "+m"(mm) : "m"(ms) : "mm0");                                         \
        break;
    switch (op) {
        INT_OPS(INT_CASE)
    default:
        break;
    }
    __asm__ volatile("emms");
    out[0] = r.q[0];
    out[1] = r.q[1];
    out[2] = mm;
}

static void int_tests(void)
{
    for (int op = 0; op < I_COUNT; op++) {
        uint64_t in[4], out[3];

        if (!test_selected(int_names[op])) {
            continue;
        }
        test_begin(int_names[op]);
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            X128 d, s;
            uint64_t r = rnd64();

            d.q[0] = rnd64();
            d.q[1] = rnd64();
            s.q[0] = rnd64();
            s.q[1] = rnd64();
            if ((r & 3) == 0) { /* shift counts in range */
                s.q[0] &= 0x3f;
            }
            if ((r & 12) == 0) {
                s.q[0] = d.q[0];
            }
            int_run(op, d, s, out);
            in[0] = d.q[0];
            in[1] = d.q[1];
            in[2] = s.q[0];
            in[3] = s.q[1];
            record(in, 4, out, 3);
        }
        test_end();
    }
}

/* ---- entry ---- */

int fputest_main(void);

int fputest_main(void)
{
    out_str("fputest start\n");
    x87_tests();
    sse_tests();
    int_tests();
    out_str("fputest done\n");
    return 0;
}

#ifdef FPUTEST_BAREMETAL
int guest_main(void);

int guest_main(void)
{
    return fputest_main();
}
#else
/* Native build: buffered stdout through write(2). */
#include <unistd.h>

static char obuf[4096];
static unsigned olen;

static void out_flush(void)
{
    unsigned done = 0;

    while (done < olen) {
        ssize_t w = write(1, obuf + done, olen - done);
        if (w <= 0) {
            break;
        }
        done += (unsigned)w;
    }
    olen = 0;
}

void out_char(char c)
{
    obuf[olen++] = c;
    if (olen == sizeof(obuf)) {
        out_flush();
    }
}

int main(void)
{
    fputest_main();
    out_flush();
    return 0;
}
#endif
