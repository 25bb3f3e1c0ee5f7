/*
 * x87 transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS,
 * FPTAN (the division), computed in a private 128-bit-significand format and rounded
 * once to the 64-bit significand with the current rounding mode.
 *
 * Accuracy: the internal evaluation errs by far less than 2^-100 relative, so results are
 * correctly rounded except in rare near-halfway cases, always within Intel's documented
 * bound (1 ulp). Known deviation: the argument of FSIN/FCOS/FSINCOS/FPTAN is reduced with
 * 256 bits of 2/pi, while Intel processors use a 66-bit approximation of pi; for
 * arguments far from 0 the results therefore differ from Intel's (and are closer to the
 * true values).
 */
#include "cpu/fpu.h"

/* value = (hi:lo) * 2^(e - 127), hi bit 63 set; zero when hi == lo == 0. */
typedef struct XF {
    bool sign;
    int32_t e;
    uint64_t hi, lo;
} XF;

static const XF xf_zero = {false, 0, 0, 0};

static bool xf_is_zero(const XF *a)
{
    return a->hi == 0 && a->lo == 0;
}

static XF xf_norm(XF a)
{
    int sh;

    if (xf_is_zero(&a)) {
        return a;
    }
    if (a.hi == 0) {
        a.hi = a.lo;
        a.lo = 0;
        a.e -= 64;
    }
    sh = __builtin_clzll(a.hi);
    if (sh) {
        a.hi = (a.hi << sh) | (a.lo >> (64 - sh));
        a.lo <<= sh;
        a.e -= sh;
    }
    return a;
}

static XF xf_make(bool sign, int32_t e, uint64_t hi, uint64_t lo)
{
    XF r = {sign, e, hi, lo};
    return xf_norm(r);
}

static XF xf_from_int(int64_t v)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return xf_make(v < 0, 63, m, 0);
}

static XF xf_from_f80(SFStatus *s, FloatX80 a)
{
    uint32_t e = f80_exp(a);

    if (e == 0) {
        if (a.mant == 0) {
            XF z = xf_zero;
            z.sign = f80_sign(a);
            return z;
        }
        s->flags |= SF_DE;
        return xf_make(f80_sign(a), 1 - F80_BIAS, a.mant, 0);
    }
    return xf_make(f80_sign(a), (int32_t)e - F80_BIAS, a.mant, 0);
}

static FloatX80 xf_to_f80(SFStatus *s, XF a)
{
    if (xf_is_zero(&a)) {
        s->c1 = false;
        return f80_make(a.sign, 0, 0);
    }
    return f80_round_pack(s, a.sign, a.e, a.hi, a.lo, 64);
}

static XF xf_neg(XF a)
{
    a.sign = !a.sign;
    return a;
}

/* Shift right by n, ORing the bits shifted out into bit 0 (so that a negligible term
 * still makes the final rounding inexact and directed roundings exact). */
static void shr128(uint64_t *hi, uint64_t *lo, uint32_t n)
{
    bool jam;

    if (n == 0) {
        return;
    }
    if (n >= 128) {
        jam = (*hi | *lo) != 0;
        *hi = 0;
        *lo = jam;
    } else if (n >= 64) {
        jam = *lo != 0 || (n > 64 && (*hi << (128 - n)) != 0);
        *lo = (*hi >> (n - 64)) | jam;
        *hi = 0;
    } else {
        jam = (*lo << (64 - n)) != 0;
        *lo = (*lo >> n) | (*hi << (64 - n)) | jam;
        *hi >>= n;
    }
}

static XF xf_add(XF a, XF b)
{
    XF r;
    uint64_t bh, bl;

    if (xf_is_zero(&b)) {
        return a;
    }
    if (xf_is_zero(&a)) {
        return b;
    }
    if (a.e < b.e || (a.e == b.e && (a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)))) {
        XF t = a;
        a = b;
        b = t;
    }
    bh = b.hi;
    bl = b.lo;
    shr128(&bh, &bl, (uint32_t)(a.e - b.e));
    r.sign = a.sign;
    r.e = a.e;
    if (a.sign == b.sign) {
        uint64_t lo = a.lo + bl;
        uint64_t hi = a.hi + bh + (lo < bl);
        bool carry = hi < a.hi || (hi == a.hi && lo < a.lo);

        if (carry) {
            lo = (lo >> 1) | (hi << 63);
            hi = (hi >> 1) | (1ull << 63);
            r.e++;
        }
        r.hi = hi;
        r.lo = lo;
        return r;
    }
    r.lo = a.lo - bl;
    r.hi = a.hi - bh - (a.lo < bl);
    return xf_norm(r);
}

static XF xf_sub(XF a, XF b)
{
    return xf_add(a, xf_neg(b));
}

static XF xf_mul(XF a, XF b)
{
    uint64_t p[4] = {0, 0, 0, 0}, h, l, c;
    XF r;

    if (xf_is_zero(&a) || xf_is_zero(&b)) {
        r = xf_zero;
        r.sign = a.sign ^ b.sign;
        return r;
    }
    sf_mul64(a.lo, b.lo, &h, &l);
    p[0] = l;
    p[1] = h;
    sf_mul64(a.hi, b.lo, &h, &l);
    p[1] += l;
    c = p[1] < l;
    p[2] = h + c;
    c = p[2] < h;
    p[3] = c;
    sf_mul64(a.lo, b.hi, &h, &l);
    p[1] += l;
    c = p[1] < l;
    p[2] += c;
    c = p[2] < c;
    p[2] += h;
    c += p[2] < h;
    p[3] += c;
    sf_mul64(a.hi, b.hi, &h, &l);
    p[2] += l;
    c = p[2] < l;
    p[3] += h + c;
    r.sign = a.sign ^ b.sign;
    r.e = a.e + b.e;
    if (p[3] >> 63) {
        r.e++;
        r.hi = p[3];
        r.lo = p[2];
    } else {
        r.hi = (p[3] << 1) | (p[2] >> 63);
        r.lo = (p[2] << 1) | (p[1] >> 63);
    }
    return r;
}

/* a / k for a small positive integer k. */
static XF xf_div_small(XF a, uint32_t k)
{
    uint64_t qh = a.hi / k, r = a.hi % k, ql = 0;

    for (int i = 0; i < 2; i++) {
        /* long division of (r:lo) by k, 32 bits at a time */
        uint64_t part = (r << 32) | (a.lo >> (32 * (1 - i)) & 0xffffffffu);
        ql = (ql << 32) | (part / k);
        r = part % k;
    }
    a.hi = qh;
    a.lo = ql;
    return xf_norm(a);
}

/* a / b, b non-zero: 128-bit restoring division. */
static XF xf_div(XF a, XF b)
{
    uint64_t rh = a.hi, rl = a.lo, qh = 0, ql = 0;
    bool top = false;
    XF r;

    if (xf_is_zero(&a)) {
        r = xf_zero;
        r.sign = a.sign ^ b.sign;
        return r;
    }
    r.e = a.e - b.e;
    if (rh < b.hi || (rh == b.hi && rl < b.lo)) {
        /* quotient < 1: pre-shift the remainder */
        top = (rh >> 63) != 0;
        rh = (rh << 1) | (rl >> 63);
        rl <<= 1;
        r.e--;
    }
    for (int i = 0; i < 128; i++) {
        bool ge = top || rh > b.hi || (rh == b.hi && rl >= b.lo);

        qh = (qh << 1) | (ql >> 63);
        ql <<= 1;
        if (ge) {
            uint64_t nl = rl - b.lo;
            rh = rh - b.hi - (rl < b.lo);
            rl = nl;
            ql |= 1;
        }
        top = (rh >> 63) != 0;
        rh = (rh << 1) | (rl >> 63);
        rl <<= 1;
    }
    r.sign = a.sign ^ b.sign;
    r.hi = qh;
    r.lo = ql | (rh != 0 || rl != 0 || top); /* sticky: inexact quotient */
    return xf_norm(r);
}

/* Constants (128-bit significands). */
static const XF xf_ln2 = {false, -1, 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull};
static const XF xf_log2e = {false, 0, 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull};
static const XF xf_pi = {false, 1, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull};
static const XF xf_pi_2 = {false, 0, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull};
static const XF xf_pi_4 = {false, -1, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull};
static const XF xf_one = {false, 0, 0x8000000000000000ull, 0};
/* tan(pi/8) = sqrt(2) - 1 */
static const XF xf_tan_pi_8 = {false, -2, 0xd413cccfe7799211ull, 0x65f626cdd52afa7cull};
static const XF xf_sqrt2 = {false, 0, 0xb504f333f9de6484ull, 0x597d89b3754abe9full};

/* Stop a series when a term is this far below the sum. */
#define SERIES_BITS 132

static bool negligible(const XF *term, const XF *sum)
{
    return xf_is_zero(term) || (!xf_is_zero(sum) && term->e < sum->e - SERIES_BITS);
}

/* e^y - 1 for |y| <= 1 */
static XF xf_expm1(XF y)
{
    XF sum = y, term = y;

    for (uint32_t k = 2; k < 200; k++) {
        term = xf_div_small(xf_mul(term, y), k);
        sum = xf_add(sum, term);
        if (negligible(&term, &sum)) {
            break;
        }
    }
    return sum;
}

/* 2 * atanh(t) = ln((1 + t) / (1 - t)) for |t| <= 0.2 */
static XF xf_2atanh(XF t)
{
    XF t2 = xf_mul(t, t), p = t, sum = t;

    for (uint32_t k = 3; k < 400; k += 2) {
        XF term;

        p = xf_mul(p, t2);
        term = xf_div_small(p, k);
        sum = xf_add(sum, term);
        if (negligible(&term, &sum)) {
            break;
        }
    }
    sum.e++;
    return sum;
}

/* atan(t) for |t| <= tan(pi/8) */
static XF xf_atan_small(XF t)
{
    XF t2 = xf_mul(t, t), p = t, sum = t;

    for (uint32_t k = 3; k < 400; k += 2) {
        XF term;

        p = xf_neg(xf_mul(p, t2));
        term = xf_div_small(p, k);
        sum = xf_add(sum, term);
        if (negligible(&term, &sum)) {
            break;
        }
    }
    return sum;
}

/* atan(z) for 0 <= z <= 1 */
static XF xf_atan01(XF z)
{
    if (z.e < xf_tan_pi_8.e ||
        (z.e == xf_tan_pi_8.e && (z.hi < xf_tan_pi_8.hi))) {
        return xf_atan_small(z);
    }
    /* atan(z) = pi/4 + atan((z - 1) / (z + 1)) */
    return xf_add(xf_pi_4, xf_atan_small(xf_div(xf_sub(z, xf_one), xf_add(z, xf_one))));
}

FloatX80 fpu_f2xm1(SFStatus *s, FloatX80 x)
{
    XF v = xf_from_f80(s, x);

    return xf_to_f80(s, xf_expm1(xf_mul(v, xf_ln2)));
}

/* log2(x) for x > 0 finite */
static XF xf_log2(XF x)
{
    int32_t k = x.e;
    XF m = x, t;

    m.e = 0; /* m in [1, 2) */
    if (m.hi > xf_sqrt2.hi || (m.hi == xf_sqrt2.hi && m.lo > xf_sqrt2.lo)) {
        m.e = -1;
        k++;
    }
    t = xf_div(xf_sub(m, xf_one), xf_add(m, xf_one));
    return xf_add(xf_from_int(k), xf_mul(xf_2atanh(t), xf_log2e));
}

/*
 * FYL2X results off the special cases are delivered as inexact, even when the product is
 * exactly representable (a tiny exact result signals underflow on the hardware too).
 */
static XF inexact(XF a)
{
    if (!xf_is_zero(&a)) {
        a.lo |= 1;
    }
    return a;
}

static FloatX80 f80_inf(bool sign)
{
    return f80_make(sign, 0x7fff, 1ull << 63);
}

static FloatX80 invalid(SFStatus *s)
{
    s->flags |= SF_IE;
    return F80_DEFAULT_NAN;
}

static FloatX80 fyl2x_core(SFStatus *s, FloatX80 x, FloatX80 y, bool plus1)
{
    bool xz = f80_is_zero(x), yz = f80_is_zero(y), xi = f80_is_inf(x), yi = f80_is_inf(y);
    bool xs = f80_sign(x), ys = f80_sign(y);
    XF vx, vy, l;

    if (f80_is_nan(x) || f80_is_nan(y) || f80_is_unsupported(x) || f80_is_unsupported(y)) {
        return f80_add(s, x, y);
    }
    if (f80_is_denormal(x) || f80_is_denormal(y)) {
        s->flags |= SF_DE;
    }
    if (plus1) {
        /* y * log2(1 + x); defined for |x| < 1 - sqrt(2)/2, computed for x > -1 */
        if (xz) {
            if (yi) {
                return invalid(s);
            }
            return f80_make(xs ^ ys, 0, 0);
        }
        if (xi) {
            if (xs || yz) {
                return invalid(s);
            }
            return f80_inf(ys);
        }
        if (yi) {
            return f80_inf(ys ^ xs);
        }
        if (yz) {
            return f80_make(ys ^ xs, 0, 0);
        }
        vx = xf_from_f80(s, x);
        if (vx.sign && (vx.e >= 0)) {
            return invalid(s); /* 1 + x <= 0 */
        }
        l = xf_mul(xf_2atanh(xf_div(vx, xf_add(xf_from_int(2), vx))), xf_log2e);
        vy = xf_from_f80(s, y);
        return xf_to_f80(s, xf_mul(l, vy));
    }
    if (xs && !xz) {
        return invalid(s);
    }
    if (xz) {
        if (yz) {
            return invalid(s);
        }
        if (!yi) {
            s->flags |= SF_ZE;
        }
        return f80_inf(!ys);
    }
    if (xi) {
        if (yz) {
            return invalid(s);
        }
        return f80_inf(ys);
    }
    vx = xf_from_f80(s, x);
    l = xf_log2(vx);
    if (yi) {
        if (xf_is_zero(&l)) {
            return invalid(s);
        }
        return f80_inf(ys ^ l.sign);
    }
    if (yz) {
        return f80_make(ys ^ l.sign, 0, 0);
    }
    vy = xf_from_f80(s, y);
    return xf_to_f80(s, inexact(xf_mul(l, vy)));
}

static FloatX80 fpatan_core(SFStatus *s, FloatX80 y, FloatX80 x)
{
    bool xs = f80_sign(x), ys = f80_sign(y);
    XF a, b, r;
    bool xi = f80_is_inf(x), yi = f80_is_inf(y);

    if (f80_is_nan(x) || f80_is_nan(y) || f80_is_unsupported(x) || f80_is_unsupported(y)) {
        return f80_add(s, y, x);
    }
    if (f80_is_denormal(x) || f80_is_denormal(y)) {
        s->flags |= SF_DE;
    }
    if (yi || xi) {
        if (yi && xi) {
            r = xs ? xf_add(xf_pi_2, xf_pi_4) : xf_pi_4;
        } else if (yi) {
            r = xf_pi_2;
        } else {
            r = xs ? xf_pi : xf_zero;
        }
        r.sign = ys;
        return xf_to_f80(s, r);
    }
    if (f80_is_zero(y)) {
        r = xs ? xf_pi : xf_zero;
        r.sign = ys;
        return xf_to_f80(s, r);
    }
    if (f80_is_zero(x)) {
        r = xf_pi_2;
        r.sign = ys;
        return xf_to_f80(s, r);
    }
    a = xf_from_f80(s, y);
    b = xf_from_f80(s, x);
    a.sign = b.sign = false;
    if (a.e < b.e || (a.e == b.e && (a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo)))) {
        r = xf_atan01(xf_div(a, b));
    } else {
        r = xf_sub(xf_pi_2, xf_atan01(xf_div(b, a)));
    }
    if (xs) {
        r = xf_sub(xf_pi, r);
    }
    r.sign = ys;
    return xf_to_f80(s, r);
}

/* An invalid operation or division by zero suppresses the denormal-operand flag. */
static void de_priority(SFStatus *s, uint8_t before)
{
    if (s->flags & (SF_IE | SF_ZE)) {
        s->flags &= (uint8_t)~SF_DE;
    }
    s->flags |= before;
}

FloatX80 fpu_fyl2x(SFStatus *s, FloatX80 x, FloatX80 y, bool plus1)
{
    uint8_t f0 = s->flags;
    FloatX80 r;

    s->flags = 0;
    r = fyl2x_core(s, x, y, plus1);
    de_priority(s, f0);
    return r;
}

FloatX80 fpu_fpatan(SFStatus *s, FloatX80 y, FloatX80 x)
{
    uint8_t f0 = s->flags;
    FloatX80 r;

    s->flags = 0;
    r = fpatan_core(s, y, x);
    de_priority(s, f0);
    return r;
}

bool fpu_trig_in_range(FloatX80 x)
{
    return f80_exp(x) < F80_BIAS + 63;
}

/* pi rounded to 66 bits (2 integer bits), times 2^64; as pi/2 on the 2^-65 grid. */
#define PI66_HI 0x3ull
#define PI66_LO 0x243f6a8885a308d3ull

/* 2/pi, 256 bits after the binary point. */
static const uint64_t two_over_pi[4] = {
    0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull, 0xfe5163abdebbc561ull,
};

static uint64_t pword(const uint64_t *p, int i)
{
    return i >= 0 && i < 5 ? p[i] : 0;
}

/*
 * Reduce |x| (finite, < 2^63) to r in [-pi/4, pi/4] with |x| = q * pi/2 + r; returns q.
 */
static uint64_t reduce(XF x, XF *r)
{
    uint64_t p[5] = {0, 0, 0, 0, 0}, q, fh;
    int32_t sh;

    if (x.e < -1) { /* |x| < 0.5 < pi/4 */
        *r = x;
        return 0;
    }
    /* P = M * (2/pi) * 2^256 (320 bits, p[0] least significant) */
    for (int w = 3; w >= 0; w--) {
        uint64_t h, l, c0, c1;
        int k = 3 - w; /* word w of 2/pi lands at p[k], p[k + 1] */

        sf_mul64(x.hi, two_over_pi[w], &h, &l);
        p[k] += l;
        c0 = p[k] < l;
        p[k + 1] += h;
        c1 = p[k + 1] < h;
        p[k + 1] += c0;
        c1 += p[k + 1] < c0;
        for (int j = k + 2; c1 && j < 5; j++) {
            p[j] += c1;
            c1 = p[j] < c1;
        }
    }
    /* |x| * 2/pi = P * 2^(e - 63 - 256): bits [sh, 320) of P are the integer part */
    sh = 319 - x.e;
    {
        int wq = sh / 64, bq = sh % 64;
        uint64_t w0 = pword(p, wq), w1 = pword(p, wq + 1);
        uint64_t a1 = pword(p, wq - 1);

        q = bq ? (w0 >> bq) | (w1 << (64 - bq)) : w0;
        fh = bq ? (w0 << (64 - bq)) | (a1 >> bq) : a1; /* the fraction's top 64 bits */
    }
    if (fh >> 63) {
        q++; /* fraction >= 0.5: round the quotient to nearest */
    }
    if (q == 0) {
        *r = x;
        return 0;
    }
    /*
     * r = |x| - q * P exactly, where P is pi/2 to 66 bits (the approximation x87 hardware
     * reduces with): P = PI66 * 2^-65. On the grid 2^-65: X = M << (e + 2) (e in -1..62),
     * QP = q * PI66; both below 2^130.
     */
    {
        uint64_t x0, x1, x2, p0, p1, p2, h, l, d0, d1, d2;
        unsigned shl = (unsigned)(x.e + 2);
        bool neg;

        x0 = shl >= 64 ? 0 : x.hi << shl;
        x1 = shl >= 64 ? x.hi : x.hi >> (64 - shl);
        x2 = 0;
        /* PI66 = 2^64 * PI66_HI + PI66_LO */
        sf_mul64(q, PI66_LO, &h, &l);
        p0 = l;
        p1 = h;
        sf_mul64(q, PI66_HI, &h, &l);
        p1 += l;
        p2 = h + (p1 < l);
        /* d = X - QP (three words, two's complement) */
        d0 = x0 - p0;
        d1 = x1 - p1 - (x0 < p0);
        d2 = x2 - p2 - (x1 < p1 || (x1 == p1 && x0 < p0));
        neg = (d2 >> 63) != 0;
        if (neg) {
            d0 = ~d0 + 1;
            d1 = ~d1 + (d0 == 0);
            d2 = ~d2 + (d1 == 0 && d0 == 0);
        }
        /* |r| = (d2:d1:d0) * 2^-65 < pi/4 + 1 ulp, so d2 == 0: exact in an XF */
        (void)d2;
        {
            XF t = {neg, 127 - 65, d1, d0};
            *r = xf_norm(t);
        }
    }
    return q;
}

static XF xf_sin_small(XF r)
{
    XF r2 = xf_mul(r, r), term = r, sum = r;

    for (uint32_t k = 2; k < 200; k += 2) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), k * (k + 1)));
        sum = xf_add(sum, term);
        if (negligible(&term, &sum)) {
            break;
        }
    }
    return sum;
}

static XF xf_cos_small(XF r)
{
    XF r2 = xf_mul(r, r), term = xf_one, sum = xf_one;

    for (uint32_t k = 1; k < 200; k += 2) {
        term = xf_neg(xf_div_small(xf_mul(term, r2), k * (k + 1)));
        sum = xf_add(sum, term);
        if (negligible(&term, &sum)) {
            break;
        }
    }
    return sum;
}

/* sin and cos of a finite non-zero x with |x| < 2^63, rounded; flags in s. */
static void xf_sincos(SFStatus *s, FloatX80 x, XF *sn, XF *cs)
{
    XF v = xf_from_f80(s, x), r, a, b;
    bool neg = v.sign;
    uint64_t q;

    v.sign = false;
    q = reduce(v, &r);
    a = xf_sin_small(r);
    b = xf_cos_small(r);
    switch (q & 3) {
    case 0:
        *sn = a;
        *cs = b;
        break;
    case 1:
        *sn = b;
        *cs = xf_neg(a);
        break;
    case 2:
        *sn = xf_neg(a);
        *cs = xf_neg(b);
        break;
    default:
        *sn = xf_neg(b);
        *cs = a;
        break;
    }
    if (neg) {
        *sn = xf_neg(*sn);
    }
}

void fpu_sincos(SFStatus *ssin, SFStatus *scos, FloatX80 x, FloatX80 *sin_out,
                FloatX80 *cos_out)
{
    XF sn, cs;

    xf_sincos(ssin, x, &sn, &cs);
    scos->flags |= ssin->flags & SF_DE;
    *cos_out = xf_to_f80(scos, cs);
    *sin_out = xf_to_f80(ssin, sn);
}

FloatX80 fpu_tan(SFStatus *s, FloatX80 x)
{
    XF sn, cs, v = xf_from_f80(s, x);

    if (v.e < -60) {
        /* tan x = x + x^3/3 + ...: sin/cos would lose the sign of the tiny correction */
        return xf_to_f80(s, xf_add(v, xf_div_small(xf_mul(xf_mul(v, v), v), 3)));
    }
    xf_sincos(s, x, &sn, &cs);
    return xf_to_f80(s, xf_div(sn, cs));
}
