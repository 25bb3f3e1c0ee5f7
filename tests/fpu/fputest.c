/*
 * x87 / MMX / SSE / SSE2 differential test: the same program runs natively (a static
 * i686 Linux binary on an x86 host, or x86-64 where the kernel cannot run i686 programs)
 * and as a bare-metal x86pc guest (tests/fpu/crt.S), and the two outputs must be
 * identical (tests/fpu/run-fputest.sh diffs them). tests/fpu/README.md lists the groups.
 *
 * Every test runs one instruction over edge-case operands (zeros, denormals, infinities,
 * NaNs, extremes) crossed with every rounding mode (and, for the x87, every precision
 * control, with exceptions masked and unmasked), then over FPUTEST_RANDOM pseudo-random
 * operand sets (xorshift, fixed seed). Each result (value bits and status flags) is folded
 * into a per-test hash; the first lines of each test are printed in full so a mismatch is
 * easy to read, then one "hash" line per test.
 *
 * Known host differences masked here (documented in tests/fpu/README.md):
 * - C1 after FSQRT, FRNDINT, FSCALE, FPREM, FPREM1: AMD processors do not report
 *   the round-up / quotient bit as the Intel SDM specifies; x86pc follows the SDM.
 * - C1 after FCOMI/FCOMIP/FUCOMI/FUCOMIP: the SDM clears it, AMD keeps it; x86pc: the SDM.
 * - Transcendentals (F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FPTAN, FSINCOS): only the
 *   top 48 significand bits are compared (the SDM allows 1 ulp; x86pc rounds correctly).
 * - RCPPS/RCPSS/RSQRTPS/RSQRTSS are approximations whose bits are implementation specific:
 *   the test checks the documented error bound instead.
 * - Instruction/data pointers and FOP, FXSAVE's MXCSR_MASK, and the destination register
 *   after an unmasked SIMD exception are not compared (tests/guests/fpu-*.asm check them).
 *
 * No libc in the guest: output goes through out_char() (stdout natively, COM1 on bare
 * metal).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef FPUTEST_RANDOM
#define FPUTEST_RANDOM 100000
#endif
#ifndef SHOW_LINES
#define SHOW_LINES 3
#endif
/* Edge-case pairs: every one (1), or every n-th (the quick run). */
#ifndef FPUTEST_EDGE_STRIDE
#define FPUTEST_EDGE_STRIDE 1
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

/* Fold 64-bit words into the hash (a multiply-xorshift per word: cheap on i686 too). */
static void hash_words(const uint64_t *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        hash = (hash ^ w[i]) * 0x9e3779b97f4a7c15ull;
        hash ^= hash >> 29;
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
    hash_words(in, nin);
    hash_words(out, nout);
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

/*
 * Unmasked SIMD floating-point exceptions: #XM on bare metal (crt.S: vector 19 stores MXCSR
 * and calls fputest_trap), SIGFPE natively (MXCSR read from the signal context: the kernel
 * resets the registers for the handler). Either way the run resumes at the
 * __builtin_setjmp in sse_run_trap with the MXCSR of the faulting instruction; the
 * destination register is not compared (natively it is lost; tests/guests/fpu-exc.asm checks
 * that x86pc leaves it unchanged).
 */
volatile uint32_t fputest_trap_mxcsr;
static void *trap_jb[5];

void fputest_trap(void) __attribute__((noreturn));

void fputest_trap(void)
{
    __builtin_longjmp(trap_jb, 1);
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

/*
 * x87 transcendental instructions under test (ST(0) = a, ST(1) = b before the
 * operation): their results are compared to 48 bits (see x87_mask). Every other x87
 * instruction is tested bit for bit by the full-state tests below (x87s_tests).
 */
enum { X_F2XM1, X_FYL2X, X_FYL2XP1, X_FPATAN, X_FSIN, X_FCOS, X_FPTAN, X_FSINCOS, X_COUNT };

static const char *const x87_names[X_COUNT] = {
    "f2xm1", "fyl2x", "fyl2xp1", "fpatan", "fsin", "fcos", "fptan", "fsincos",
};

/* Runs op; out[0..1]: ST(0), out[2..3]: ST(1) (mantissa, sign/exp), out[4]: FSW and
 * EFLAGS, out[5]: memory result. */
static void x87_run(int op, uint16_t fcw, F80 a, F80 b, uint64_t *out)
{
    F80 r0 = {0, 0}, r1 = {0, 0};
    uint16_t sw = 0;

    __asm__ volatile("fninit\n\tfldcw %0\n\tfldt %2\n\tfldt %1" : : "m"(fcw), "m"(a), "m"(b));
    switch (op) {
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
    out[4] = sw;
}

/* Top 48 significand bits; C1 and PE follow the rounding of the 64-bit result. */
static void x87_mask(uint64_t *out)
{
    out[0] >>= 16;
    out[2] >>= 16;
    out[4] &= ~(uint64_t)0x220;
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
    for (int op = 0; op < X_COUNT; op++) {
        uint64_t in[3], out[5];

        if (!test_selected(x87_names[op])) {
            continue;
        }
        test_begin(x87_names[op]);
        for (unsigned i = 0; i < N_X87_EDGES; i++) {
            for (unsigned j = 0; j < N_X87_EDGES; j++) {
                F80 a = x87_edges[i], b = x87_edges[j];

                x87_domain(op, &a, &b);
                x87_run(op, 0x037f, a, b, out);
                x87_mask(out);
                in[0] = 0x037f | (uint64_t)a.se << 16 | (uint64_t)b.se << 32;
                in[1] = a.m;
                in[2] = b.m;
                record(in, 3, out, 5);
            }
        }
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            F80 a = rnd_f80(), b = rnd_f80();

            x87_domain(op, &a, &b);
            x87_run(op, 0x037f, a, b, out);
            x87_mask(out);
            in[0] = 0x037f | (uint64_t)a.se << 16 | (uint64_t)b.se << 32;
            in[1] = a.m;
            in[2] = b.m;
            record(in, 3, out, 5);
        }
        test_end();
    }
}

/* ---- SSE / SSE2 floating point ---- */

typedef struct X128 {
    uint64_t q[2];
} __attribute__((aligned(16))) X128;

static const uint32_t mxcsr_default = 0x1f80;

/*
 * SSE/SSE2 floating-point instructions: name, asm form, operand type (0 single, 1
 * double) and the instruction text. Forms: XX "insn m128, xmm0"; RR "insn xmm1, xmm0"
 * (register source); ST "insn xmm0, m" (store: the memory is the result, pre-filled with
 * the source operand); GR "insn m, r32"; GRR "insn xmm1, r32"; IR "insn r32, xmm0"; CI
 * (U)COMIS* (EFLAGS); MS "insn mm1, xmm0"; MD "insn m128, mm0"; RCP approximations.
 */
#define SSE_LIST(X)                                                                              \
    X(addps, XX, 0, "addps") X(subps, XX, 0, "subps") X(mulps, XX, 0, "mulps")                   \
    X(divps, XX, 0, "divps") X(sqrtps, XX, 0, "sqrtps") X(minps, XX, 0, "minps")                 \
    X(maxps, XX, 0, "maxps") X(addss, XX, 0, "addss") X(subss, XX, 0, "subss")                   \
    X(mulss, XX, 0, "mulss") X(divss, XX, 0, "divss") X(sqrtss, XX, 0, "sqrtss")                 \
    X(minss, XX, 0, "minss") X(maxss, XX, 0, "maxss") X(addpd, XX, 1, "addpd")                   \
    X(subpd, XX, 1, "subpd") X(mulpd, XX, 1, "mulpd") X(divpd, XX, 1, "divpd")                   \
    X(sqrtpd, XX, 1, "sqrtpd") X(minpd, XX, 1, "minpd") X(maxpd, XX, 1, "maxpd")                 \
    X(addsd, XX, 1, "addsd") X(subsd, XX, 1, "subsd") X(mulsd, XX, 1, "mulsd")                   \
    X(divsd, XX, 1, "divsd") X(sqrtsd, XX, 1, "sqrtsd") X(minsd, XX, 1, "minsd")                 \
    X(maxsd, XX, 1, "maxsd")                                                                     \
    X(cmpeqps, XX, 0, "cmpps $0,") X(cmpltps, XX, 0, "cmpps $1,")                                \
    X(cmpleps, XX, 0, "cmpps $2,") X(cmpunordps, XX, 0, "cmpps $3,")                             \
    X(cmpneqps, XX, 0, "cmpps $4,") X(cmpnltps, XX, 0, "cmpps $5,")                              \
    X(cmpnleps, XX, 0, "cmpps $6,") X(cmpordps, XX, 0, "cmpps $7,")                              \
    X(cmpeqss, XX, 0, "cmpss $0,") X(cmpltss, XX, 0, "cmpss $1,")                                \
    X(cmpless, XX, 0, "cmpss $2,") X(cmpunordss, XX, 0, "cmpss $3,")                             \
    X(cmpneqss, XX, 0, "cmpss $4,") X(cmpnltss, XX, 0, "cmpss $5,")                              \
    X(cmpnless, XX, 0, "cmpss $6,") X(cmpordss, XX, 0, "cmpss $7,")                              \
    X(cmpeqpd, XX, 1, "cmppd $0,") X(cmpltpd, XX, 1, "cmppd $1,")                                \
    X(cmplepd, XX, 1, "cmppd $2,") X(cmpunordpd, XX, 1, "cmppd $3,")                             \
    X(cmpneqpd, XX, 1, "cmppd $4,") X(cmpnltpd, XX, 1, "cmppd $5,")                              \
    X(cmpnlepd, XX, 1, "cmppd $6,") X(cmpordpd, XX, 1, "cmppd $7,")                              \
    X(cmpeqsd, XX, 1, "cmpsd $0,") X(cmpltsd, XX, 1, "cmpsd $1,")                                \
    X(cmplesd, XX, 1, "cmpsd $2,") X(cmpunordsd, XX, 1, "cmpsd $3,")                             \
    X(cmpneqsd, XX, 1, "cmpsd $4,") X(cmpnltsd, XX, 1, "cmpsd $5,")                              \
    X(cmpnlesd, XX, 1, "cmpsd $6,") X(cmpordsd, XX, 1, "cmpsd $7,")                              \
    X(comiss, CI, 0, "comiss") X(ucomiss, CI, 0, "ucomiss") X(comisd, CI, 1, "comisd")           \
    X(ucomisd, CI, 1, "ucomisd")                                                                 \
    X(cvtps2pd, XX, 0, "cvtps2pd") X(cvtpd2ps, XX, 1, "cvtpd2ps")                                \
    X(cvtss2sd, XX, 0, "cvtss2sd") X(cvtsd2ss, XX, 1, "cvtsd2ss")                                \
    X(cvtps2dq, XX, 0, "cvtps2dq") X(cvttps2dq, XX, 0, "cvttps2dq")                              \
    X(cvtdq2ps, XX, 0, "cvtdq2ps") X(cvtpd2dq, XX, 1, "cvtpd2dq")                                \
    X(cvttpd2dq, XX, 1, "cvttpd2dq") X(cvtdq2pd, XX, 0, "cvtdq2pd")                              \
    X(cvtss2si, GR, 0, "cvtss2si") X(cvttss2si, GR, 0, "cvttss2si")                              \
    X(cvtsd2si, GR, 1, "cvtsd2si") X(cvttsd2si, GR, 1, "cvttsd2si")                              \
    X(cvtsi2ss, IR, 0, "cvtsi2ss") X(cvtsi2sd, IR, 1, "cvtsi2sd")                                \
    X(cvtpi2ps, MS, 0, "cvtpi2ps") X(cvtpi2pd, MS, 1, "cvtpi2pd")                                \
    X(cvtps2pi, MD, 0, "cvtps2pi") X(cvttps2pi, MD, 0, "cvttps2pi")                              \
    X(cvtpd2pi, MD, 1, "cvtpd2pi") X(cvttpd2pi, MD, 1, "cvttpd2pi")                              \
    X(andps, XX, 0, "andps") X(andnps, XX, 0, "andnps") X(orps, XX, 0, "orps")                   \
    X(xorps, XX, 0, "xorps") X(andpd, XX, 1, "andpd") X(andnpd, XX, 1, "andnpd")                 \
    X(orpd, XX, 1, "orpd") X(xorpd, XX, 1, "xorpd")                                              \
    X(unpcklps, XX, 0, "unpcklps") X(unpckhps, XX, 0, "unpckhps")                                \
    X(unpcklpd, XX, 1, "unpcklpd") X(unpckhpd, XX, 1, "unpckhpd")                                \
    X(shufps_1b, XX, 0, "shufps $0x1b,") X(shufps_9c, XX, 0, "shufps $0x9c,")                    \
    X(shufps_e4, XX, 0, "shufps $0xe4,") X(shufps_73, XX, 0, "shufps $0x73,")                    \
    X(shufpd_0, XX, 1, "shufpd $0,") X(shufpd_1, XX, 1, "shufpd $1,")                            \
    X(shufpd_2, XX, 1, "shufpd $2,") X(shufpd_3, XX, 1, "shufpd $3,")                            \
    X(movmskps, GRR, 0, "movmskps") X(movmskpd, GRR, 1, "movmskpd")                              \
    X(movss_load, XX, 0, "movss") X(movss_rr, RR, 0, "movss") X(movss_store, ST, 0, "movss")     \
    X(movsd_load, XX, 1, "movsd") X(movsd_rr, RR, 1, "movsd") X(movsd_store, ST, 1, "movsd")     \
    X(movaps, XX, 0, "movaps") X(movaps_store, ST, 0, "movaps") X(movups, XX, 0, "movups")       \
    X(movups_store, ST, 0, "movups") X(movapd, XX, 1, "movapd")                                  \
    X(movapd_store, ST, 1, "movapd") X(movupd, XX, 1, "movupd")                                  \
    X(movupd_store, ST, 1, "movupd") X(movhps_load, XX, 0, "movhps")                             \
    X(movhps_store, ST, 0, "movhps") X(movlps_load, XX, 0, "movlps")                             \
    X(movlps_store, ST, 0, "movlps") X(movhpd_load, XX, 1, "movhpd")                             \
    X(movhpd_store, ST, 1, "movhpd") X(movlpd_load, XX, 1, "movlpd")                             \
    X(movlpd_store, ST, 1, "movlpd") X(movhlps, RR, 0, "movhlps") X(movlhps, RR, 0, "movlhps")   \
    X(movntps, ST, 0, "movntps") X(movntpd, ST, 1, "movntpd")                                    \
    X(rcpps, RCP, 0, "rcpps") X(rcpss, RCP, 0, "rcpss") X(rsqrtps, RCP, 0, "rsqrtps")            \
    X(rsqrtss, RCP, 0, "rsqrtss")

#define SSE_ENUM(n, f, d, t) S_##n,
enum { SSE_LIST(SSE_ENUM) S_COUNT };
#define SSE_NAME(n, f, d, t) #n,
static const char *const sse_names[S_COUNT] = {SSE_LIST(SSE_NAME)};
#define SSE_DBL(n, f, d, t) d,
static const uint8_t sse_dbl[S_COUNT] = {SSE_LIST(SSE_DBL)};

#define SSE_XX(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\t" insn " %3, %%xmm0\n\t"               \
                     "movdqa %%xmm0, %0\n\tstmxcsr %2"                                         \
                     : "=m"(r), "+m"(d), "+m"(mx)                                               \
                     : "m"(s)                                                                   \
                     : "xmm0")
#define SSE_RR(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\tmovdqa %3, %%xmm1\n\t" insn             \
                     " %%xmm1, %%xmm0\n\tmovdqa %%xmm0, %0\n\tstmxcsr %2"                       \
                     : "=m"(r), "+m"(d), "+m"(mx)                                               \
                     : "m"(s)                                                                   \
                     : "xmm0", "xmm1")
#define SSE_ST(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\t" insn " %%xmm0, %0\n\tstmxcsr %2"     \
                     : "+m"(r), "+m"(d), "+m"(mx)                                               \
                     :                                                                          \
                     : "xmm0")
#define SSE_GR(insn)                                                                             \
    __asm__ volatile("ldmxcsr %1\n\t" insn " %2, %0\n\tstmxcsr %1"                              \
                     : "=r"(gr), "+m"(mx)                                                       \
                     : "m"(s.q[0]))
#define SSE_GRR(insn)                                                                            \
    __asm__ volatile("ldmxcsr %1\n\tmovdqa %2, %%xmm1\n\t" insn " %%xmm1, %0\n\tstmxcsr %1"     \
                     : "=r"(gr), "+m"(mx)                                                       \
                     : "m"(s)                                                                   \
                     : "xmm1")
#define SSE_IR(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\t" insn " %3, %%xmm0\n\t"               \
                     "movdqa %%xmm0, %0\n\tstmxcsr %2"                                         \
                     : "=m"(r), "+m"(d), "+m"(mx)                                               \
                     : "r"((uint32_t)s.q[0])                                                    \
                     : "xmm0")
#define SSE_CI(insn)                                                                             \
    __asm__ volatile("ldmxcsr %1\n\tmovdqa %2, %%xmm0\n\tmovdqa %3, %%xmm1\n\t" insn            \
                     " %%xmm1, %%xmm0\n\tpushf\n\tpop %0\n\tstmxcsr %1"                         \
                     : "=r"(efl), "+m"(mx)                                                      \
                     : "m"(d), "m"(s)                                                           \
                     : "xmm0", "xmm1", "cc")
#define SSE_MS(insn)                                                                             \
    __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\tmovq %3, %%mm1\n\t" insn               \
                     " %%mm1, %%xmm0\n\tmovdqa %%xmm0, %0\n\tstmxcsr %2\n\temms"                \
                     : "=m"(r), "+m"(d), "+m"(mx)                                               \
                     : "m"(s.q[0])                                                              \
                     : "xmm0", "mm1")
#define SSE_MD(insn)                                                                             \
    __asm__ volatile("ldmxcsr %1\n\t" insn " %2, %%mm0\n\tmovq %%mm0, %0\n\tstmxcsr %1\n\temms" \
                     : "=m"(r.q[0]), "+m"(mx)                                                   \
                     : "m"(s)                                                                   \
                     : "mm0")
#define SSE_RCP(insn) SSE_XX(insn)

static __attribute__((noinline)) void sse_run(int op, uint32_t mxcsr, X128 d, X128 s,
                                              uint64_t *out)
{
    X128 r = s; /* the memory of the store forms */
    uint32_t mx = mxcsr, gr = 0;
    uintptr_t efl = 0;

#define SSE_CASE(n, f, dd, t)                                                                    \
    case S_##n:                                                                                  \
        SSE_##f(t);                                                                              \
        break;
    switch (op) {
        SSE_LIST(SSE_CASE)
    default:
        break;
    }
    out[0] = r.q[0];
    out[1] = r.q[1];
    out[2] = mx | (uint64_t)(efl & 0x8d5) << 32;
    out[3] = gr;
}

/*
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS: the approximation is implementation specific. Each lane
 * that is a finite non-zero normal with a normal result is compared with the correctly
 * rounded value (DIVPS/SQRTPS, themselves tested bit for bit) and replaced by whether it
 * is within the documented relative error (1.5 * 2^-12); other lanes (zeros, infinities,
 * NaNs, denormals, results out of the normal range) are compared bit for bit.
 */
static void sse_rcp_mask(int op, X128 d, X128 s, uint64_t *out)
{
    X128 q, one = {{0x3f8000003f800000ull, 0x3f8000003f800000ull}};
    uint32_t mx = 0x1f80;
    unsigned lanes = (op == S_rcpss || op == S_rsqrtss) ? 1 : 4;

    if (op == S_rcpps || op == S_rcpss) {
        __asm__ volatile("ldmxcsr %2\n\tmovdqa %1, %%xmm0\n\tdivps %3, %%xmm0\n\t"
                         "movdqa %%xmm0, %0" : "=m"(q) : "m"(one), "m"(mx), "m"(s) : "xmm0");
    } else {
        __asm__ volatile("ldmxcsr %2\n\tsqrtps %3, %%xmm0\n\tmovdqa %1, %%xmm1\n\t"
                         "divps %%xmm0, %%xmm1\n\tmovdqa %%xmm1, %0"
                         : "=m"(q) : "m"(one), "m"(mx), "m"(s) : "xmm0", "xmm1");
    }
    (void)d;
    for (unsigned k = 0; k < lanes; k++) {
        uint32_t x = (uint32_t)(s.q[k / 2] >> (32 * (k & 1)));
        uint32_t a = (uint32_t)(out[k / 2] >> (32 * (k & 1)));
        uint32_t e = (uint32_t)(q.q[k / 2] >> (32 * (k & 1)));
        uint32_t xe = (x >> 23) & 0xff, ee = (e >> 23) & 0xff, ae = (a >> 23) & 0xff;

        if (xe != 0 && xe != 0xff && ee != 0 && ee != 0xff && ae != 0 && ae != 0xff) {
            /* |a - e| <= 1.5 * 2^-12 * |e|, both scaled to the smaller exponent */
            uint32_t emin = ae < ee ? ae : ee;
            uint64_t ma = (uint64_t)((a & 0x7fffff) | 0x800000) << (ae - emin);
            uint64_t me = (uint64_t)((e & 0x7fffff) | 0x800000) << (ee - emin);
            uint64_t dist = ma > me ? ma - me : me - ma;
            bool ok = (a >> 31) == (e >> 31) && ae - emin <= 1 && ee - emin <= 1 &&
                      (dist << 13) <= 3 * me;
            uint32_t v = ok ? 0x600d : 0xbad;

            out[k / 2] = (out[k / 2] & ~(0xffffffffull << (32 * (k & 1)))) |
                         (uint64_t)v << (32 * (k & 1));
        }
    }
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
    return sse_dbl[op] != 0;
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

static bool sse_run_trap(int op, uint32_t mxcsr, X128 d, X128 s, uint64_t *out)
{
    uint64_t *volatile o = out;

    if (__builtin_setjmp(trap_jb) == 0) {
        sse_run(op, mxcsr, d, s, out);
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr_default));
        return false;
    }
    __asm__ volatile("emms\n\tldmxcsr %0" : : "m"(mxcsr_default));
    o[0] = 0;
    o[1] = 0;
    o[2] = fputest_trap_mxcsr;
    o[3] = 0xfa17;
    return true;
}

static void sse_tests(void)
{
    /* every rounding, FTZ, DAZ; then all exceptions unmasked (RN; RZ with FTZ and DAZ) */
    static const uint32_t modes[] = {0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9f80,
                                     0x1fc0, 0x9fc0, 0x0000, 0xe040};

    for (int op = 0; op < S_COUNT; op++) {
        bool dbl = sse_is_double(op);
        unsigned ne = dbl ? sizeof(f64_edges) / 8 : sizeof(f32_edges) / 4;
        uint64_t in[5], out[4];

        if (!test_selected(sse_names[op])) {
            continue;
        }
        test_begin(sse_names[op]);
        for (unsigned m = 0; m < sizeof(modes) / 4; m++) {
            for (unsigned p = m % FPUTEST_EDGE_STRIDE; p < ne * ne; p += FPUTEST_EDGE_STRIDE) {
                {
                    unsigned i = p / ne, j = p % ne;
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
                    bool trap = sse_run_trap(op, modes[m], d, s, out);

                    if (op >= S_rcpps && !trap) {
                        sse_rcp_mask(op, d, s, out);
                    }
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
            uint64_t r = rnd64();
            uint32_t mode = modes[r % (sizeof(modes) / 4)];
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
            bool trap;

            if ((r & 3) == 0) { /* random exception masks (unmasked ones trap) */
                mode = (mode & ~0x1f80u) | (uint32_t)((r >> 8) & 0x1f80);
            }
            trap = sse_run_trap(op, mode, d, s, out);
            if (op >= S_rcpps && !trap) {
                sse_rcp_mask(op, d, s, out);
            }
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

/* ---- x87: every encoding over a whole register file (FRSTOR, instruction, FNSAVE) ----
 *
 * Each run loads a complete x87 state with FRSTOR (FCW, FSW with TOP and condition codes,
 * tags with empty registers, eight registers), sets EFLAGS (for FCMOVcc), executes one
 * instruction, and stores the whole state with FNSAVE (a non-waiting instruction, so an
 * unmasked exception stays pending instead of trapping). The FNSAVE image (FCW, FSW with
 * ES/B, the full tag word the processor computes from the contents, all eight registers),
 * EFLAGS and the memory operand are hashed; the instruction pointer, data pointer and
 * opcode fields are not compared (they differ between a Linux process and the guest).
 * This covers stack overflow/underflow, unmasked exceptions (destination untouched,
 * exponent-adjusted results), the tag word and TOP for every instruction.
 */

typedef struct X87Image {
    uint32_t cw, sw, tw, ip, cs_op, dp, ds;
    F80 st[8];
} __attribute__((packed)) X87Image;

/* Memory operand kinds: what a run puts at [eAX] before the instruction and how much of
 * it is compared afterwards. */
enum {
    MK_NONE, MK_F32, MK_F64, MK_F80, MK_I16, MK_I32, MK_I64, MK_BCD, MK_CW, MK_ENV14,
    MK_ENV28, MK_SAVE94, MK_SAVE108, MK_OUT, MK_OUT14, MK_OUT28, MK_OUT94, MK_OUT108
};

static const uint8_t mk_size[] = {0,  4,  8,   10, 2,  4,  8,  10, 2,
                                  14, 28, 94, 108, 16, 14, 28, 94, 108};

static uint8_t x87_mem[512] __attribute__((aligned(16)));

/* x87 encodings: opcode << 8 | ModRM, plus these flags. */
#define XE_STI 0x10000u /* ModRM + i for a random stack register i */
#define XE_O16 0x20000u /* operand-size prefix (16-bit environment formats) */
#define XE_SPECIAL 0x40000u /* not an x87 escape (see x87_exec) */

typedef struct X87Test {
    const char *name;
    uint32_t enc;
    uint8_t mk;
} X87Test;

#define XT_MEM8(opc, mk, n0, n1, n2, n3, n4, n5, n6, n7)                                       \
    {n0, (opc) << 8 | 0x00, mk}, {n1, (opc) << 8 | 0x08, mk}, {n2, (opc) << 8 | 0x10, mk},     \
    {n3, (opc) << 8 | 0x18, mk}, {n4, (opc) << 8 | 0x20, mk}, {n5, (opc) << 8 | 0x28, mk},     \
    {n6, (opc) << 8 | 0x30, mk}, {n7, (opc) << 8 | 0x38, mk}

enum { XS_EMMS = 1, XS_MOVQ_MM, XS_PADDB_MM, XS_MOVD_MM_LOAD, XS_FWAIT, XS_FNSTSW_AX };

static const X87Test x87s_list[] = {
    {"fadd", 0xd8c0 | XE_STI, MK_NONE}, {"fmul", 0xd8c8 | XE_STI, MK_NONE},
    {"fcom", 0xd8d0 | XE_STI, MK_NONE}, {"fcomp", 0xd8d8 | XE_STI, MK_NONE},
    {"fsub", 0xd8e0 | XE_STI, MK_NONE}, {"fsubr", 0xd8e8 | XE_STI, MK_NONE},
    {"fdiv", 0xd8f0 | XE_STI, MK_NONE}, {"fdivr", 0xd8f8 | XE_STI, MK_NONE},
    {"fld_sti", 0xd9c0 | XE_STI, MK_NONE}, {"fxch", 0xd9c8 | XE_STI, MK_NONE},
    {"fnop", 0xd9d0, MK_NONE}, {"fchs", 0xd9e0, MK_NONE}, {"fabs", 0xd9e1, MK_NONE},
    {"ftst", 0xd9e4, MK_NONE}, {"fxam", 0xd9e5, MK_NONE}, {"fld1", 0xd9e8, MK_NONE},
    {"fldl2t", 0xd9e9, MK_NONE}, {"fldl2e", 0xd9ea, MK_NONE}, {"fldpi", 0xd9eb, MK_NONE},
    {"fldlg2", 0xd9ec, MK_NONE}, {"fldln2", 0xd9ed, MK_NONE}, {"fldz", 0xd9ee, MK_NONE},
    {"fxtract", 0xd9f4, MK_NONE}, {"fprem1", 0xd9f5, MK_NONE}, {"fdecstp", 0xd9f6, MK_NONE},
    {"fincstp", 0xd9f7, MK_NONE}, {"fprem", 0xd9f8, MK_NONE}, {"fsqrt", 0xd9fa, MK_NONE},
    {"frndint", 0xd9fc, MK_NONE}, {"fscale", 0xd9fd, MK_NONE},
    {"fcmovb", 0xdac0 | XE_STI, MK_NONE}, {"fcmove", 0xdac8 | XE_STI, MK_NONE},
    {"fcmovbe", 0xdad0 | XE_STI, MK_NONE}, {"fcmovu", 0xdad8 | XE_STI, MK_NONE},
    {"fucompp", 0xdae9, MK_NONE},
    {"fcmovnb", 0xdbc0 | XE_STI, MK_NONE}, {"fcmovne", 0xdbc8 | XE_STI, MK_NONE},
    {"fcmovnbe", 0xdbd0 | XE_STI, MK_NONE}, {"fcmovnu", 0xdbd8 | XE_STI, MK_NONE},
    {"fneni", 0xdbe0, MK_NONE}, {"fndisi", 0xdbe1, MK_NONE}, {"fnclex", 0xdbe2, MK_NONE},
    {"fninit", 0xdbe3, MK_NONE}, {"fnsetpm", 0xdbe4, MK_NONE},
    {"fucomi", 0xdbe8 | XE_STI, MK_NONE}, {"fcomi", 0xdbf0 | XE_STI, MK_NONE},
    {"fadd_to_sti", 0xdcc0 | XE_STI, MK_NONE}, {"fmul_to_sti", 0xdcc8 | XE_STI, MK_NONE},
    {"fsubr_to_sti", 0xdce0 | XE_STI, MK_NONE}, {"fsub_to_sti", 0xdce8 | XE_STI, MK_NONE},
    {"fdivr_to_sti", 0xdcf0 | XE_STI, MK_NONE}, {"fdiv_to_sti", 0xdcf8 | XE_STI, MK_NONE},
    {"ffree", 0xddc0 | XE_STI, MK_NONE}, {"fst_sti", 0xddd0 | XE_STI, MK_NONE},
    {"fstp_sti", 0xddd8 | XE_STI, MK_NONE}, {"fucom", 0xdde0 | XE_STI, MK_NONE},
    {"fucomp", 0xdde8 | XE_STI, MK_NONE},
    {"faddp", 0xdec0 | XE_STI, MK_NONE}, {"fmulp", 0xdec8 | XE_STI, MK_NONE},
    {"fcompp", 0xded9, MK_NONE}, {"fsubrp", 0xdee0 | XE_STI, MK_NONE},
    {"fsubp", 0xdee8 | XE_STI, MK_NONE}, {"fdivrp", 0xdef0 | XE_STI, MK_NONE},
    {"fdivp", 0xdef8 | XE_STI, MK_NONE},
    {"fucomip", 0xdfe8 | XE_STI, MK_NONE}, {"fcomip", 0xdff0 | XE_STI, MK_NONE},
    /* the reserved register forms every x87 executes as aliases (cpu/insn.def) */
    {"fstp1", 0xd9d8 | XE_STI, MK_NONE}, {"fcom2", 0xdcd0 | XE_STI, MK_NONE},
    {"fcomp3", 0xdcd8 | XE_STI, MK_NONE}, {"fxch4", 0xddc8 | XE_STI, MK_NONE},
    {"fcomp5", 0xded0 | XE_STI, MK_NONE}, {"ffreep", 0xdfc0 | XE_STI, MK_NONE},
    {"fxch7", 0xdfc8 | XE_STI, MK_NONE}, {"fstp8", 0xdfd0 | XE_STI, MK_NONE},
    {"fstp9", 0xdfd8 | XE_STI, MK_NONE},
    XT_MEM8(0xd8, MK_F32, "fadd_m32", "fmul_m32", "fcom_m32", "fcomp_m32", "fsub_m32",
            "fsubr_m32", "fdiv_m32", "fdivr_m32"),
    XT_MEM8(0xdc, MK_F64, "fadd_m64", "fmul_m64", "fcom_m64", "fcomp_m64", "fsub_m64",
            "fsubr_m64", "fdiv_m64", "fdivr_m64"),
    XT_MEM8(0xda, MK_I32, "fiadd_m32", "fimul_m32", "ficom_m32", "ficomp_m32", "fisub_m32",
            "fisubr_m32", "fidiv_m32", "fidivr_m32"),
    XT_MEM8(0xde, MK_I16, "fiadd_m16", "fimul_m16", "ficom_m16", "ficomp_m16", "fisub_m16",
            "fisubr_m16", "fidiv_m16", "fidivr_m16"),
    {"fld_m32", 0xd900, MK_F32}, {"fst_m32", 0xd910, MK_OUT}, {"fstp_m32", 0xd918, MK_OUT},
    {"fldenv", 0xd920, MK_ENV28}, {"fldcw", 0xd928, MK_CW}, {"fnstenv", 0xd930, MK_OUT28},
    {"fnstcw", 0xd938, MK_OUT},
    {"fldenv_16", 0xd920 | XE_O16, MK_ENV14}, {"fnstenv_16", 0xd930 | XE_O16, MK_OUT14},
    {"fild_m32", 0xdb00, MK_I32}, {"fist_m32", 0xdb10, MK_OUT}, {"fistp_m32", 0xdb18, MK_OUT},
    {"fld_m80", 0xdb28, MK_F80}, {"fstp_m80", 0xdb38, MK_OUT},
    {"fld_m64", 0xdd00, MK_F64}, {"fst_m64", 0xdd10, MK_OUT}, {"fstp_m64", 0xdd18, MK_OUT},
    {"frstor", 0xdd20, MK_SAVE108}, {"fnsave", 0xdd30, MK_OUT108},
    {"frstor_16", 0xdd20 | XE_O16, MK_SAVE94}, {"fnsave_16", 0xdd30 | XE_O16, MK_OUT94},
    {"fnstsw_m16", 0xdd38, MK_OUT},
    {"fild_m16", 0xdf00, MK_I16}, {"fist_m16", 0xdf10, MK_OUT}, {"fistp_m16", 0xdf18, MK_OUT},
    {"fbld", 0xdf20, MK_BCD}, {"fild_m64", 0xdf28, MK_I64}, {"fbstp", 0xdf30, MK_OUT},
    {"fistp_m64", 0xdf38, MK_OUT},
    {"fnstsw_ax", XE_SPECIAL | XS_FNSTSW_AX, MK_NONE}, {"fwait", XE_SPECIAL | XS_FWAIT, MK_NONE},
    {"emms", XE_SPECIAL | XS_EMMS, MK_NONE}, {"movq_mm_mm", XE_SPECIAL | XS_MOVQ_MM, MK_NONE},
    {"paddb_mm_mm", XE_SPECIAL | XS_PADDB_MM, MK_NONE},
    {"movd_mm_m32", XE_SPECIAL | XS_MOVD_MM_LOAD, MK_I32},
};
#define N_X87S_TESTS (sizeof(x87s_list) / sizeof(x87s_list[0]))

/* One run: FRSTOR *in, EFLAGS = fl, the instruction, FNSAVE *out; returns EFLAGS. The
 * memory operand is at [eAX] (ModRM 00 reg 000 addresses [EAX] in 32-bit and [RAX] in
 * 64-bit code alike). */
#define X87_EXEC(insn)                                                                           \
    __asm__ volatile("frstor (%2)\n\tpush %3\n\tpopf\n\t" insn "\n\tfnsave (%4)\n\tpushf\n\t"   \
                     "pop %0"                                                                    \
                     : "=&r"(efl), "+a"(memp)                                                    \
                     : "r"(in), "r"(fl), "r"(out)                                                \
                     : "memory", "cc")

#define XR1(opc, k)                                                                              \
    case (opc) << 8 | (0xc0 + (k)):                                                              \
        X87_EXEC(".byte " #opc ", 0xc0+" #k);                                                    \
        break;
#define XR8(opc, r)                                                                              \
    XR1(opc, r * 8 + 0) XR1(opc, r * 8 + 1) XR1(opc, r * 8 + 2) XR1(opc, r * 8 + 3)             \
    XR1(opc, r * 8 + 4) XR1(opc, r * 8 + 5) XR1(opc, r * 8 + 6) XR1(opc, r * 8 + 7)
#define XM1(opc, r)                                                                              \
    case (opc) << 8 | ((r) << 3):                                                                \
        X87_EXEC(".byte " #opc ", " #r "*8");                                                    \
        break;
#define XOP(opc)                                                                                 \
    XR8(opc, 0) XR8(opc, 1) XR8(opc, 2) XR8(opc, 3) XR8(opc, 4) XR8(opc, 5) XR8(opc, 6)         \
    XR8(opc, 7) XM1(opc, 0) XM1(opc, 1) XM1(opc, 2) XM1(opc, 3) XM1(opc, 4) XM1(opc, 5)         \
    XM1(opc, 6) XM1(opc, 7)

static uintptr_t x87_exec(uint32_t enc, const X87Image *in, X87Image *out, uintptr_t fl)
{
    uintptr_t efl = 0;
    uint8_t *memp = x87_mem;

    if (enc & XE_O16) {
        switch (enc & 0xffff) {
        case 0xd920: X87_EXEC(".byte 0x66, 0xd9, 0x20"); break;
        case 0xd930: X87_EXEC(".byte 0x66, 0xd9, 0x30"); break;
        case 0xdd20: X87_EXEC(".byte 0x66, 0xdd, 0x20"); break;
        default: X87_EXEC(".byte 0x66, 0xdd, 0x30"); break;
        }
        return efl;
    }
    if (enc & XE_SPECIAL) {
        uint16_t ax = 0;

        switch (enc & 0xff) {
        case XS_FNSTSW_AX:
            __asm__ volatile("frstor (%1)\n\tfnstsw %%ax\n\tfnsave (%2)"
                             : "=a"(ax) : "r"(in), "r"(out) : "memory");
            x87_mem[0] = (uint8_t)ax;
            x87_mem[1] = (uint8_t)(ax >> 8);
            break;
        case XS_FWAIT: X87_EXEC("fwait"); break;
        case XS_EMMS: X87_EXEC("emms"); break;
        case XS_MOVQ_MM: X87_EXEC(".byte 0x0f, 0x6f, 0xd1"); break;  /* movq mm2, mm1 */
        case XS_PADDB_MM: X87_EXEC(".byte 0x0f, 0xfc, 0xe3"); break; /* paddb mm4, mm3 */
        default: X87_EXEC(".byte 0x0f, 0x6e, 0x28"); break;          /* movd mm5, [eax] */
        }
        return efl;
    }
    switch (enc & 0xffff) {
        XOP(0xd8) XOP(0xd9) XOP(0xda) XOP(0xdb) XOP(0xdc) XOP(0xdd) XOP(0xde) XOP(0xdf)
    default:
        break;
    }
    return efl;
}

static const uint16_t i16_edges[] = {0, 1, 0xffff, 2, 0x7fff, 0x8000, 0x7ffe, 0x8001, 10,
                                     0x1234, 0xfff6};
static const uint32_t i32_edges[] = {0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x00ffffff,
                                     0x01000001, 0x7fffff80, 0x80000001, 0xff000001, 3};
static const uint64_t i64_edges[] = {0, 1, ~0ull, 0x7fffffffffffffffull,
                                     0x8000000000000000ull, 0x0020000000000001ull,
                                     0xffdfffffffffffffull, 0x8000000000000001ull,
                                     0x0de0b6b3a763ffffull, 0x7ffffffffffffc00ull, 5};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        p[k] = (uint8_t)(v >> (8 * k));
    }
}

static F80 x87_edge_or_random(bool edge, unsigned j)
{
    return edge ? x87_edges[j % N_X87_EDGES] : rnd_f80();
}

/* BCD with n random digits (n = 0..18) and a sign. */
static void make_bcd(uint8_t *p, uint64_t r, unsigned ndig)
{
    for (unsigned d = 0; d < 18; d++) {
        unsigned digit = d < ndig ? (unsigned)((rnd64() >> 8) % 10) : 0;

        if (d & 1) {
            p[d / 2] = (uint8_t)(p[d / 2] | digit << 4);
        } else {
            p[d / 2] = (uint8_t)digit;
        }
    }
    p[9] = (uint8_t)((r & 1) ? 0x80 : 0x00);
}

/* A random environment (14/28 bytes) or FSAVE (94/108 bytes) image at p. */
static void make_env(uint8_t *p, bool o32, bool regs, bool edge, unsigned j)
{
    unsigned w = o32 ? 4 : 2, envsz = o32 ? 28 : 14;
    uint64_t r = rnd64();

    for (unsigned k = 0; k < 7; k++) {
        put_le(p + k * w, rnd64(), w);
    }
    /* FCW: every bit random half the time, else the architectural bits */
    if (r & 1) {
        put_le(p, (r >> 8) & 0x1f3f, 2);
    }
    if (regs) {
        for (unsigned k = 0; k < 8; k++) {
            F80 v = x87_edge_or_random(edge, j + k);
            memcpy(p + envsz + 10 * k, &v, 10);
        }
    }
}

/* Fill the memory operand of kind mk (edge: edge value number j, else random). */
static void x87_make_mem(unsigned mk, bool edge, unsigned j)
{
    uint64_t r = rnd64(), v;

    uint64_t fill[2] = {rnd64(), rnd64()};

    memcpy(x87_mem, fill, 16);
    switch (mk) {
    case MK_F32:
        v = edge ? f32_edges[j % (sizeof(f32_edges) / 4)] : rnd_f32();
        put_le(x87_mem, v, 4);
        break;
    case MK_F64:
        v = edge ? f64_edges[j % (sizeof(f64_edges) / 8)] : rnd_f64();
        put_le(x87_mem, v, 8);
        break;
    case MK_F80: {
        F80 f = x87_edge_or_random(edge, j);
        memcpy(x87_mem, &f, 10);
        break;
    }
    case MK_I16:
        v = edge ? i16_edges[j % (sizeof(i16_edges) / 2)] : (r & 1) ? rnd64() : rnd64() >> (r & 15);
        put_le(x87_mem, v, 2);
        break;
    case MK_I32:
        v = edge ? i32_edges[j % (sizeof(i32_edges) / 4)] : (r & 1) ? rnd64() : rnd64() >> (r & 31);
        put_le(x87_mem, (r & 2) ? v : (uint64_t) - (int64_t)v, 4);
        break;
    case MK_I64:
        v = edge ? i64_edges[j % (sizeof(i64_edges) / 8)] : rnd64() >> (r & 63);
        put_le(x87_mem, (r & 0x100) || edge ? v : (uint64_t) - (int64_t)v, 8);
        break;
    case MK_BCD:
        memset(x87_mem, 0, 10);
        make_bcd(x87_mem, r >> 8, edge ? (j % 4) * 6 : (unsigned)((r >> 16) % 19));
        if (edge && j % 5 == 4) { /* the largest BCD value */
            memset(x87_mem, 0x99, 9);
        }
        break;
    case MK_CW:
        put_le(x87_mem, (r & 1) ? r >> 8 : (r >> 8) & 0x0f3f, 2);
        break;
    case MK_ENV14: case MK_ENV28: case MK_SAVE94: case MK_SAVE108:
        make_env(x87_mem, mk == MK_ENV28 || mk == MK_SAVE108, mk == MK_SAVE94 || mk == MK_SAVE108,
                 edge, j);
        break;
    default:
        break;
    }
}

/* The compared part of an FSAVE/FSTENV image: pointer and opcode fields zeroed. */
static void mask_env(uint8_t *p, bool o32)
{
    if (o32) {
        memset(p + 12, 0, 16);
    } else {
        memset(p + 6, 0, 8);
    }
}

/* Initial state for the edge phase: ST(0) = a, ST(1..7) = b, ST(7) empty; all masked. */
static void x87s_edge_state(X87Image *im, uint16_t fcw, unsigned i, unsigned j)
{
    unsigned top = (i + j) & 7;

    memset(im, 0, sizeof(*im));
    im->cw = fcw;
    im->sw = top << 11;
    im->tw = 3u << (2 * ((top + 7) & 7));
    im->st[0] = x87_edges[i];
    for (unsigned k = 1; k < 8; k++) {
        im->st[k] = x87_edges[j];
    }
}

/* A random state: TOP, condition codes, masked exception flags, empty registers. */
static void x87s_random_state(X87Image *im, uint16_t fcw)
{
    uint64_t r = rnd64(), r2 = rnd64();
    unsigned nempty_bias = (unsigned)(r >> 60); /* how many registers tend to be empty */

    memset(im, 0, sizeof(*im));
    im->cw = fcw;
    im->sw = (uint32_t)((r & 0x4700) | ((r >> 16) & 7) << 11 | ((r >> 20) & fcw & 0x3f));
    if ((fcw & 1) && (r & 0x80000)) {
        im->sw |= 0x40; /* SF, with IE masked */
    }
    for (unsigned k = 0; k < 8; k++) {
        if (((r2 >> (4 * k)) & 15) < nempty_bias) {
            im->tw |= 3u << (2 * k);
        }
        im->st[k] = (r2 >> (32 + k)) & 1 ? rnd_f80()
                                          : x87_edges[(r2 >> (40 + 2 * k)) % N_X87_EDGES];
    }
}

/* FCW for the random phase: random rounding and precision (not the reserved PC 01), all
 * exceptions masked half of the time, else a random mask. */
static uint16_t x87s_random_fcw(void)
{
    static const uint16_t pcs[3] = {0x000, 0x200, 0x300};
    uint64_t r = rnd64();
    uint16_t masks = (r & 1) ? 0x3f : (uint16_t)((r >> 8) & 0x3f);

    return (uint16_t)(0x40 | masks | pcs[(r >> 16) % 3] | ((r >> 24) & 3) << 10);
}

static void x87s_one(const X87Test *t, X87Image *in, unsigned i, uintptr_t fl)
{
    union {
        X87Image im;
        uint64_t w[14];
    } out;
    uint64_t hin[3], hout[16 + 14];
    uint32_t enc = t->enc;
    unsigned msize = mk_size[t->mk], nout = 16;

    if (enc & XE_STI) {
        enc += i & 7;
    }
    memset(&out, 0, sizeof(out));
    fl = (fl & 0x8d5) | 2;
    fl = x87_exec(enc, in, &out.im, fl);
    switch (enc & 0xffff) {
    case 0xd9f5: case 0xd9f8: case 0xd9fa: case 0xd9fc: case 0xd9fd:
        out.im.sw &= ~0x200u; /* C1 after FPREM1/FPREM/FSQRT/FRNDINT/FSCALE: see the header */
        break;
    case 0xdbe8: case 0xdbe9: case 0xdbea: case 0xdbeb: case 0xdbec: case 0xdbed: case 0xdbee:
    case 0xdbef: case 0xdbf0: case 0xdbf1: case 0xdbf2: case 0xdbf3: case 0xdbf4: case 0xdbf5:
    case 0xdbf6: case 0xdbf7: case 0xdfe8: case 0xdfe9: case 0xdfea: case 0xdfeb: case 0xdfec:
    case 0xdfed: case 0xdfee: case 0xdfef: case 0xdff0: case 0xdff1: case 0xdff2: case 0xdff3:
    case 0xdff4: case 0xdff5: case 0xdff6: case 0xdff7:
        out.im.sw &= ~0x200u; /* C1 after F(U)COMI(P) without a stack fault: see the header */
        break;
    default:
        break;
    }
    mask_env((uint8_t *)&out, true);
    memcpy(hout, out.w, sizeof(out.w));
    hout[14] = fl & 0x8d5;
    hout[15] = msize;
    if (t->mk >= MK_OUT) {
        uint64_t m[14] = {0};

        if (t->mk == MK_OUT14 || t->mk == MK_OUT94) {
            mask_env(x87_mem, false);
        } else if (t->mk == MK_OUT28 || t->mk == MK_OUT108) {
            mask_env(x87_mem, true);
        }
        memcpy(m, x87_mem, msize);
        memcpy(hout + 16, m, (msize + 7) / 8 * 8);
        nout += (msize + 7) / 8;
    }
    hin[0] = in->cw | (uint64_t)in->sw << 16 | (uint64_t)in->tw << 32 | (uint64_t)(i & 7) << 48;
    memcpy(&hin[1], x87_mem, 8); /* after the run: still the operand of loads */
    hin[2] = in->st[0].m ^ in->st[1].se;
    record(hin, 3, hout, nout);
}

static void x87s_tests(void)
{
    /* edge phase: every rounding x precision, all masked; and all unmasked at PC 24/64 */
    static const uint16_t fcws[] = {
        0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x067f, 0x0a7f, 0x0e7f, 0x007f, 0x047f,
        0x087f, 0x0c7f, 0x0340, 0x0740, 0x0b40, 0x0f40, 0x0040, 0x0440, 0x0840, 0x0c40,
    };

    for (unsigned t = 0; t < N_X87S_TESTS; t++) {
        const X87Test *x = &x87s_list[t];
        X87Image in;

        if (!test_selected(x->name)) {
            continue;
        }
        test_begin(x->name);
        for (unsigned c = 0; c < sizeof(fcws) / 2; c++) {
            for (unsigned p = c % FPUTEST_EDGE_STRIDE; p < N_X87_EDGES * N_X87_EDGES;
                 p += FPUTEST_EDGE_STRIDE) {
                unsigned i = p / N_X87_EDGES, j = p % N_X87_EDGES;

                x87s_edge_state(&in, fcws[c], i, j);
                x87_make_mem(x->mk, true, j);
                x87s_one(x, &in, 1 + j % 7, (uintptr_t)(i * 0x55 + j));
            }
        }
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            uint64_t r = rnd64();

            x87s_random_state(&in, x87s_random_fcw());
            x87_make_mem(x->mk, false, 0);
            x87s_one(x, &in, (unsigned)r, (uintptr_t)(r >> 8));
        }
        test_end();
    }
}


/*
 * FXSAVE / FXRSTOR (32-bit format; in a 64-bit native build the same layout for the first
 * 288 bytes). FXSAVE: a random x87 state (FRSTOR), XMM0-7 and MXCSR, then FXSAVE; the image
 * is compared except FOP, FIP, FCS, FDP, FDS (bytes 6-23, not comparable) and MXCSR_MASK
 * (bytes 28-31, a property of the CPU: the host's may include AMD's misaligned-SSE bit).
 * FXRSTOR: a random image (valid MXCSR), then FNSAVE, STMXCSR and XMM0-7 are compared.
 */
#if defined(__x86_64__)
#define XMM_HI_CLOBBERS , "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#else
#define XMM_HI_CLOBBERS
#endif

static uint8_t fx_img[512] __attribute__((aligned(16)));
static X128 fx_xmm[8];

static void fx_tests(void)
{
    for (int t = 0; t < 2; t++) {
        const char *name = t ? "fxrstor" : "fxsave";
        uint64_t in[2], out[36 + 16 + 2];

        if (!test_selected(name)) {
            continue;
        }
        test_begin(name);
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            X87Image st, sv;
            uint32_t mx = (uint32_t)(rnd64() & 0xffff) | 0x1f80 * (k & 1), mxo = 0;
            unsigned n = 0;

            x87s_random_state(&st, x87s_random_fcw());
            for (unsigned j = 0; j < 8; j++) {
                fx_xmm[j].q[0] = rnd64();
                fx_xmm[j].q[1] = rnd64();
            }
            for (unsigned j = 0; j < 64; j++) {
                uint64_t v = rnd64();
                memcpy(fx_img + 8 * j, &v, 8);
            }
            if (t == 0) {
                __asm__ volatile("frstor %1\n\tldmxcsr %2\n\t"
                                 "movdqa 0(%3), %%xmm0\n\tmovdqa 16(%3), %%xmm1\n\t"
                                 "movdqa 32(%3), %%xmm2\n\tmovdqa 48(%3), %%xmm3\n\t"
                                 "movdqa 64(%3), %%xmm4\n\tmovdqa 80(%3), %%xmm5\n\t"
                                 "movdqa 96(%3), %%xmm6\n\tmovdqa 112(%3), %%xmm7\n\t"
                                 "fxsave %0\n\tfninit\n\tldmxcsr %4"
                                 : "=m"(fx_img)
                                 : "m"(st), "m"(mx), "r"(fx_xmm), "m"(*(const uint32_t[]){0x1f80})
                                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                                   "memory");
                memset(fx_img + 6, 0, 18);
                memset(fx_img + 28, 0, 4);
                memcpy(out, fx_img, 288);
                n = 36;
            } else {
                /* a valid image: MXCSR without reserved bits, FCW/FSW/tags random */
                memcpy(fx_img + 24, &mx, 4);
                memcpy(fx_img + 6, &mxo, 4); /* FOP and FIP: not compared */
                __asm__ volatile("fxrstor %2\n\tfnsave %0\n\tstmxcsr %1\n\t"
                                 "movdqa %%xmm0, 0(%3)\n\tmovdqa %%xmm1, 16(%3)\n\t"
                                 "movdqa %%xmm2, 32(%3)\n\tmovdqa %%xmm3, 48(%3)\n\t"
                                 "movdqa %%xmm4, 64(%3)\n\tmovdqa %%xmm5, 80(%3)\n\t"
                                 "movdqa %%xmm6, 96(%3)\n\tmovdqa %%xmm7, 112(%3)\n\t"
                                 "ldmxcsr %4"
                                 : "=m"(sv), "=m"(mxo)
                                 : "m"(fx_img), "r"(fx_xmm), "m"(*(const uint32_t[]){0x1f80})
                                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                                   "memory" XMM_HI_CLOBBERS);
                mask_env((uint8_t *)&sv, true);
                memset(out, 0, 14 * 8);
                memcpy(out, &sv, sizeof(sv));
                memcpy(out + 14, fx_xmm, 128);
                out[30] = mxo;
                n = 31;
            }
            in[0] = st.cw | (uint64_t)st.sw << 16 | (uint64_t)st.tw << 32;
            in[1] = mx;
            record(in, 2, out, n);
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


/*
 * MMX/SSE2 moves, shuffles, inserts/extracts, masks and shifts by an immediate. Operands:
 * %0 the result (X128), %1 d (destination register before), %2 s (the source, in memory),
 * %3 a 32-bit general register result, %4 a memory destination pre-filled with s, %5 the
 * low dword of s in a general register, %7 the immediate; MASKMOVQ/MASKMOVDQU store at
 * [eDI] = %4.
 */
#define MOV_LIST(X)                                                                              \
    X(pmovmskb_mm, "movq %1, %%mm0\n\tpmovmskb %%mm0, %3")                                       \
    X(pmovmskb_xmm, "movdqa %1, %%xmm0\n\tpmovmskb %%xmm0, %3")                                  \
    X(movd_m32_mm, "movq %1, %%mm0\n\tmovd %2, %%mm0\n\tmovq %%mm0, %0")                         \
    X(movd_r32_mm, "movq %1, %%mm0\n\tmovd %5, %%mm0\n\tmovq %%mm0, %0")                         \
    X(movd_mm_m32, "movq %1, %%mm0\n\tmovd %%mm0, %4")                                           \
    X(movd_mm_r32, "movq %1, %%mm0\n\tmovd %%mm0, %3")                                           \
    X(movd_m32_xmm, "movdqa %1, %%xmm0\n\tmovd %2, %%xmm0\n\tmovdqa %%xmm0, %0")                 \
    X(movd_r32_xmm, "movdqa %1, %%xmm0\n\tmovd %5, %%xmm0\n\tmovdqa %%xmm0, %0")                 \
    X(movd_xmm_m32, "movdqa %1, %%xmm0\n\tmovd %%xmm0, %4")                                      \
    X(movd_xmm_r32, "movdqa %1, %%xmm0\n\tmovd %%xmm0, %3")                                      \
    X(movq_m64_mm, "movq %1, %%mm0\n\tmovq %2, %%mm0\n\tmovq %%mm0, %0")                         \
    X(movq_mm_mm, "movq %2, %%mm1\n\tmovq %1, %%mm0\n\tmovq %%mm1, %%mm0\n\tmovq %%mm0, %0")     \
    X(movq_mm_m64, "movq %1, %%mm0\n\tmovq %%mm0, %4")                                           \
    X(movq_m64_xmm, "movdqa %1, %%xmm0\n\tmovq %2, %%xmm0\n\tmovdqa %%xmm0, %0")                 \
    X(movq_xmm_xmm_f3, "movdqa %1, %%xmm0\n\tmovdqa %2, %%xmm1\n\t.byte 0xf3, 0x0f, 0x7e, 0xc1\n\t" \
                       "movdqa %%xmm0, %0")                                                      \
    X(movq_xmm_xmm_66, "movdqa %1, %%xmm0\n\tmovdqa %2, %%xmm1\n\t.byte 0x66, 0x0f, 0xd6, 0xc8\n\t" \
                       "movdqa %%xmm0, %0")                                                      \
    X(movq_xmm_m64, "movdqa %1, %%xmm0\n\tmovq %%xmm0, %4")                                      \
    X(movdqa_load, "movdqa %2, %%xmm0\n\tmovdqa %%xmm0, %0")                                     \
    X(movdqa_store, "movdqa %1, %%xmm0\n\tmovdqa %%xmm0, %4")                                    \
    X(movdqu_load, "movdqu %2, %%xmm0\n\tmovdqa %%xmm0, %0")                                     \
    X(movdqu_store, "movdqa %1, %%xmm0\n\tmovdqu %%xmm0, %4")                                    \
    X(movq2dq, "movdqa %1, %%xmm0\n\tmovq %2, %%mm1\n\tmovq2dq %%mm1, %%xmm0\n\tmovdqa %%xmm0, %0") \
    X(movdq2q, "movq %1, %%mm0\n\tmovdqa %2, %%xmm1\n\tmovdq2q %%xmm1, %%mm0\n\tmovq %%mm0, %0") \
    X(maskmovq, "movq %1, %%mm0\n\tmovq %2, %%mm1\n\tmaskmovq %%mm1, %%mm0")                     \
    X(maskmovdqu, "movdqa %1, %%xmm0\n\tmovdqa %2, %%xmm1\n\tmaskmovdqu %%xmm1, %%xmm0")         \
    X(movntq, "movq %1, %%mm0\n\tmovntq %%mm0, %4")                                              \
    X(movntdq, "movdqa %1, %%xmm0\n\tmovntdq %%xmm0, %4")                                        \
    X(movnti, "movnti %5, %4")                                                                   \
    X(punpcklqdq, "movdqa %1, %%xmm0\n\tpunpcklqdq %2, %%xmm0\n\tmovdqa %%xmm0, %0")             \
    X(punpckhqdq, "movdqa %1, %%xmm0\n\tpunpckhqdq %2, %%xmm0\n\tmovdqa %%xmm0, %0")             \
    X(ldmxcsr_stmxcsr, "ldmxcsr %2\n\tstmxcsr %4")                                             \
    X(fences, "sfence\n\tlfence\n\tmfence\n\tclflush %4\n\tprefetchnta %2\n\tprefetcht0 %2\n\t" \
              "prefetcht1 %2\n\tprefetcht2 %2\n\tmovdqa %2, %%xmm0\n\tmovdqa %%xmm0, %0")

/* Instructions with an immediate: name, immediate set, asm with the immediate as %7. */
#define IMM_LIST(X)                                                                              \
    X(pshufw, SHUF, "movq %2, %%mm1\n\tpshufw %7, %%mm1, %%mm0\n\tmovq %%mm0, %0")         \
    X(pshufd, SHUF, "pshufd %7, %2, %%xmm0\n\tmovdqa %%xmm0, %0")                          \
    X(pshufhw, SHUF, "pshufhw %7, %2, %%xmm0\n\tmovdqa %%xmm0, %0")                        \
    X(pshuflw, SHUF, "pshuflw %7, %2, %%xmm0\n\tmovdqa %%xmm0, %0")                        \
    X(pinsrw_mm_r32, IDX, "movq %1, %%mm0\n\tpinsrw %7, %5, %%mm0\n\tmovq %%mm0, %0")      \
    X(pinsrw_mm_m16, IDX, "movq %1, %%mm0\n\tpinsrw %7, %2, %%mm0\n\tmovq %%mm0, %0")      \
    X(pinsrw_xmm_r32, IDX, "movdqa %1, %%xmm0\n\tpinsrw %7, %5, %%xmm0\n\tmovdqa %%xmm0, %0") \
    X(pinsrw_xmm_m16, IDX, "movdqa %1, %%xmm0\n\tpinsrw %7, %2, %%xmm0\n\tmovdqa %%xmm0, %0") \
    X(pextrw_mm, IDX, "movq %1, %%mm0\n\tpextrw %7, %%mm0, %3")                             \
    X(pextrw_xmm, IDX, "movdqa %1, %%xmm0\n\tpextrw %7, %%xmm0, %3")                        \
    X(psllw_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsllw %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(pslld_imm_mm, SHIFT, "movq %1, %%mm0\n\tpslld %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psllq_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsllq %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psrlw_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsrlw %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psrld_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsrld %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psrlq_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsrlq %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psraw_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsraw %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psrad_imm_mm, SHIFT, "movq %1, %%mm0\n\tpsrad %7, %%mm0\n\tmovq %%mm0, %0")           \
    X(psllw_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsllw %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(pslld_imm, SHIFT, "movdqa %1, %%xmm0\n\tpslld %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psllq_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsllq %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psrlw_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsrlw %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psrld_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsrld %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psrlq_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsrlq %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psraw_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsraw %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(psrad_imm, SHIFT, "movdqa %1, %%xmm0\n\tpsrad %7, %%xmm0\n\tmovdqa %%xmm0, %0")       \
    X(pslldq, SHIFT, "movdqa %1, %%xmm0\n\tpslldq %7, %%xmm0\n\tmovdqa %%xmm0, %0")         \
    X(psrldq, SHIFT, "movdqa %1, %%xmm0\n\tpsrldq %7, %%xmm0\n\tmovdqa %%xmm0, %0")

/* The 16 immediates of each set (literal, as the assembler needs them). */
#define IMMS_SHUF(M, n, t) M(n, t, 0x00) M(n, t, 0xff) M(n, t, 0x1b) M(n, t, 0xe4) M(n, t, 0x4e) \
    M(n, t, 0xb1) M(n, t, 0x39) M(n, t, 0x93) M(n, t, 0x9c) M(n, t, 0x72) M(n, t, 0x27)            \
    M(n, t, 0xd8) M(n, t, 0x8d) M(n, t, 0x63) M(n, t, 0xc6) M(n, t, 0x55)
#define IMMS_IDX(M, n, t) M(n, t, 0) M(n, t, 1) M(n, t, 2) M(n, t, 3) M(n, t, 4) M(n, t, 5)       \
    M(n, t, 6) M(n, t, 7) M(n, t, 8) M(n, t, 9) M(n, t, 10) M(n, t, 11) M(n, t, 12)                \
    M(n, t, 13) M(n, t, 14) M(n, t, 15)
#define IMMS_SHIFT(M, n, t) M(n, t, 0) M(n, t, 1) M(n, t, 2) M(n, t, 3) M(n, t, 7) M(n, t, 8)     \
    M(n, t, 15) M(n, t, 16) M(n, t, 17) M(n, t, 31) M(n, t, 32) M(n, t, 33) M(n, t, 63)            \
    M(n, t, 64) M(n, t, 65) M(n, t, 255)
static const uint8_t imms_SHUF[16] = {0x00, 0xff, 0x1b, 0xe4, 0x4e, 0xb1, 0x39, 0x93,
                                      0x9c, 0x72, 0x27, 0xd8, 0x8d, 0x63, 0xc6, 0x55};
static const uint8_t imms_IDX[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t imms_SHIFT[16] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255};

#define MOV_ENUM(n, t) M_##n,
#define IMM_ENUM(n, k, t) M_##n,
enum { MOV_LIST(MOV_ENUM) IMM_LIST(IMM_ENUM) M_COUNT };
#define MOV_NAME(n, t) #n,
#define IMM_NAME(n, k, t) #n,
static const char *const mov_names[M_COUNT] = {MOV_LIST(MOV_NAME) IMM_LIST(IMM_NAME)};
#define IMM_SET(n, k, t) imms_##k,
#define MOV_SET(n, t) NULL,
static const uint8_t *const mov_imms[M_COUNT] = {MOV_LIST(MOV_SET) IMM_LIST(IMM_SET)};

#define MOV_ASM(text, v)                                                                         \
    __asm__ volatile(text                                                                        \
                     : "+m"(r), "+m"(d), "+m"(s), "+r"(gr), "+m"(m), "+r"(lo)                     \
                     : "D"(&m), "i"(v)                                                           \
                     : "mm0", "mm1", "xmm0", "xmm1", "memory")
#define MOV_CASE(n, t)                                                                           \
    case M_##n:                                                                                  \
        MOV_ASM(t, 0);                                                                           \
        break;
#define IMM_ONE(n, t, v)                                                                         \
    case v:                                                                                      \
        MOV_ASM(t, v);                                                                           \
        break;
#define IMM_CASE(n, k, t)                                                                        \
    case M_##n:                                                                                  \
        switch (imm) {                                                                           \
            IMMS_##k(IMM_ONE, n, t)                                                              \
        default:                                                                                 \
            break;                                                                               \
        }                                                                                        \
        break;

static void mov_run(int op, unsigned imm, X128 d, X128 s, uint64_t *out)
{
    X128 r = {{0, 0}}, m = s;
    uint32_t gr = 0, lo = (uint32_t)s.q[0];

    switch (op) {
        MOV_LIST(MOV_CASE)
        IMM_LIST(IMM_CASE)
    default:
        break;
    }
    __asm__ volatile("emms\n\tldmxcsr %0" : : "m"(mxcsr_default));
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr_default)); /* after LDMXCSR */
    out[0] = r.q[0];
    out[1] = r.q[1];
    out[2] = m.q[0];
    out[3] = m.q[1];
    out[4] = gr;
}

static void mov_tests(void)
{
    for (int op = 0; op < M_COUNT; op++) {
        uint64_t in[5], out[5];

        if (!test_selected(mov_names[op])) {
            continue;
        }
        test_begin(mov_names[op]);
        for (uint32_t k = 0; k < FPUTEST_RANDOM; k++) {
            X128 d, s;
            uint64_t r = rnd64();
            unsigned imm = mov_imms[op] ? mov_imms[op][r & 15] : 0;

            d.q[0] = rnd64();
            d.q[1] = rnd64();
            s.q[0] = rnd64();
            s.q[1] = rnd64();
            if (op == M_ldmxcsr_stmxcsr) { /* the defined MXCSR bits (DAZ included) */
                s.q[0] &= 0xffff;
            }
            if ((r & 0x30) == 0) { /* sign bits for the masks */
                s.q[0] &= 0x8080808080808080ull;
                d.q[0] &= 0x8181818181818181ull;
            }
            mov_run(op, imm, d, s, out);
            in[0] = d.q[0];
            in[1] = d.q[1];
            in[2] = s.q[0];
            in[3] = s.q[1];
            in[4] = imm;
            record(in, 5, out, 5);
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
    x87s_tests();
    fx_tests();
    sse_tests();
    int_tests();
    mov_tests();
    out_str("fputest done\n");
    return 0;
}

#ifdef FPUTEST_BAREMETAL
int guest_main(void);

/* The compiler may call these for structure copies and clears. */
void *memcpy(void *d, const void *s, size_t n)
{
    void *dp = d;

    __asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) : : "memory");
    return d;
}

void *memset(void *d, int c, size_t n)
{
    void *dp = d;

    __asm__ volatile("rep stosb" : "+D"(dp), "+c"(n) : "a"(c) : "memory");
    return d;
}

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

#include <signal.h>
#include <ucontext.h>

static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;

    (void)sig;
    (void)si;
#if defined(__x86_64__)
    fputest_trap_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
#else
    /* i386 signal frame: FSAVE part (112 bytes), 24 bytes of FXSR environment, MXCSR */
    fputest_trap_mxcsr = *(const uint32_t *)((const char *)uc->uc_mcontext.fpregs + 136);
#endif
    fputest_trap();
}

int main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigfpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    fputest_main();
    out_flush();
    return 0;
}
#endif
