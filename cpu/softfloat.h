/*
 * Portable IEEE 754 binary arithmetic for the x87 (80-bit extended, with precision control)
 * and for SSE/SSE2 (binary32, binary64), written for x86's rules:
 *
 * - Exception flags use the bit positions shared by the x87 FSW and MXCSR (SF_IE..SF_PE).
 * - Tininess is detected after rounding (as on every x87/SSE unit); a masked
 *   underflow is signalled only when the denormalised result is also inexact.
 * - x87 mode (SFStatus.x87): 80-bit operands may be pseudo-denormals (accepted, DE),
 *   unnormals, pseudo-NaNs and pseudo-infinities (unsupported: IE, default NaN). NaN
 *   propagation follows SDM vol. 1 table 4-7 (quiet before signalling, then the larger
 *   significand). With OE/UE unmasked and SFStatus.adjust set, an overflowing or tiny
 *   result is delivered with its exponent adjusted by -/+24576 (register destinations).
 *   SFStatus.c1 tells whether the last rounding went up in magnitude (FSW.C1).
 * - SSE mode: NaN propagation takes the first operand; DAZ treats denormal inputs as zero
 *   (no DE) and FTZ flushes tiny results to zero (with UE and PE) when UE is masked.
 *
 * No host floating point is used: results are bit-exact on every host. Values are plain
 * integers (uint32_t/uint64_t for binary32/64, FloatX80 for the 80-bit format).
 */
#ifndef X86PC_CPU_SOFTFLOAT_H
#define X86PC_CPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/common.h"

/* Exception flags (FSW bits 0-5 and MXCSR bits 0-5; the masks are at FCW bits 0-5 and
 * MXCSR bits 7-12). */
#define SF_IE 0x01u /* invalid operation */
#define SF_DE 0x02u /* denormal operand */
#define SF_ZE 0x04u /* divide by zero */
#define SF_OE 0x08u /* overflow */
#define SF_UE 0x10u /* underflow */
#define SF_PE 0x20u /* precision (inexact) */

/* Rounding control, as encoded in FCW.RC and MXCSR.RC. */
enum { SF_RN = 0, SF_RD = 1, SF_RU = 2, SF_RZ = 3 };

typedef struct FloatX80 {
    uint64_t mant; /* explicit integer bit in bit 63 */
    uint16_t se;   /* sign in bit 15, biased exponent in bits 0-14 */
} FloatX80;

typedef struct SFStatus {
    uint8_t round; /* SF_R* */
    uint8_t prec;  /* 24, 53 or 64: significand bits of 80-bit arithmetic results */
    uint8_t flags; /* SF_* raised (accumulated by the caller) */
    uint8_t masks; /* SF_* masked; only OE/UE change results (x87 with adjust) */
    bool x87;      /* x87 NaN and operand rules, else SSE rules */
    bool adjust;   /* x87 register destination: unmasked OE/UE deliver adjusted exponent */
    bool daz, ftz; /* SSE MXCSR.DAZ / MXCSR.FTZ */
    bool c1;       /* out: last rounding incremented the magnitude */
} SFStatus;

#define F80_BIAS 16383
#define F80_DEFAULT_NAN ((FloatX80){0xc000000000000000ull, 0xffff}) /* real indefinite */
#define F32_DEFAULT_NAN 0xffc00000u
#define F64_DEFAULT_NAN 0xfff8000000000000ull

static inline FloatX80 f80_make(bool sign, uint32_t exp, uint64_t mant)
{
    FloatX80 r = {mant, (uint16_t)(((uint32_t)sign << 15) | exp)};
    return r;
}

static inline bool f80_sign(FloatX80 a)
{
    return (a.se >> 15) != 0;
}

static inline uint32_t f80_exp(FloatX80 a)
{
    return a.se & 0x7fffu;
}

static inline bool f80_is_nan(FloatX80 a)
{
    return f80_exp(a) == 0x7fff && (a.mant >> 63) && (a.mant << 1) != 0;
}

static inline bool f80_is_snan(FloatX80 a)
{
    return f80_is_nan(a) && !((a.mant >> 62) & 1);
}

/* Unnormal, pseudo-NaN or pseudo-infinity: invalid operands on a 387 and later. */
static inline bool f80_is_unsupported(FloatX80 a)
{
    return f80_exp(a) != 0 && !(a.mant >> 63);
}

static inline bool f80_is_zero(FloatX80 a)
{
    return f80_exp(a) == 0 && a.mant == 0;
}

static inline bool f80_is_inf(FloatX80 a)
{
    return f80_exp(a) == 0x7fff && a.mant == 0x8000000000000000ull;
}

/* Denormal or pseudo-denormal. */
static inline bool f80_is_denormal(FloatX80 a)
{
    return f80_exp(a) == 0 && a.mant != 0;
}

/* ---- 80-bit arithmetic (x87) ---- */
FloatX80 f80_add(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_sub(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_mul(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_div(SFStatus *s, FloatX80 a, FloatX80 b);
/*
 * The operations above without their fast paths (normal operands, normal result): the
 * reference the fast paths are tested against (tests/unit/test-softfloat.c).
 */
FloatX80 f80_add_general(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_sub_general(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_mul_general(SFStatus *s, FloatX80 a, FloatX80 b);
FloatX80 f80_sqrt(SFStatus *s, FloatX80 a);
/* Round to an integral value in the current rounding mode (FRNDINT). */
FloatX80 f80_round_int(SFStatus *s, FloatX80 a);
/* Re-round a (valid, finite or not) value to s->prec bits: FLD-free identity (x + 0). */
FloatX80 f80_round_prec(SFStatus *s, FloatX80 a);
/*
 * FPREM (ieee false: truncating quotient) / FPREM1 (ieee true: nearest quotient).
 * *quot receives the low three quotient bits, *partial whether the reduction is
 * incomplete (C2). Returns the (partial) remainder.
 */
FloatX80 f80_rem(SFStatus *s, FloatX80 a, FloatX80 b, bool ieee, unsigned *quot, bool *partial);
/* FSCALE: a * 2^trunc(b). */
FloatX80 f80_scale(SFStatus *s, FloatX80 a, FloatX80 b);
/* FXTRACT: *sig = significand of a (exponent 0), returns the exponent as a value. */
FloatX80 f80_xtract(SFStatus *s, FloatX80 a, FloatX80 *sig);
/*
 * Compare: returns SF_CMP_*. quiet: only SNaN operands raise IE (FUCOM, UCOMISS),
 * else any NaN does (FCOM, COMISS). Unsupported 80-bit formats raise IE (unordered).
 */
enum { SF_CMP_LT = 0, SF_CMP_EQ = 1, SF_CMP_GT = 2, SF_CMP_UN = 3 };
int f80_compare(SFStatus *s, FloatX80 a, FloatX80 b, bool quiet);

/* Conversions. Loading binary32/64 is exact (SNaN -> IE + quiet, denormal -> DE). */
FloatX80 f80_from_f32(SFStatus *s, uint32_t a);
FloatX80 f80_from_f64(SFStatus *s, uint64_t a);
FloatX80 f80_from_i64(int64_t a);
/* Rounded to binary32/64 with s->round (x87 FST: no precision control). */
uint32_t f80_to_f32(SFStatus *s, FloatX80 a);
uint64_t f80_to_f64(SFStatus *s, FloatX80 a);
/*
 * To a signed integer of 'bits' (16, 32, 64), rounding with s->round or toward zero
 * (trunc). Out of range, NaN or infinity: IE and the integer indefinite (1 << (bits-1)).
 */
int64_t f80_to_int(SFStatus *s, FloatX80 a, int bits, bool trunc);

/* ---- inline fast paths of the 80-bit arithmetic ----
 *
 * For the overwhelmingly common case: both operands normal (biased exponent 1..0x7ffe,
 * integer bit set) and a normal result, in any rounding mode and precision. They give
 * the same bits, flags and C1 as the general path (only PE can be raised; C1 is the
 * round-up indicator) and are what f80_add/f80_sub/f80_mul try first; the x87
 * interpreter calls them directly with the rounding control (SF_R*) and precision (24,
 * 53, 64) from FCW, so that nothing goes through memory. Whatever they do not cover
 * (zeros, denormals, infinities, NaNs, unsupported encodings, exact or deep cancellation,
 * alignment shifts of 64 bits or more, results that overflow or are tiny) returns false
 * with *flags, *c1 and *out untouched: the caller then takes the general path.
 * tests/unit/test-softfloat.c compares both paths over random operands. The conversions
 * below follow the same contract (only f80_add/f80_sub/f80_mul use a fast path
 * themselves; the conversion functions above are the general paths).
 */
void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo); /* see below */

static ALWAYS_INLINE bool f80_is_normal(FloatX80 a)
{
    return (uint32_t)f80_exp(a) - 1 < 0x7ffe && (a.mant >> 63);
}

/* Round away the bits r (bit 63 = half an ulp, the rest sticky)? odd: the kept LSB. */
static ALWAYS_INLINE bool sf_round_up(unsigned mode, bool sign, uint64_t r, bool odd)
{
    switch (mode) {
    case SF_RN:
        return r > 0x8000000000000000ull || (r == 0x8000000000000000ull && odd);
    case SF_RD:
        return sign && r;
    case SF_RU:
        return !sign && r;
    default:
        return false;
    }
}

/*
 * The fast paths below are written without data-dependent branches where the data
 * decide at random (operand order, carries, normalisation shifts, rounding direction):
 * in x87 code such branches are mispredicted about half the time and would cost more
 * than the arithmetic. The remaining branches (operand classes, range checks, the
 * rounding mode) are almost always predicted.
 */

/* Round hi.lo (hi bit 63 set) with biased exponent E to prec bits, if it stays normal. */
static ALWAYS_INLINE bool f80_round_fast(unsigned round, unsigned prec, bool sign, int32_t E,
                                         uint64_t hi, uint64_t lo, FloatX80 *out,
                                         uint8_t *flags, bool *c1)
{
    uint64_t r, lsb;
    bool inc, wrap;

    if (E < 1) { /* tiny before rounding: denormalisation in the general path */
        return false;
    }
    if (prec >= 64) {
        lsb = 1;
        r = lo;
    } else {
        lsb = 1ull << (64 - prec);
        r = ((hi & (lsb - 1)) << prec) | (lo != 0);
        hi &= ~(lsb - 1);
    }
    if (round == SF_RN) {
        inc = (r > 0x8000000000000000ull) | ((r == 0x8000000000000000ull) & ((hi & lsb) != 0));
    } else {
        inc = sf_round_up(round, sign, r, (hi & lsb) != 0);
    }
    hi += lsb & (0 - (uint64_t)inc);
    wrap = hi == 0; /* rounded up to the next power of two */
    hi |= (uint64_t)wrap << 63;
    E += wrap;
    if (E >= 0x7fff) { /* overflow */
        return false;
    }
    *flags |= (uint8_t)((r != 0) * SF_PE);
    *c1 = inc;
    *out = f80_make(sign, (uint32_t)E, hi);
    return true;
}

static ALWAYS_INLINE bool f80_mul_fast(unsigned round, unsigned prec, FloatX80 a, FloatX80 b,
                                       FloatX80 *out, uint8_t *flags, bool *c1)
{
    uint64_t hi, lo, top;
    int32_t E;

    if (!(f80_is_normal(a) && f80_is_normal(b))) {
        return false;
    }
    E = (int32_t)f80_exp(a) + (int32_t)f80_exp(b) - F80_BIAS;
#ifdef __SIZEOF_INT128__
    {
        unsigned __int128 p = (unsigned __int128)a.mant * b.mant;

        hi = (uint64_t)(p >> 64);
        lo = (uint64_t)p;
    }
#else
    sf_mul64(a.mant, b.mant, &hi, &lo);
#endif
    /* The product is in [2^126, 2^128): normalise by one bit when bit 127 is clear. */
    top = hi >> 63;
    E += (int32_t)top;
    hi = (hi << (top ^ 1)) | ((lo >> 63) & (top ^ 1));
    lo <<= top ^ 1;
    return f80_round_fast(round, prec, f80_sign(a) != f80_sign(b), E, hi, lo, out, flags, c1);
}

/* a + b, or a - b when sub. */
static ALWAYS_INLINE bool f80_add_fast(unsigned round, unsigned prec, FloatX80 a, FloatX80 b,
                                       bool sub, FloatX80 *out, uint8_t *flags, bool *c1)
{
    uint32_t ea = f80_exp(a), eb = f80_exp(b), d, e_big, e_small;
    bool sa = f80_sign(a), sb = f80_sign(b) != sub, swap, s_big, carry;
    uint64_t m_big, m_small, bhi, blo, shi, slo, dhi, dlo, hi, lo, mask;
    int32_t E;
    int sh;

    if (!(f80_is_normal(a) && f80_is_normal(b))) {
        return false;
    }
    /* big: the operand of larger magnitude, which gives the result its sign (selected
     * with masks: compilers turn conditional expressions back into branches here) */
    swap = (ea < eb) | ((ea == eb) & (a.mant < b.mant));
    mask = 0 - (uint64_t)swap;
    m_big = (a.mant & ~mask) | (b.mant & mask);
    m_small = (a.mant ^ b.mant) ^ m_big;
    e_big = (ea & ~(uint32_t)mask) | (eb & (uint32_t)mask);
    e_small = (ea ^ eb) ^ e_big;
    s_big = (sa & !swap) | (sb & swap);
    d = e_big - e_small;
    if (d >= 64) {
        return false;
    }
    bhi = m_small >> d;
    blo = (m_small << (63 - d)) << 1; /* the bits shifted out; 0 when d == 0 */
    /* sum: a carry out of bit 63 shifts right by one, keeping a sticky bit */
    shi = m_big + bhi;
    carry = shi < m_big;
    mask = 0 - (uint64_t)carry;
    slo = (blo & ~mask) | (((blo >> 1) | (shi << 63) | (blo & 1)) & mask);
    shi = (shi & ~mask) | (((shi >> 1) | (1ull << 63)) & mask);
    /* difference: exact in 128 bits; normalised by the leading zeros of the top half */
    dlo = 0 - blo;
    dhi = m_big - bhi - (blo != 0);
    if (sa == sb) {
        hi = shi;
        lo = slo;
        E = (int32_t)e_big + carry;
    } else {
        if (dhi == 0) { /* exact zero or deep cancellation */
            return false;
        }
        sh = __builtin_clzll(dhi);
        hi = (dhi << sh) | ((dlo >> 1) >> (63 - sh));
        lo = dlo << sh;
        E = (int32_t)e_big - sh;
    }
    return f80_round_fast(round, prec, s_big, E, hi, lo, out, flags, c1);
}

/* binary64 -> 80 bits for a normal binary64 (exact, no flags). */
static ALWAYS_INLINE bool f80_from_f64_fast(uint64_t a, FloatX80 *out)
{
    uint32_t E = (uint32_t)(a >> 52) & 0x7ff;

    if (E - 1 >= 0x7fe) {
        return false;
    }
    *out = f80_make((a >> 63) != 0, E - 1023 + F80_BIAS, (1ull << 63) | (a << 11));
    return true;
}

/* binary32 -> 80 bits for a normal binary32 (exact, no flags). */
static ALWAYS_INLINE bool f80_from_f32_fast(uint32_t a, FloatX80 *out)
{
    uint32_t E = (a >> 23) & 0xff;

    if (E - 1 >= 0xfe) {
        return false;
    }
    *out = f80_make((a >> 31) != 0, E - 127 + F80_BIAS, (1ull << 63) | ((uint64_t)a << 40));
    return true;
}

/* 80 bits -> binary64 (x87 FST: rounded with round, no precision control) for a normal
 * operand whose result is a normal binary64. */
static ALWAYS_INLINE bool f80_to_f64_fast(unsigned round, FloatX80 a, uint64_t *out, uint8_t *flags,
                                   bool *c1)
{
    int32_t E = (int32_t)f80_exp(a) - F80_BIAS + 1023;
    uint64_t m = a.mant, r = m << 53;
    bool sign = f80_sign(a), inc;

    if (!f80_is_normal(a) || E < 1) {
        return false;
    }
    m &= ~0x7ffull;
    inc = sf_round_up(round, sign, r, (m >> 11) & 1);
    if (inc) {
        m += 1ull << 11;
        if (m == 0) {
            m = 1ull << 63;
            E++;
        }
    }
    if (E >= 0x7ff) {
        return false;
    }
    if (r) {
        *flags |= SF_PE;
    }
    *c1 = inc;
    *out = ((uint64_t)sign << 63) | ((uint64_t)E << 52) | ((m >> 11) & 0xfffffffffffffull);
    return true;
}

/* ---- binary32 / binary64 (SSE, SSE2) ---- */
uint32_t f32_add(SFStatus *s, uint32_t a, uint32_t b);
uint32_t f32_sub(SFStatus *s, uint32_t a, uint32_t b);
uint32_t f32_mul(SFStatus *s, uint32_t a, uint32_t b);
uint32_t f32_div(SFStatus *s, uint32_t a, uint32_t b);
uint32_t f32_sqrt(SFStatus *s, uint32_t a);
uint64_t f64_add(SFStatus *s, uint64_t a, uint64_t b);
uint64_t f64_sub(SFStatus *s, uint64_t a, uint64_t b);
uint64_t f64_mul(SFStatus *s, uint64_t a, uint64_t b);
uint64_t f64_div(SFStatus *s, uint64_t a, uint64_t b);
uint64_t f64_sqrt(SFStatus *s, uint64_t a);
int f32_compare(SFStatus *s, uint32_t a, uint32_t b, bool quiet);
int f64_compare(SFStatus *s, uint64_t a, uint64_t b, bool quiet);
uint64_t f32_to_f64(SFStatus *s, uint32_t a);
uint32_t f64_to_f32(SFStatus *s, uint64_t a);
uint32_t i32_to_f32(SFStatus *s, int32_t a);
uint64_t i32_to_f64(int32_t a);
/* To int32 (CVT*2SI/DQ/PI): out of range or NaN -> IE and 0x80000000. */
int32_t f32_to_i32(SFStatus *s, uint32_t a, bool trunc);
int32_t f64_to_i32(SFStatus *s, uint64_t a, bool trunc);

static inline bool f32_is_nan(uint32_t a)
{
    return (a & 0x7fffffffu) > 0x7f800000u;
}

static inline bool f64_is_nan(uint64_t a)
{
    return (a & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}

/* Denormal input under the SSE rules (DAZ makes it zero, otherwise DE). */
static inline bool f32_is_denormal(uint32_t a)
{
    return (a & 0x7f800000u) == 0 && (a & 0x7fffffu) != 0;
}

static inline bool f64_is_denormal(uint64_t a)
{
    return (a & 0x7ff0000000000000ull) == 0 && (a & 0xfffffffffffffull) != 0;
}

/* ---- helpers shared with cpu/fpu.c (transcendental kernels) ---- */
/* 64 x 64 -> 128-bit product. */
void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo);
/*
 * Round and pack an unpacked value into the 80-bit format: (-1)^sign * hi.lo * 2^e, where
 * hi has bit 63 set (the integer bit) and lo holds the bits below it; e is unbiased.
 */
FloatX80 f80_round_pack(SFStatus *s, bool sign, int32_t e, uint64_t hi, uint64_t lo, int prec);

#endif
