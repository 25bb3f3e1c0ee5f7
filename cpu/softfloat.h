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
