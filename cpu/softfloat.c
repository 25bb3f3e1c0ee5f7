/*
 * Portable IEEE 754 arithmetic with x86's rules (see cpu/softfloat.h for the contract).
 *
 * Every operation unpacks its operands into (sign, unbiased exponent, 64-bit significand
 * with the integer bit at bit 63), computes the exact result or a 128-bit truncation of it
 * with a sticky bit ("hi.lo"), and hands that to one rounding routine parameterised by the
 * destination format (bias, all-ones exponent, precision). Special operands (zeros,
 * infinities, NaNs, x87 unsupported encodings) are dealt with before the unpacking.
 */
#include "cpu/softfloat.h"

#include "util/common.h"

enum { K_ZERO, K_FINITE, K_INF, K_NAN };

/* An unpacked operand or unrounded result: for K_FINITE, value = sig * 2^(e - 63) (with
 * lo: (hi + lo / 2^64) * 2^(e - 63)) and hi bit 63 set. */
typedef struct Val {
    int k;
    bool sign;
    int32_t e;
    uint64_t hi, lo;
} Val;

typedef struct Fmt {
    int32_t bias;
    int32_t emax; /* all-ones biased exponent */
    int prec;
} Fmt;

static const Fmt fmt32 = {127, 0xff, 24};
static const Fmt fmt64 = {1023, 0x7ff, 53};

/* ---- 64/128-bit helpers ---- */

static inline int clz64(uint64_t v)
{
    return __builtin_clzll(v);
}

void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128)a * b;

    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* (nh:nl) / d with nh < d: quotient, *rem the remainder. */
static uint64_t div128(uint64_t nh, uint64_t nl, uint64_t d, uint64_t *rem)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 n = ((unsigned __int128)nh << 64) | nl;

    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#else
    uint64_t q = 0;

    for (int i = 0; i < 64; i++) {
        bool carry = (nh >> 63) != 0;

        nh = (nh << 1) | (nl >> 63);
        nl <<= 1;
        q <<= 1;
        if (carry || nh >= d) {
            nh -= d;
            q |= 1;
        }
    }
    *rem = nh;
    return q;
#endif
}

/* Shift hi:lo right by n, ORing every bit shifted out into bit 0 of lo. */
static void shr128_jam(uint64_t *hi, uint64_t *lo, uint32_t n)
{
    uint64_t h = *hi, l = *lo;

    if (n == 0) {
        return;
    }
    if (n < 64) {
        bool jam = (l << (64 - n)) != 0;
        l = (h << (64 - n)) | (l >> n) | jam;
        h >>= n;
    } else if (n == 64) {
        l = h | (l != 0);
        h = 0;
    } else if (n < 128) {
        bool jam = l != 0 || (h << (128 - n)) != 0;
        l = (h >> (n - 64)) | jam;
        h = 0;
    } else {
        l = (h | l) != 0;
        h = 0;
    }
    *hi = h;
    *lo = l;
}

/* Normalise a non-zero hi.lo so that bit 63 of hi is set. */
static void norm128(Val *v)
{
    int sh;

    if (v->hi == 0) {
        v->hi = v->lo;
        v->lo = 0;
        v->e -= 64;
    }
    sh = clz64(v->hi);
    if (sh) {
        v->hi = (v->hi << sh) | (v->lo >> (64 - sh));
        v->lo <<= sh;
        v->e -= sh;
    }
}

/* ---- rounding ---- */

/* Round away the bits r (bit 63 = half an ulp, the rest sticky)? odd: the kept LSB. */
static inline bool round_up(unsigned mode, bool sign, uint64_t r, bool odd)
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
 * Round v (K_FINITE, normalised) to prec bits for a format with the given bias and
 * all-ones exponent. Returns the significand (integer bit explicit; clear for a
 * denormal) and the biased exponent in *eout (emax with sig 1 << 63: infinity).
 */
static uint64_t round_core(SFStatus *s, int32_t bias, int32_t emax, int prec, bool sign,
                           int32_t e, uint64_t hi, uint64_t lo, int32_t *eout)
{
    int32_t E = e + bias;
    uint64_t lsb = prec >= 64 ? 1 : 1ull << (64 - prec);
    uint64_t rmask = lsb - 1;
    bool tiny = false, inc, sse_ue = false;
    uint64_t r;
    uint8_t fl = 0;

    s->c1 = false;
    if (E <= 0) {
        /*
         * Tininess is detected after rounding: a value just below the smallest normal
         * that rounds up to it (with an unbounded exponent) is not tiny.
         */
        bool is_tiny = true;

        if (E == 0) {
            uint64_t r0 = prec >= 64 ? lo : (((hi & rmask) << prec) | (lo != 0));
            bool inc0 = round_up(s->round, sign, r0, (hi & lsb) != 0);

            is_tiny = !(inc0 && (hi | rmask) == ~0ull);
        }
        if (is_tiny && s->x87 && s->adjust && !(s->masks & SF_UE)) {
            if (E + 24576 <= 0) {
                /* even the adjusted exponent underflows (FSCALE by a huge negative
                 * power): zero whatever the rounding, as the x87 does */
                s->flags |= SF_UE | SF_PE;
                *eout = 0;
                return 0;
            }
            E += 24576;
            fl |= SF_UE;
        } else if (is_tiny && !s->x87 && !(s->masks & SF_UE)) {
            /* SSE with UE unmasked: no result is delivered (#XM); it is rounded with an
             * unbounded exponent so that PE tells whether that is inexact */
            fl |= SF_UE;
            sse_ue = true;
        }
        if (E <= 0 && !sse_ue) {
            if (is_tiny && !s->x87 && s->ftz && (s->masks & SF_UE)) {
                s->flags |= SF_UE | SF_PE;
                *eout = 0;
                return 0;
            }
            tiny = is_tiny;
            shr128_jam(&hi, &lo, (uint32_t)(1 - E) > 200 ? 200 : (uint32_t)(1 - E));
            E = 0;
        }
    }
    r = prec >= 64 ? lo : (((hi & rmask) << prec) | (lo != 0));
    inc = round_up(s->round, sign, r, (hi & lsb) != 0);
    hi &= ~rmask;
    if (inc) {
        hi += lsb;
        if (hi == 0) {
            hi = 1ull << 63;
            E++;
        } else if (E == 0 && (hi >> 63)) {
            E = 1;
        }
    }
    if (r) {
        fl |= SF_PE;
        if (tiny) {
            fl |= SF_UE;
        }
    } else if (tiny && !(s->masks & SF_UE)) {
        fl |= SF_UE; /* unmasked underflow: tininess alone, even if exact (IEEE 754) */
    }
    if (E >= emax) {
        if (s->x87 && s->adjust && !(s->masks & SF_OE)) {
            if (E - 24576 >= emax) {
                /* even the adjusted exponent overflows (FSCALE by a huge power):
                 * infinity whatever the rounding, as the x87 does */
                s->flags |= fl | SF_OE | SF_PE;
                *eout = emax;
                s->c1 = true;
                return 1ull << 63;
            }
            E -= 24576;
            fl |= SF_OE;
        } else {
            bool to_inf = s->round == SF_RN || (s->round == SF_RU && !sign) ||
                          (s->round == SF_RD && sign);

            /* SSE with OE unmasked: no result is delivered; PE tells whether the
             * result rounded with an unbounded exponent is inexact (fl) */
            s->flags |= fl | SF_OE | (!s->x87 && !(s->masks & SF_OE) ? 0 : SF_PE);
            if (to_inf) {
                *eout = emax;
                s->c1 = true;
                return 1ull << 63;
            }
            *eout = emax - 1;
            return ~rmask;
        }
    }
    s->flags |= fl;
    s->c1 = inc;
    *eout = E;
    return hi;
}

FloatX80 f80_round_pack(SFStatus *s, bool sign, int32_t e, uint64_t hi, uint64_t lo, int prec)
{
    int32_t E;
    uint64_t m = round_core(s, F80_BIAS, 0x7fff, prec, sign, e, hi, lo, &E);

    return f80_make(sign, (uint32_t)E, m);
}

static FloatX80 finish80(SFStatus *s, const Val *v, int prec)
{
    switch (v->k) {
    case K_ZERO:
        s->c1 = false;
        return f80_make(v->sign, 0, 0);
    case K_INF:
        s->c1 = false;
        return f80_make(v->sign, 0x7fff, 1ull << 63);
    case K_NAN:
        s->c1 = false;
        return F80_DEFAULT_NAN;
    default:
        return f80_round_pack(s, v->sign, v->e, v->hi, v->lo, prec);
    }
}

static uint64_t finish64(SFStatus *s, const Val *v)
{
    int32_t E;
    uint64_t m;

    switch (v->k) {
    case K_ZERO:
        return (uint64_t)v->sign << 63;
    case K_INF:
        return ((uint64_t)v->sign << 63) | 0x7ff0000000000000ull;
    case K_NAN:
        return F64_DEFAULT_NAN;
    default:
        m = round_core(s, fmt64.bias, fmt64.emax, fmt64.prec, v->sign, v->e, v->hi, v->lo, &E);
        return ((uint64_t)v->sign << 63) | ((uint64_t)E << 52) | ((m >> 11) & 0xfffffffffffffull);
    }
}

static uint32_t finish32(SFStatus *s, const Val *v)
{
    int32_t E;
    uint64_t m;

    switch (v->k) {
    case K_ZERO:
        return (uint32_t)v->sign << 31;
    case K_INF:
        return ((uint32_t)v->sign << 31) | 0x7f800000u;
    case K_NAN:
        return F32_DEFAULT_NAN;
    default:
        m = round_core(s, fmt32.bias, fmt32.emax, fmt32.prec, v->sign, v->e, v->hi, v->lo, &E);
        return ((uint32_t)v->sign << 31) | ((uint32_t)E << 23) | (uint32_t)((m >> 40) & 0x7fffff);
    }
}

/* ---- unpacking (NaNs and unsupported encodings are handled by the callers) ---- */

static void unpack80(SFStatus *s, FloatX80 a, Val *v)
{
    uint32_t E = f80_exp(a);

    v->sign = f80_sign(a);
    v->hi = a.mant;
    v->lo = 0;
    if (E == 0x7fff) {
        v->k = K_INF;
    } else if (E == 0) {
        if (a.mant == 0) {
            v->k = K_ZERO;
            return;
        }
        s->flags |= SF_DE;
        v->k = K_FINITE;
        v->e = 1 - F80_BIAS;
        norm128(v);
    } else {
        v->k = K_FINITE;
        v->e = (int32_t)E - F80_BIAS;
    }
}

static void unpack64(SFStatus *s, uint64_t a, Val *v)
{
    uint32_t E = (uint32_t)(a >> 52) & 0x7ff;
    uint64_t f = a & 0xfffffffffffffull;

    v->sign = (a >> 63) != 0;
    v->lo = 0;
    if (E == 0x7ff) {
        v->k = f ? K_NAN : K_INF;
    } else if (E == 0) {
        if (f == 0 || s->daz) {
            v->k = K_ZERO;
            return;
        }
        s->flags |= SF_DE;
        v->k = K_FINITE;
        v->hi = f << 11;
        v->e = 1 - 1023;
        norm128(v);
    } else {
        v->k = K_FINITE;
        v->hi = (1ull << 63) | (f << 11);
        v->e = (int32_t)E - 1023;
    }
}

static void unpack32(SFStatus *s, uint32_t a, Val *v)
{
    uint32_t E = (a >> 23) & 0xff;
    uint64_t f = a & 0x7fffff;

    v->sign = (a >> 31) != 0;
    v->lo = 0;
    if (E == 0xff) {
        v->k = f ? K_NAN : K_INF;
    } else if (E == 0) {
        if (f == 0 || s->daz) {
            v->k = K_ZERO;
            return;
        }
        s->flags |= SF_DE;
        v->k = K_FINITE;
        v->hi = f << 40;
        v->e = 1 - 127;
        norm128(v);
    } else {
        v->k = K_FINITE;
        v->hi = (1ull << 63) | (f << 40);
        v->e = (int32_t)E - 127;
    }
}

/* ---- generic operations on unpacked values (no NaN operands) ---- */

static void invalid(SFStatus *s, Val *r)
{
    s->flags |= SF_IE;
    r->k = K_NAN;
}

/* Exception priority (SDM vol. 1 4.9.2): an invalid operation or a division by zero
 * suppresses the denormal-operand exception of the same operation. The operation ran
 * with s->flags cleared; before: the flags accumulated until then. */
static void de_priority(SFStatus *s, uint8_t before)
{
    if (s->flags & (SF_IE | SF_ZE)) {
        s->flags &= (uint8_t)~SF_DE;
    }
    s->flags |= before;
}

static void gen_add(SFStatus *s, const Val *a0, const Val *b0, bool sub, Val *r)
{
    Val a = *a0, b = *b0;
    uint32_t d;

    b.sign ^= sub;
    if (a.k == K_INF || b.k == K_INF) {
        if (a.k == K_INF && b.k == K_INF && a.sign != b.sign) {
            invalid(s, r);
            return;
        }
        r->k = K_INF;
        r->sign = a.k == K_INF ? a.sign : b.sign;
        return;
    }
    if (a.k == K_ZERO && b.k == K_ZERO) {
        r->k = K_ZERO;
        r->sign = a.sign == b.sign ? a.sign : s->round == SF_RD;
        return;
    }
    if (b.k == K_ZERO) {
        *r = a;
        return;
    }
    if (a.k == K_ZERO) {
        *r = b;
        return;
    }
    if (a.e < b.e || (a.e == b.e && a.hi < b.hi)) {
        Val t = a;
        a = b;
        b = t;
    }
    d = (uint32_t)(a.e - b.e);
    b.lo = 0;
    shr128_jam(&b.hi, &b.lo, d > 200 ? 200 : d);
    r->k = K_FINITE;
    r->sign = a.sign;
    r->e = a.e;
    if (a.sign == b.sign) {
        uint64_t hi = a.hi + b.hi;

        r->lo = b.lo;
        if (hi < a.hi) {
            r->lo = (r->lo >> 1) | (hi << 63) | (r->lo & 1);
            hi = (hi >> 1) | (1ull << 63);
            r->e++;
        }
        r->hi = hi;
    } else {
        r->lo = 0 - b.lo;
        r->hi = a.hi - b.hi - (b.lo != 0);
        if (r->hi == 0 && r->lo == 0) {
            r->k = K_ZERO;
            r->sign = s->round == SF_RD;
            return;
        }
        norm128(r);
    }
}

static void gen_mul(SFStatus *s, const Val *a, const Val *b, Val *r)
{
    r->sign = a->sign ^ b->sign;
    if (a->k == K_INF || b->k == K_INF) {
        if (a->k == K_ZERO || b->k == K_ZERO) {
            invalid(s, r);
        } else {
            r->k = K_INF;
        }
        return;
    }
    if (a->k == K_ZERO || b->k == K_ZERO) {
        r->k = K_ZERO;
        return;
    }
    r->k = K_FINITE;
    sf_mul64(a->hi, b->hi, &r->hi, &r->lo);
    r->e = a->e + b->e;
    if (r->hi >> 63) {
        r->e++;
    } else {
        r->hi = (r->hi << 1) | (r->lo >> 63);
        r->lo <<= 1;
    }
}

static void gen_div(SFStatus *s, const Val *a, const Val *b, Val *r)
{
    uint64_t rem, q2;

    r->sign = a->sign ^ b->sign;
    if (a->k == K_INF) {
        if (b->k == K_INF) {
            invalid(s, r);
        } else {
            r->k = K_INF;
        }
        return;
    }
    if (b->k == K_INF) {
        r->k = K_ZERO;
        return;
    }
    if (b->k == K_ZERO) {
        if (a->k == K_ZERO) {
            invalid(s, r);
        } else {
            s->flags |= SF_ZE;
            r->k = K_INF;
        }
        return;
    }
    if (a->k == K_ZERO) {
        r->k = K_ZERO;
        return;
    }
    r->k = K_FINITE;
    if (a->hi >= b->hi) {
        r->hi = div128(a->hi >> 1, a->hi << 63, b->hi, &rem);
        r->e = a->e - b->e;
    } else {
        r->hi = div128(a->hi, 0, b->hi, &rem);
        r->e = a->e - b->e - 1;
    }
    q2 = div128(rem, 0, b->hi, &rem);
    r->lo = q2 | (rem != 0);
}

/* Integer square root of the 128-bit rh:rl: the root and whether the remainder is zero
 * (*exact) or greater than the root (*above_half: the fraction exceeds one half). */
static uint64_t isqrt128(uint64_t rh, uint64_t rl, bool *exact, bool *above_half)
{
    uint64_t root = 0, remh = 0, reml = 0;

    for (int i = 0; i < 64; i++) {
        uint64_t th, tl;

        /* rem = rem << 2 | next two bits */
        remh = (remh << 2) | (reml >> 62);
        reml = (reml << 2) | (rh >> 62);
        rh = (rh << 2) | (rl >> 62);
        rl <<= 2;
        /* trial = root << 2 | 1 */
        th = root >> 62;
        tl = (root << 2) | 1;
        if (remh > th || (remh == th && reml >= tl)) {
            remh = remh - th - (reml < tl);
            reml -= tl;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    *exact = remh == 0 && reml == 0;
    *above_half = remh != 0 || reml > root;
    return root;
}

static void gen_sqrt(SFStatus *s, const Val *a, Val *r)
{
    uint32_t sh;
    bool exact, above;
    uint64_t rh, rl;

    r->sign = a->sign;
    if (a->k == K_ZERO) {
        r->k = K_ZERO;
        return;
    }
    if (a->sign) {
        invalid(s, r);
        return;
    }
    if (a->k == K_INF) {
        r->k = K_INF;
        return;
    }
    /* radicand sig * 2^sh with (e - 63 - sh) even, sh in {63, 64} */
    sh = (a->e & 1) ? 64 : 63;
    if (sh == 64) {
        rh = a->hi;
        rl = 0;
    } else {
        rh = a->hi >> 1;
        rl = a->hi << 63;
    }
    r->k = K_FINITE;
    r->hi = isqrt128(rh, rl, &exact, &above);
    r->lo = (above ? 0x8000000000000000ull : 0) | !exact;
    r->e = (a->e - 63 - (int32_t)sh) / 2 + 63;
}

/* ---- NaN propagation ---- */

static FloatX80 f80_quiet(FloatX80 a)
{
    a.mant |= 1ull << 62;
    return a;
}

/* Result of a two-operand x87 operation when an operand is a NaN or unsupported. */
static FloatX80 f80_nan2(SFStatus *s, FloatX80 a, FloatX80 b)
{
    bool an = f80_is_nan(a), bn = f80_is_nan(b);
    bool as = f80_is_snan(a), bs = f80_is_snan(b);

    s->c1 = false;
    if (f80_is_unsupported(a) || f80_is_unsupported(b)) {
        s->flags |= SF_IE;
        return F80_DEFAULT_NAN;
    }
    if (as || bs) {
        s->flags |= SF_IE;
    }
    if (an && bn) {
        if (as != bs) {
            return as ? f80_quiet(b) : f80_quiet(a);
        }
        if ((a.mant << 1) != (b.mant << 1)) {
            return (a.mant << 1) > (b.mant << 1) ? f80_quiet(a) : f80_quiet(b);
        }
        return f80_quiet(a.se < b.se ? a : b);
    }
    return an ? f80_quiet(a) : f80_quiet(b);
}

static inline bool f80_special2(FloatX80 a, FloatX80 b)
{
    return f80_is_nan(a) || f80_is_nan(b) || f80_is_unsupported(a) || f80_is_unsupported(b);
}

static uint64_t f64_nan2(SFStatus *s, uint64_t a, uint64_t b)
{
    bool an = f64_is_nan(a);

    if ((an && !(a & (1ull << 51))) || (f64_is_nan(b) && !(b & (1ull << 51)))) {
        s->flags |= SF_IE;
    }
    return (an ? a : b) | (1ull << 51);
}

static uint32_t f32_nan2(SFStatus *s, uint32_t a, uint32_t b)
{
    bool an = f32_is_nan(a);

    if ((an && !(a & (1u << 22))) || (f32_is_nan(b) && !(b & (1u << 22)))) {
        s->flags |= SF_IE;
    }
    return (an ? a : b) | (1u << 22);
}

/* ---- 80-bit operations ---- */

static FloatX80 f80_addsub_general(SFStatus *s, FloatX80 a, FloatX80 b, bool sub)
{
    Val va, vb, r;

    if (f80_special2(a, b)) {
        return f80_nan2(s, a, b);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    gen_add(s, &va, &vb, sub, &r);
    de_priority(s, f0);
    return finish80(s, &r, s->prec);
}

FloatX80 f80_add(SFStatus *s, FloatX80 a, FloatX80 b)
{
    FloatX80 r;

    if (likely(f80_add_fast(s->round, s->prec, a, b, false, &r, &s->flags, &s->c1))) {
        return r;
    }
    return f80_addsub_general(s, a, b, false);
}

FloatX80 f80_sub(SFStatus *s, FloatX80 a, FloatX80 b)
{
    FloatX80 r;

    if (likely(f80_add_fast(s->round, s->prec, a, b, true, &r, &s->flags, &s->c1))) {
        return r;
    }
    return f80_addsub_general(s, a, b, true);
}

FloatX80 f80_add_general(SFStatus *s, FloatX80 a, FloatX80 b)
{
    return f80_addsub_general(s, a, b, false);
}

FloatX80 f80_sub_general(SFStatus *s, FloatX80 a, FloatX80 b)
{
    return f80_addsub_general(s, a, b, true);
}

FloatX80 f80_mul(SFStatus *s, FloatX80 a, FloatX80 b)
{
    FloatX80 r;

    if (likely(f80_mul_fast(s->round, s->prec, a, b, &r, &s->flags, &s->c1))) {
        return r;
    }
    return f80_mul_general(s, a, b);
}

FloatX80 f80_mul_general(SFStatus *s, FloatX80 a, FloatX80 b)
{
    Val va, vb, r;

    if (f80_special2(a, b)) {
        return f80_nan2(s, a, b);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    gen_mul(s, &va, &vb, &r);
    de_priority(s, f0);
    return finish80(s, &r, s->prec);
}

FloatX80 f80_div(SFStatus *s, FloatX80 a, FloatX80 b)
{
    Val va, vb, r;

    if (f80_special2(a, b)) {
        return f80_nan2(s, a, b);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    gen_div(s, &va, &vb, &r);
    de_priority(s, f0);
    return finish80(s, &r, s->prec);
}

/* One-operand NaN/unsupported result. */
static FloatX80 f80_nan1(SFStatus *s, FloatX80 a)
{
    s->c1 = false;
    if (f80_is_unsupported(a)) {
        s->flags |= SF_IE;
        return F80_DEFAULT_NAN;
    }
    if (f80_is_snan(a)) {
        s->flags |= SF_IE;
    }
    return f80_quiet(a);
}

static inline bool f80_special1(FloatX80 a)
{
    return f80_is_nan(a) || f80_is_unsupported(a);
}

FloatX80 f80_sqrt(SFStatus *s, FloatX80 a)
{
    Val va, r;

    if (f80_special1(a)) {
        return f80_nan1(s, a);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack80(s, a, &va);
    gen_sqrt(s, &va, &r);
    de_priority(s, f0);
    return finish80(s, &r, s->prec);
}

FloatX80 f80_round_prec(SFStatus *s, FloatX80 a)
{
    Val va;

    if (f80_special1(a)) {
        return f80_nan1(s, a);
    }
    unpack80(s, a, &va);
    return finish80(s, &va, s->prec);
}

/*
 * Round |sig * 2^(e - 63)| (e <= 62) to an integer with mode s->round: returns the
 * magnitude, *inexact and *inc (rounded up).
 */
static uint64_t round_mag(const SFStatus *s, bool sign, int32_t e, uint64_t sig, bool *inexact,
                          bool *inc)
{
    uint64_t ip, r;
    bool up;

    if (e < -1) {
        ip = 0;
        r = 1;
    } else if (e == -1) {
        ip = 0;
        r = sig;
    } else {
        ip = sig >> (63 - e);
        r = sig << (e + 1);
    }
    switch (s->round) {
    case SF_RN:
        up = r > 0x8000000000000000ull || (r == 0x8000000000000000ull && (ip & 1));
        break;
    case SF_RD:
        up = sign && r;
        break;
    case SF_RU:
        up = !sign && r;
        break;
    default:
        up = false;
        break;
    }
    *inexact = r != 0;
    *inc = up;
    return ip + up;
}

FloatX80 f80_round_int(SFStatus *s, FloatX80 a)
{
    Val va;
    bool inexact, inc;
    uint64_t m;
    int sh;

    if (f80_special1(a)) {
        return f80_nan1(s, a);
    }
    s->c1 = false;
    unpack80(s, a, &va);
    if (va.k != K_FINITE) {
        return a;
    }
    if (va.e >= 63) {
        return f80_make(va.sign, (uint32_t)(va.e + F80_BIAS), va.hi);
    }
    m = round_mag(s, va.sign, va.e, va.hi, &inexact, &inc);
    if (inexact) {
        s->flags |= SF_PE;
    }
    s->c1 = inc;
    if (m == 0) {
        return f80_make(va.sign, 0, 0);
    }
    sh = clz64(m);
    return f80_make(va.sign, (uint32_t)(63 - sh + F80_BIAS), m << sh);
}

int64_t f80_to_int(SFStatus *s, FloatX80 a, int bits, bool trunc)
{
    Val va;
    bool inexact, inc;
    uint64_t m, lim = 1ull << (bits - 1);
    SFStatus t = *s;

    s->c1 = false;
    if (f80_special1(a) || f80_exp(a) == 0x7fff) {
        s->flags |= SF_IE;
        return (int64_t)(0 - lim);
    }
    t.flags = s->flags;
    unpack80(&t, a, &va); /* integer stores do not signal DE */
    if (va.k == K_ZERO) {
        return 0;
    }
    if (va.e >= 63) {
        if (va.e == 63 && va.sign && va.hi == lim && bits == 64) {
            return INT64_MIN;
        }
        s->flags |= SF_IE;
        return (int64_t)(0 - lim);
    }
    if (trunc) {
        t.round = SF_RZ;
    }
    m = round_mag(&t, va.sign, va.e, va.hi, &inexact, &inc);
    if (m > lim - !va.sign) {
        s->flags |= SF_IE;
        return (int64_t)(0 - lim);
    }
    if (inexact) {
        s->flags |= SF_PE;
    }
    s->c1 = inc;
    return va.sign ? (int64_t)(0 - m) : (int64_t)m;
}

int f80_compare(SFStatus *s, FloatX80 a, FloatX80 b, bool quiet)
{
    Val va, vb;

    if (f80_special2(a, b)) {
        if (f80_is_unsupported(a) || f80_is_unsupported(b) || !quiet || f80_is_snan(a) ||
            f80_is_snan(b)) {
            s->flags |= SF_IE;
        }
        return SF_CMP_UN;
    }
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    if (va.k == K_ZERO && vb.k == K_ZERO) {
        return SF_CMP_EQ;
    }
    if (va.k == K_ZERO) {
        return vb.sign ? SF_CMP_GT : SF_CMP_LT;
    }
    if (vb.k == K_ZERO) {
        return va.sign ? SF_CMP_LT : SF_CMP_GT;
    }
    if (va.sign != vb.sign) {
        return va.sign ? SF_CMP_LT : SF_CMP_GT;
    }
    if (va.k == K_INF || vb.k == K_INF) {
        if (va.k == vb.k) {
            return SF_CMP_EQ;
        }
        return (va.k == K_INF) != va.sign ? SF_CMP_GT : SF_CMP_LT;
    }
    if (va.e == vb.e && va.hi == vb.hi) {
        return SF_CMP_EQ;
    }
    return ((va.e > vb.e || (va.e == vb.e && va.hi > vb.hi)) != va.sign) ? SF_CMP_GT : SF_CMP_LT;
}

FloatX80 f80_rem(SFStatus *s, FloatX80 a, FloatX80 b, bool ieee, unsigned *quot, bool *partial)
{
    Val va, vb;
    int32_t d, eb;
    uint64_t q, r, nh, nl;
    bool sign;
    uint8_t f0;

    *quot = 0;
    *partial = false;
    if (f80_special2(a, b)) {
        return f80_nan2(s, a, b);
    }
    s->c1 = false;
    f0 = s->flags;
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    if (va.k == K_INF || vb.k == K_ZERO) {
        s->flags = (uint8_t)((s->flags & ~SF_DE) | (f0 & SF_DE) | SF_IE);
        return F80_DEFAULT_NAN;
    }
    if (va.k == K_ZERO) {
        return a;
    }
    if (vb.k == K_INF) {
        return f80_round_pack(s, va.sign, va.e, va.hi, 0, 64); /* normalises pseudo-denormals */
    }
    d = va.e - vb.e;
    eb = vb.e;
    if (d < 0) {
        /* |a| < |b|: the quotient is 0, except FPREM1 with |a| > |b| / 2 (quotient 1) */
        if (ieee && d == -1 && va.hi > vb.hi) {
            r = vb.hi - (va.hi - vb.hi); /* (2|b| - |a|) in units of 2^(a.e - 63) */
            *quot = 1;
            {
                int sh = clz64(r);
                return f80_round_pack(s, !va.sign, va.e - sh, r << sh, 0, 64);
            }
        }
        return f80_round_pack(s, va.sign, va.e, va.hi, 0, 64);
    } else if (d >= 64) {
        /* partial reduction: exponent lowered by N = 32..63 */
        int32_t n = (d & 31) | 32;
        eb = va.e - n;
        d = n;
        *partial = true;
    }
    /* a = va.hi * 2^(va.e - 63), b' = vb.hi * 2^(eb - 63), 0 <= d <= 63 */
    nh = d ? va.hi >> (64 - d) : 0;
    nl = va.hi << d;
    q = div128(nh, nl, vb.hi, &r);
    sign = va.sign;
    if (ieee && !*partial) {
        /* round the quotient to nearest even: r > b/2, or r == b/2 with q odd */
        if (r > vb.hi - r || (r == vb.hi - r && (q & 1))) {
            q++;
            r = vb.hi - r;
            sign = !sign;
        }
    }
    /* the quotient bits are reported only for a complete reduction (C2 = 0) */
    *quot = *partial ? 0 : (unsigned)(q & 7);
    if (r == 0) {
        return f80_make(va.sign, 0, 0);
    }
    {
        int sh = clz64(r);
        return f80_round_pack(s, sign, eb - sh, r << sh, 0, 64);
    }
}

FloatX80 f80_scale(SFStatus *s, FloatX80 a, FloatX80 b)
{
    Val va, vb;
    int32_t n;

    if (f80_special2(a, b)) {
        return f80_nan2(s, a, b);
    }
    s->c1 = false;
    unpack80(s, a, &va);
    unpack80(s, b, &vb);
    if (vb.k == K_INF) {
        if (!vb.sign) {
            if (va.k == K_ZERO) {
                s->flags |= SF_IE;
                return F80_DEFAULT_NAN;
            }
            return f80_make(va.sign, 0x7fff, 1ull << 63);
        }
        if (va.k == K_INF) {
            s->flags |= SF_IE;
            return F80_DEFAULT_NAN;
        }
        return f80_make(va.sign, 0, 0);
    }
    if (va.k != K_FINITE) {
        return a;
    }
    if (vb.k == K_ZERO || vb.e < 0) {
        n = 0;
    } else if (vb.e > 30) {
        n = vb.sign ? -0x10000 : 0x10000;
    } else {
        n = (int32_t)(vb.hi >> (63 - vb.e));
        if (vb.sign) {
            n = -n;
        }
    }
    return f80_round_pack(s, va.sign, va.e + n, va.hi, 0, 64);
}

FloatX80 f80_xtract(SFStatus *s, FloatX80 a, FloatX80 *sig)
{
    Val va;
    int32_t e;
    uint32_t ae;
    int sh;

    s->c1 = false;
    if (f80_special1(a)) {
        *sig = f80_nan1(s, a);
        return *sig;
    }
    unpack80(s, a, &va);
    if (va.k == K_ZERO) {
        s->flags |= SF_ZE;
        *sig = a;
        return f80_make(true, 0x7fff, 1ull << 63);
    }
    if (va.k == K_INF) {
        *sig = a;
        return f80_make(false, 0x7fff, 1ull << 63);
    }
    *sig = f80_make(va.sign, F80_BIAS, va.hi);
    e = va.e;
    if (e == 0) {
        return f80_make(false, 0, 0);
    }
    ae = (uint32_t)(e < 0 ? -e : e);
    sh = clz64(ae);
    return f80_make(e < 0, (uint32_t)(63 - sh + F80_BIAS), (uint64_t)ae << sh);
}

/* ---- conversions ---- */

FloatX80 f80_from_f32(SFStatus *s, uint32_t a)
{
    Val v;

    if (f32_is_nan(a)) {
        if (!(a & (1u << 22))) {
            s->flags |= SF_IE;
        }
        return f80_make(a >> 31, 0x7fff, (1ull << 63) | (1ull << 62) | ((uint64_t)a << 40));
    }
    unpack32(s, a, &v);
    switch (v.k) {
    case K_ZERO:
        return f80_make(v.sign, 0, 0);
    case K_INF:
        return f80_make(v.sign, 0x7fff, 1ull << 63);
    default:
        return f80_make(v.sign, (uint32_t)(v.e + F80_BIAS), v.hi);
    }
}

FloatX80 f80_from_f64(SFStatus *s, uint64_t a)
{
    Val v;

    if (f64_is_nan(a)) {
        if (!(a & (1ull << 51))) {
            s->flags |= SF_IE;
        }
        return f80_make((a >> 63) != 0, 0x7fff, (1ull << 63) | (1ull << 62) | (a << 11));
    }
    unpack64(s, a, &v);
    switch (v.k) {
    case K_ZERO:
        return f80_make(v.sign, 0, 0);
    case K_INF:
        return f80_make(v.sign, 0x7fff, 1ull << 63);
    default:
        return f80_make(v.sign, (uint32_t)(v.e + F80_BIAS), v.hi);
    }
}

FloatX80 f80_from_i64(int64_t a)
{
    uint64_t m;
    int sh;

    if (a == 0) {
        return f80_make(false, 0, 0);
    }
    m = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    sh = clz64(m);
    return f80_make(a < 0, (uint32_t)(63 - sh + F80_BIAS), m << sh);
}

uint32_t f80_to_f32(SFStatus *s, FloatX80 a)
{
    Val v;
    uint8_t f0;

    s->c1 = false;
    if (f80_special1(a)) {
        if (f80_is_unsupported(a)) {
            s->flags |= SF_IE;
            return F32_DEFAULT_NAN;
        }
        if (f80_is_snan(a)) {
            s->flags |= SF_IE;
        }
        return ((uint32_t)f80_sign(a) << 31) | 0x7fc00000u | (uint32_t)((a.mant << 1) >> 41);
    }
    f0 = s->flags;
    unpack80(s, a, &v);
    s->flags = (uint8_t)((s->flags & ~SF_DE) | (f0 & SF_DE)); /* stores do not signal DE */
    return finish32(s, &v);
}

uint64_t f80_to_f64(SFStatus *s, FloatX80 a)
{
    Val v;
    uint8_t f0;

    s->c1 = false;
    if (f80_special1(a)) {
        if (f80_is_unsupported(a)) {
            s->flags |= SF_IE;
            return F64_DEFAULT_NAN;
        }
        if (f80_is_snan(a)) {
            s->flags |= SF_IE;
        }
        return ((uint64_t)f80_sign(a) << 63) | 0x7ff8000000000000ull | ((a.mant << 1) >> 12);
    }
    f0 = s->flags;
    unpack80(s, a, &v);
    s->flags = (uint8_t)((s->flags & ~SF_DE) | (f0 & SF_DE)); /* stores do not signal DE */
    return finish64(s, &v);
}

/* ---- binary32 / binary64 ---- */

typedef void (*GenOp2)(SFStatus *s, const Val *a, const Val *b, Val *r);

static void gen_add_op(SFStatus *s, const Val *a, const Val *b, Val *r)
{
    gen_add(s, a, b, false, r);
}

static void gen_sub_op(SFStatus *s, const Val *a, const Val *b, Val *r)
{
    gen_add(s, a, b, true, r);
}

static uint32_t f32_op2(SFStatus *s, uint32_t a, uint32_t b, GenOp2 op)
{
    Val va, vb, r;

    if (f32_is_nan(a) || f32_is_nan(b)) {
        return f32_nan2(s, a, b);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack32(s, a, &va);
    unpack32(s, b, &vb);
    op(s, &va, &vb, &r);
    de_priority(s, f0);
    return finish32(s, &r);
}

static uint64_t f64_op2(SFStatus *s, uint64_t a, uint64_t b, GenOp2 op)
{
    Val va, vb, r;

    if (f64_is_nan(a) || f64_is_nan(b)) {
        return f64_nan2(s, a, b);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack64(s, a, &va);
    unpack64(s, b, &vb);
    op(s, &va, &vb, &r);
    de_priority(s, f0);
    return finish64(s, &r);
}

uint32_t f32_add(SFStatus *s, uint32_t a, uint32_t b)
{
    return f32_op2(s, a, b, gen_add_op);
}

uint32_t f32_sub(SFStatus *s, uint32_t a, uint32_t b)
{
    return f32_op2(s, a, b, gen_sub_op);
}

uint32_t f32_mul(SFStatus *s, uint32_t a, uint32_t b)
{
    return f32_op2(s, a, b, gen_mul);
}

uint32_t f32_div(SFStatus *s, uint32_t a, uint32_t b)
{
    return f32_op2(s, a, b, gen_div);
}

uint64_t f64_add(SFStatus *s, uint64_t a, uint64_t b)
{
    return f64_op2(s, a, b, gen_add_op);
}

uint64_t f64_sub(SFStatus *s, uint64_t a, uint64_t b)
{
    return f64_op2(s, a, b, gen_sub_op);
}

uint64_t f64_mul(SFStatus *s, uint64_t a, uint64_t b)
{
    return f64_op2(s, a, b, gen_mul);
}

uint64_t f64_div(SFStatus *s, uint64_t a, uint64_t b)
{
    return f64_op2(s, a, b, gen_div);
}

uint32_t f32_sqrt(SFStatus *s, uint32_t a)
{
    Val va, r;

    if (f32_is_nan(a)) {
        return f32_nan2(s, a, a);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack32(s, a, &va);
    gen_sqrt(s, &va, &r);
    de_priority(s, f0);
    return finish32(s, &r);
}

uint64_t f64_sqrt(SFStatus *s, uint64_t a)
{
    Val va, r;

    if (f64_is_nan(a)) {
        return f64_nan2(s, a, a);
    }
    uint8_t f0 = s->flags;

    s->flags = 0;
    unpack64(s, a, &va);
    gen_sqrt(s, &va, &r);
    de_priority(s, f0);
    return finish64(s, &r);
}

static int gen_compare(const Val *va, const Val *vb)
{
    if (va->k == K_ZERO && vb->k == K_ZERO) {
        return SF_CMP_EQ;
    }
    if (va->k == K_ZERO) {
        return vb->sign ? SF_CMP_GT : SF_CMP_LT;
    }
    if (vb->k == K_ZERO) {
        return va->sign ? SF_CMP_LT : SF_CMP_GT;
    }
    if (va->sign != vb->sign) {
        return va->sign ? SF_CMP_LT : SF_CMP_GT;
    }
    if (va->k == K_INF || vb->k == K_INF) {
        if (va->k == vb->k) {
            return SF_CMP_EQ;
        }
        return (va->k == K_INF) != va->sign ? SF_CMP_GT : SF_CMP_LT;
    }
    if (va->e == vb->e && va->hi == vb->hi) {
        return SF_CMP_EQ;
    }
    return ((va->e > vb->e || (va->e == vb->e && va->hi > vb->hi)) != va->sign) ? SF_CMP_GT
                                                                                : SF_CMP_LT;
}

int f32_compare(SFStatus *s, uint32_t a, uint32_t b, bool quiet)
{
    Val va, vb;

    if (f32_is_nan(a) || f32_is_nan(b)) {
        if (!quiet || (f32_is_nan(a) && !(a & (1u << 22))) ||
            (f32_is_nan(b) && !(b & (1u << 22)))) {
            s->flags |= SF_IE;
        }
        return SF_CMP_UN;
    }
    unpack32(s, a, &va);
    unpack32(s, b, &vb);
    return gen_compare(&va, &vb);
}

int f64_compare(SFStatus *s, uint64_t a, uint64_t b, bool quiet)
{
    Val va, vb;

    if (f64_is_nan(a) || f64_is_nan(b)) {
        if (!quiet || (f64_is_nan(a) && !(a & (1ull << 51))) ||
            (f64_is_nan(b) && !(b & (1ull << 51)))) {
            s->flags |= SF_IE;
        }
        return SF_CMP_UN;
    }
    unpack64(s, a, &va);
    unpack64(s, b, &vb);
    return gen_compare(&va, &vb);
}

uint64_t f32_to_f64(SFStatus *s, uint32_t a)
{
    Val v;

    if (f32_is_nan(a)) {
        if (!(a & (1u << 22))) {
            s->flags |= SF_IE;
        }
        return ((uint64_t)(a >> 31) << 63) | 0x7ff8000000000000ull |
               ((uint64_t)(a & 0x3fffff) << 29);
    }
    unpack32(s, a, &v);
    return finish64(s, &v);
}

uint32_t f64_to_f32(SFStatus *s, uint64_t a)
{
    Val v;

    if (f64_is_nan(a)) {
        if (!(a & (1ull << 51))) {
            s->flags |= SF_IE;
        }
        return ((uint32_t)(a >> 63) << 31) | 0x7fc00000u | (uint32_t)((a >> 29) & 0x3fffff);
    }
    unpack64(s, a, &v);
    return finish32(s, &v);
}

static void unpack_i32(int32_t a, Val *v)
{
    uint64_t m = a < 0 ? 0 - (uint64_t)(int64_t)a : (uint64_t)a;

    v->sign = a < 0;
    v->lo = 0;
    if (m == 0) {
        v->k = K_ZERO;
        return;
    }
    v->k = K_FINITE;
    v->e = 63;
    v->hi = m;
    norm128(v);
}

uint32_t i32_to_f32(SFStatus *s, int32_t a)
{
    Val v;

    unpack_i32(a, &v);
    return finish32(s, &v);
}

uint64_t i32_to_f64(int32_t a)
{
    Val v;
    SFStatus s = {0};

    unpack_i32(a, &v);
    return finish64(&s, &v);
}

static int32_t val_to_i32(SFStatus *s, const Val *v, bool trunc)
{
    SFStatus t = *s;
    bool inexact, inc;
    uint64_t m;

    if (v->k == K_ZERO) {
        return 0;
    }
    if (v->k != K_FINITE || v->e >= 32) {
        s->flags |= SF_IE;
        return INT32_MIN;
    }
    if (trunc) {
        t.round = SF_RZ;
    }
    m = round_mag(&t, v->sign, v->e, v->hi, &inexact, &inc);
    if (m > 0x80000000ull - !v->sign) {
        s->flags |= SF_IE;
        return INT32_MIN;
    }
    if (inexact) {
        s->flags |= SF_PE;
    }
    return v->sign ? (int32_t)(0 - (uint32_t)m) : (int32_t)m;
}

int32_t f32_to_i32(SFStatus *s, uint32_t a, bool trunc)
{
    Val v;
    uint8_t f0 = s->flags;

    if (f32_is_nan(a)) {
        s->flags |= SF_IE;
        return INT32_MIN;
    }
    unpack32(s, a, &v);
    s->flags = (uint8_t)((s->flags & ~SF_DE) | (f0 & SF_DE)); /* no DE for conversions */
    return val_to_i32(s, &v, trunc);
}

int32_t f64_to_i32(SFStatus *s, uint64_t a, bool trunc)
{
    Val v;
    uint8_t f0 = s->flags;

    if (f64_is_nan(a)) {
        s->flags |= SF_IE;
        return INT32_MIN;
    }
    unpack64(s, a, &v);
    s->flags = (uint8_t)((s->flags & ~SF_DE) | (f0 & SF_DE)); /* no DE for conversions */
    return val_to_i32(s, &v, trunc);
}
