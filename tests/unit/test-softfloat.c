/*
 * cpu/softfloat.c edge cases with expected bit patterns derived by hand from IEEE 754 and
 * the x86 rules (SDM vol. 1 ch. 4 and 8). Each case states why its answer is what it is.
 * Random agreement with real hardware is covered by tests/fpu/ (native vs. emulated).
 */
#include <stdio.h>

#include "cpu/softfloat.h"

static int failures;

static SFStatus x87(unsigned round, unsigned prec)
{
    SFStatus s = {0};

    s.round = (uint8_t)round;
    s.prec = (uint8_t)prec;
    s.masks = 0x3f;
    s.x87 = true;
    s.adjust = true;
    return s;
}

static SFStatus sse(unsigned round)
{
    SFStatus s = {0};

    s.round = (uint8_t)round;
    s.masks = 0x3f;
    return s;
}

static void check80(const char *what, FloatX80 got, uint16_t se, uint64_t mant,
                    const SFStatus *s, unsigned flags, bool c1)
{
    if (got.se != se || got.mant != mant || s->flags != flags || s->c1 != c1) {
        printf("FAIL %s: got %04x:%016llx flags %02x c1 %d, expected %04x:%016llx flags %02x "
               "c1 %d\n",
               what, got.se, (unsigned long long)got.mant, s->flags, s->c1, se,
               (unsigned long long)mant, flags, c1);
        failures++;
    }
}

static void check64(const char *what, uint64_t got, uint64_t want, const SFStatus *s,
                    unsigned flags)
{
    if (got != want || s->flags != flags) {
        printf("FAIL %s: got %016llx flags %02x, expected %016llx flags %02x\n", what,
               (unsigned long long)got, s->flags, (unsigned long long)want, flags);
        failures++;
    }
}

/* xorshift64: operands for the fast-versus-general comparisons. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/*
 * A random 80-bit operand, mostly normal with exponents near each other (where the
 * fast paths apply and cancellation and carries happen), sometimes at the exponent
 * limits, denormal, zero, infinite, NaN or unsupported (where they must step aside).
 */
static FloatX80 rand80(uint32_t base_exp)
{
    uint64_t r = rng(), m = rng();
    bool sign = r & 1;

    switch ((r >> 1) % 32) {
    case 0:
        return f80_make(sign, 0, 0);
    case 1:
        return f80_make(sign, 0, m >> (r >> 8) % 64); /* denormal */
    case 2:
        return f80_make(sign, 0x7fff, 1ull << 63);
    case 3:
        return f80_make(sign, 0x7fff, m | 1ull << 63); /* NaN */
    case 4:
        return f80_make(sign, (uint32_t)(r >> 16) & 0x7fff, m & ~(1ull << 63)); /* unnormal */
    case 5:
        return f80_make(sign, 1 + (uint32_t)(r >> 16) % 64, m | 1ull << 63);
    case 6:
        return f80_make(sign, 0x7ffe - (uint32_t)(r >> 16) % 64, m | 1ull << 63);
    case 7: /* few significant bits: exact results, ties */
        return f80_make(sign, base_exp + (uint32_t)(r >> 16) % 8, (m | 1ull << 63) & ~0ull << 40);
    default:
        return f80_make(sign, base_exp + (uint32_t)(r >> 16) % 80 - 40, m | 1ull << 63);
    }
}

/*
 * The fast paths of f80_add/f80_sub/f80_mul (normal operands and result) against the
 * general paths: same bits, flags and C1 for every rounding mode and precision, with
 * flags accumulated before the operation. Returns the number of comparisons.
 */
static unsigned check_fast_paths(unsigned n)
{
    static const uint8_t precs[3] = {24, 53, 64};
    unsigned count = 0;

    for (unsigned k = 0; k < n; k++) {
        uint32_t base = (k & 1) ? 0x3fff : 1 + (uint32_t)(rng() % 0x7ffe);
        FloatX80 a = rand80(base), b = rand80(base);
        SFStatus s0 = x87((unsigned)(rng() & 3), precs[rng() % 3]);

        s0.flags = (uint8_t)(rng() & 0x3f);
        for (int op = 0; op < 3; op++) {
            SFStatus sf = s0, sg = s0;
            FloatX80 rf, rg;

            switch (op) {
            case 0:
                rf = f80_add(&sf, a, b);
                rg = f80_add_general(&sg, a, b);
                break;
            case 1:
                rf = f80_sub(&sf, a, b);
                rg = f80_sub_general(&sg, a, b);
                break;
            default:
                rf = f80_mul(&sf, a, b);
                rg = f80_mul_general(&sg, a, b);
                break;
            }
            count++;
            if (rf.se != rg.se || rf.mant != rg.mant || sf.flags != sg.flags ||
                sf.c1 != sg.c1) {
                printf("FAIL fast path op %d rc %u pc %u: %04x:%016llx %04x:%016llx -> "
                       "%04x:%016llx flags %02x c1 %d, general %04x:%016llx flags %02x c1 %d\n",
                       op, s0.round, s0.prec, a.se, (unsigned long long)a.mant, b.se,
                       (unsigned long long)b.mant, rf.se, (unsigned long long)rf.mant,
                       sf.flags, sf.c1, rg.se, (unsigned long long)rg.mant, sg.flags, sg.c1);
                if (++failures > 20) {
                    return count;
                }
            }
        }
    }
    return count;
}

/* The inline conversion fast paths against the general conversions. */
static unsigned check_fast_conversions(unsigned n)
{
    unsigned count = 0;

    for (unsigned k = 0; k < n; k++) {
        uint32_t base = (k & 1) ? 0x3fff : 0x3c00 + (uint32_t)(rng() % 0x800);
        FloatX80 a = rand80(base), f, g;
        SFStatus s = x87((unsigned)(rng() & 3), 64), sg;
        uint64_t d = rng(), o64 = 0, g64;
        uint32_t d32 = (uint32_t)rng();
        uint8_t fl = s.flags = (uint8_t)(rng() & 0x3f);
        bool c1 = false;

        if (k & 2) { /* exponents near the binary64/binary32 limits */
            d = (d & 0x800fffffffffffffull) | (uint64_t)(rng() % 4 ? rng() % 0x7ff : 1) << 52;
            d32 = (d32 & 0x807fffffu) | (uint32_t)(rng() % 0xff) << 23;
        }
        s.adjust = false;
        sg = s;
        g64 = f80_to_f64(&sg, a);
        if (f80_to_f64_fast(s.round, a, &o64, &fl, &c1)) {
            count++;
            if (o64 != g64 || fl != sg.flags || c1 != sg.c1) {
                printf("FAIL f80_to_f64_fast rc %u %04x:%016llx: %016llx %02x %d, general "
                       "%016llx %02x %d\n", s.round, a.se, (unsigned long long)a.mant,
                       (unsigned long long)o64, fl, c1, (unsigned long long)g64, sg.flags,
                       sg.c1);
                failures++;
            }
        }
        sg = s;
        g = f80_from_f64(&sg, d);
        if (f80_from_f64_fast(d, &f)) {
            count++;
            if (f.se != g.se || f.mant != g.mant || sg.flags != s.flags) {
                printf("FAIL f80_from_f64_fast %016llx\n", (unsigned long long)d);
                failures++;
            }
        }
        sg = s;
        g = f80_from_f32(&sg, d32);
        if (f80_from_f32_fast(d32, &f)) {
            count++;
            if (f.se != g.se || f.mant != g.mant || sg.flags != s.flags) {
                printf("FAIL f80_from_f32_fast %08x\n", d32);
                failures++;
            }
        }
        if (failures > 20) {
            break;
        }
    }
    return count;
}

#define ONE80 f80_make(false, 0x3fff, 0x8000000000000000ull)
#define THREE80 f80_make(false, 0x4000, 0xc000000000000000ull)

int main(void)
{
    SFStatus s;
    FloatX80 r;

    /* 1/3 in extended precision: 0.0101.. = 1.0101..*2^-2; the 65th bit is 1 and more
     * follow (pattern 01), so nearest rounds the last 0 up to ...ab (C1 = 1). */
    s = x87(SF_RN, 64);
    r = f80_div(&s, ONE80, THREE80);
    check80("1/3 RN 64", r, 0x3ffd, 0xaaaaaaaaaaaaaaabull, &s, SF_PE, true);
    /* toward zero keeps ...aa and does not round up */
    s = x87(SF_RZ, 64);
    r = f80_div(&s, ONE80, THREE80);
    check80("1/3 RZ 64", r, 0x3ffd, 0xaaaaaaaaaaaaaaaaull, &s, SF_PE, false);
    /* precision control 24: 24 significant bits, 1010..1011 rounded up at bit 24 */
    s = x87(SF_RN, 24);
    r = f80_div(&s, ONE80, THREE80);
    check80("1/3 RN 24", r, 0x3ffd, 0xaaaaab0000000000ull, &s, SF_PE, true);
    /* precision control 53: the binary64 value of 1/3 in an 80-bit register */
    s = x87(SF_RN, 53);
    r = f80_div(&s, ONE80, THREE80);
    check80("1/3 RN 53", r, 0x3ffd, 0xaaaaaaaaaaaaa800ull, &s, SF_PE, false);

    /* x - x = +0 in every mode but round down, where it is -0 (IEEE 754 6.3) */
    s = x87(SF_RD, 64);
    r = f80_sub(&s, THREE80, THREE80);
    check80("3-3 RD", r, 0x8000, 0, &s, 0, false);
    s = x87(SF_RN, 64);
    r = f80_sub(&s, THREE80, THREE80);
    check80("3-3 RN", r, 0x0000, 0, &s, 0, false);

    /* inf - inf: invalid, the default NaN is the real indefinite ffff:c000.. */
    s = x87(SF_RN, 64);
    r = f80_sub(&s, f80_make(false, 0x7fff, 1ull << 63), f80_make(false, 0x7fff, 1ull << 63));
    check80("inf-inf", r, 0xffff, 0xc000000000000000ull, &s, SF_IE, false);
    /* SNaN + 1: IE, the SNaN is returned quieted (bit 62 set) */
    s = x87(SF_RN, 64);
    r = f80_add(&s, f80_make(false, 0x7fff, 0x8000000000000001ull), ONE80);
    check80("snan+1", r, 0x7fff, 0xc000000000000001ull, &s, SF_IE, false);
    /* two QNaNs: the one with the larger significand (SDM table 4-7) */
    s = x87(SF_RN, 64);
    r = f80_add(&s, f80_make(false, 0x7fff, 0xc000000000000001ull),
                f80_make(true, 0x7fff, 0xc000000000000002ull));
    check80("qnan+qnan", r, 0xffff, 0xc000000000000002ull, &s, 0, false);
    /* 1/0: divide by zero, infinity */
    s = x87(SF_RN, 64);
    r = f80_div(&s, ONE80, f80_make(false, 0, 0));
    check80("1/0", r, 0x7fff, 1ull << 63, &s, SF_ZE, false);
    /* unnormal operand (exponent != 0, integer bit clear): invalid */
    s = x87(SF_RN, 64);
    r = f80_add(&s, f80_make(false, 0x3fff, 0x4000000000000000ull), ONE80);
    check80("unnormal", r, 0xffff, 0xc000000000000000ull, &s, SF_IE, false);
    /* pseudo-denormal 0000:8000.. is accepted as 2^-16382 (DE): plus 0 gives the
     * canonical encoding with exponent 1 */
    s = x87(SF_RN, 64);
    r = f80_add(&s, f80_make(false, 0, 1ull << 63), f80_make(false, 0, 0));
    check80("pseudo-denormal", r, 0x0001, 1ull << 63, &s, SF_DE, false);

    /* overflow: max * 2 -> infinity with OE, PE (C1 = rounded up); in round toward zero
     * the largest finite number instead */
    s = x87(SF_RN, 64);
    r = f80_mul(&s, f80_make(false, 0x7ffe, ~0ull), f80_make(false, 0x4000, 1ull << 63));
    check80("overflow RN", r, 0x7fff, 1ull << 63, &s, SF_OE | SF_PE, true);
    s = x87(SF_RZ, 64);
    r = f80_mul(&s, f80_make(false, 0x7ffe, ~0ull), f80_make(false, 0x4000, 1ull << 63));
    check80("overflow RZ", r, 0x7ffe, ~0ull, &s, SF_OE | SF_PE, false);
    /* unmasked overflow with a register destination: exponent adjusted by -24576 */
    s = x87(SF_RN, 64);
    s.masks = 0x3f & ~SF_OE;
    r = f80_mul(&s, f80_make(false, 0x7ffe, 1ull << 63), f80_make(false, 0x4000, 1ull << 63));
    check80("overflow unmasked", r, 0x7fff - 24576, 1ull << 63, &s, SF_OE, false);

    /* underflow: 2^-16382 / 2 = 2^-16383 is a denormal (0000:4000..), exact: no UE */
    s = x87(SF_RN, 64);
    r = f80_div(&s, f80_make(false, 1, 1ull << 63), f80_make(false, 0x4000, 1ull << 63));
    check80("denormal exact", r, 0x0000, 1ull << 62, &s, 0, false);
    /* ... (2^-16382 + ulp) / 2 loses its last bit: tiny and inexact: UE and PE */
    s = x87(SF_RN, 64);
    r = f80_div(&s, f80_make(false, 1, (1ull << 63) | 1), f80_make(false, 0x4000, 1ull << 63));
    check80("denormal inexact", r, 0x0000, 1ull << 62, &s, SF_UE | SF_PE, false);
    /* the largest denormal plus zero is itself: exact, so no UE (masked), DE for the operand */
    s = x87(SF_RN, 64);
    r = f80_add(&s, f80_make(false, 0, 0x7fffffffffffffffull), f80_make(false, 0, 0));
    check80("largest denormal", r, 0x0000, 0x7fffffffffffffffull, &s, SF_DE, false);

    /* sqrt(2) to 64 bits: b504f333f9de6484|597d.. rounds down */
    s = x87(SF_RN, 64);
    r = f80_sqrt(&s, f80_make(false, 0x4000, 1ull << 63));
    check80("sqrt2", r, 0x3fff, 0xb504f333f9de6484ull, &s, SF_PE, false);
    /* sqrt(-1): invalid; sqrt(-0) = -0 */
    s = x87(SF_RN, 64);
    r = f80_sqrt(&s, f80_make(true, 0x3fff, 1ull << 63));
    check80("sqrt-1", r, 0xffff, 0xc000000000000000ull, &s, SF_IE, false);
    s = x87(SF_RN, 64);
    r = f80_sqrt(&s, f80_make(true, 0, 0));
    check80("sqrt-0", r, 0x8000, 0, &s, 0, false);

    /* FRNDINT 2.5: nearest-even gives 2, up gives 3 */
    s = x87(SF_RN, 64);
    r = f80_round_int(&s, f80_make(false, 0x4000, 0xa000000000000000ull));
    check80("rndint 2.5 RN", r, 0x4000, 1ull << 63, &s, SF_PE, false);
    s = x87(SF_RU, 64);
    r = f80_round_int(&s, f80_make(false, 0x4000, 0xa000000000000000ull));
    check80("rndint 2.5 RU", r, 0x4000, 0xc000000000000000ull, &s, SF_PE, true);

    /* FIST: 32768.0 does not fit in 16 bits: IE, integer indefinite 0x8000 */
    s = x87(SF_RN, 64);
    check64("fist16 32768", (uint16_t)f80_to_int(&s, f80_make(false, 0x400e, 1ull << 63), 16,
                                                 false),
            0x8000, &s, SF_IE);
    /* -2^63 fits in 64 bits exactly */
    s = x87(SF_RN, 64);
    check64("fist64 -2^63", (uint64_t)f80_to_int(&s, f80_make(true, 0x403e, 1ull << 63), 64,
                                                 false),
            0x8000000000000000ull, &s, 0);

    /* FPREM 7 rem 2 = 1, quotient 3 (C0 = q2 = 0, C3 = q1 = 1, C1 = q0 = 1) */
    {
        unsigned q;
        bool partial;

        s = x87(SF_RN, 64);
        r = f80_rem(&s, f80_make(false, 0x4001, 0xe000000000000000ull),
                    f80_make(false, 0x4000, 1ull << 63), false, &q, &partial);
        check80("fprem 7,2", r, 0x3fff, 1ull << 63, &s, 0, false);
        if (q != 3 || partial) {
            printf("FAIL fprem 7,2 quotient %u partial %d\n", q, partial);
            failures++;
        }
        /* FPREM1 7 rem 2: nearest quotient 4 (3.5 to even), remainder -1 */
        s = x87(SF_RN, 64);
        r = f80_rem(&s, f80_make(false, 0x4001, 0xe000000000000000ull),
                    f80_make(false, 0x4000, 1ull << 63), true, &q, &partial);
        check80("fprem1 7,2", r, 0xbfff, 1ull << 63, &s, 0, false);
        if (q != 4) {
            printf("FAIL fprem1 7,2 quotient %u\n", q);
            failures++;
        }
    }

    /* FST m64 of 1/3 (80-bit ...aaab): binary64 0x3fd5555555555555, inexact */
    s = x87(SF_RN, 64);
    check64("fst64 1/3", f80_to_f64(&s, f80_make(false, 0x3ffd, 0xaaaaaaaaaaaaaaabull)),
            0x3fd5555555555555ull, &s, SF_PE);
    /* a denormal 80-bit value stored as binary32 flushes to +0: UE and PE, no DE */
    s = x87(SF_RN, 64);
    check64("fst32 tiny", f80_to_f32(&s, f80_make(false, 0, 1)), 0, &s, SF_UE | SF_PE);

    /* tininess after rounding (PC 24): 2^-16382 * (1 - 2^-25) rounds up to 2^-16382, so it is
     * not tiny: PE only, C1 set */
    s = x87(SF_RN, 24);
    r = f80_mul(&s, f80_make(false, 1, 1ull << 63), f80_make(false, 0x3ffe, 0xffffff8000000000ull));
    check80("tiny after rounding", r, 0x0001, 1ull << 63, &s, SF_PE, true);

    /* SSE: 1.0f + 2^-24 in round-to-nearest-even is 1.0f (a tie, even), inexact */
    s = sse(SF_RN);
    check64("addss tie", f32_add(&s, 0x3f800000u, 0x33800000u), 0x3f800000u, &s, SF_PE);
    /* SSE NaN rule: the first operand's NaN, quieted; SNaN signals IE */
    s = sse(SF_RN);
    check64("addss snan", f32_add(&s, 0x7f800001u, 0x7fc00002u), 0x7fc00001u, &s, SF_IE);
    /* DAZ: a denormal input counts as zero and raises no DE */
    s = sse(SF_RN);
    s.daz = true;
    check64("mulss daz", f32_mul(&s, 0x00000001u, 0x3f800000u), 0, &s, 0);
    /* FTZ: 2^-126 * 0.5 is tiny: flushed to +0 with UE and PE */
    s = sse(SF_RN);
    s.ftz = true;
    check64("mulss ftz", f32_mul(&s, 0x00800000u, 0x3f000000u), 0, &s, SF_UE | SF_PE);
    /* CVTTSD2SI of 2^31: out of range, IE and 0x80000000 */
    s = sse(SF_RN);
    check64("cvttsd2si 2^31", (uint32_t)f64_to_i32(&s, 0x41e0000000000000ull, true),
            0x80000000u, &s, SF_IE);
    /* sqrt(2) as binary64 */
    s = sse(SF_RN);
    check64("sqrtsd 2", f64_sqrt(&s, 0x4000000000000000ull), 0x3ff6a09e667f3bcdull, &s, SF_PE);

    printf("fast paths: %u operations compared with the general path\n",
           check_fast_paths(400000));
    printf("fast conversions: %u compared with the general path\n",
           check_fast_conversions(400000));

    if (failures) {
        printf("test-softfloat: %d failures\n", failures);
        return 1;
    }
    printf("test-softfloat: all passed\n");
    return 0;
}
