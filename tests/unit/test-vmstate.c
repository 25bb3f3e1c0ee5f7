/*
 * The save-state serialiser against a fixed byte image: every field type, arrays, nested
 * struct arrays, timers (pending and idle) and the version word. The image is written out
 * by hand in little-endian order, so on a big-endian or 32-bit host (check-cross) the test
 * shows that a state saved on one host loads on any other. Also: loading restores every
 * field, truncated input and a newer version are refused, post_load runs, and an older
 * version loads without the fields added since (and older than min_version does not).
 */
#include "hw-test.h"

typedef struct Inner {
    uint8_t a;
    uint16_t b;
} Inner;

typedef struct Outer {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    bool flag;
    uint8_t bytes[3];
    uint16_t words[2];
    uint32_t dwords[2];
    uint64_t qwords[1];
    Inner inner[2];
    Timer *pending, *idle;
    int loaded;
} Outer;

static const VMStateField inner_fields[] = {
    VMS_U8(Inner, a),
    VMS_U16(Inner, b),
    VMS_END,
};

static const VMStateDesc inner_vmsd = {"inner", 1, inner_fields, NULL};

static const VMStateField outer_fields[] = {
    VMS_U8(Outer, u8),
    VMS_U16(Outer, u16),
    VMS_U32(Outer, u32),
    VMS_U64(Outer, u64),
    VMS_I32(Outer, i32),
    VMS_I64(Outer, i64),
    VMS_BOOL(Outer, flag),
    VMS_U8_ARRAY(Outer, bytes),
    VMS_U16_ARRAY(Outer, words),
    VMS_U32_ARRAY(Outer, dwords),
    VMS_ARRAY_V(Outer, qwords, VMS_TYPE_U64, 8, 3), /* added in version 3 */
    VMS_STRUCT_ARRAY(Outer, inner, Inner, inner_vmsd),
    VMS_TIMER(Outer, pending),
    VMS_TIMER(Outer, idle),
    VMS_END,
};

static int outer_post_load(void *opaque)
{
    ((Outer *)opaque)->loaded++;
    return 0;
}

/* Version 3; version 2 (without qwords) still loads, version 1 does not. */
static const VMStateDesc outer_vmsd = {"outer", 3, outer_fields, outer_post_load, 2};

/* The expected serialised form of fill()'s state: little-endian, natural widths. */
static const uint8_t golden[] = {
    0x03, 0x00, 0x00, 0x00,                         /* version 3 */
    0x81,                                           /* u8 */
    0x02, 0x91,                                     /* u16 0x9102 */
    0x04, 0x03, 0x02, 0xa1,                         /* u32 0xa1020304 */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0xb1, /* u64 0xb102030405060708 */
    0xfe, 0xff, 0xff, 0xff,                         /* i32 -2 */
    0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* i64 -3 */
    0x01,                                           /* flag */
    0x11, 0x22, 0x33,                               /* bytes */
    0x44, 0x33, 0x66, 0x55,                         /* words 0x3344, 0x5566 */
    0x78, 0x56, 0x34, 0x12, 0xf0, 0xde, 0xbc, 0x9a, /* dwords */
    0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* qwords[0] 0x0123456789abcdef */
    0x0a, 0x0c, 0x0b,                               /* inner[0] a=0x0a b=0x0b0c */
    0x1a, 0x1c, 0x1b,                               /* inner[1] a=0x1a b=0x1b1c */
    0x00, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* pending: deadline 0x100001000 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* idle: -1 */
};

static void timer_cb(void *opaque)
{
}

static void fill(Outer *s)
{
    s->u8 = 0x81;
    s->u16 = 0x9102;
    s->u32 = 0xa1020304;
    s->u64 = 0xb102030405060708ull;
    s->i32 = -2;
    s->i64 = -3;
    s->flag = true;
    s->bytes[0] = 0x11;
    s->bytes[1] = 0x22;
    s->bytes[2] = 0x33;
    s->words[0] = 0x3344;
    s->words[1] = 0x5566;
    s->dwords[0] = 0x12345678;
    s->dwords[1] = 0x9abcdef0;
    s->qwords[0] = 0x0123456789abcdefull;
    s->inner[0] = (Inner){0x0a, 0x0b0c};
    s->inner[1] = (Inner){0x1a, 0x1b1c};
    timer_mod(s->pending, 0x100001000ll);
    timer_del(s->idle);
}

static bool same_fields(const Outer *a, const Outer *b)
{
    return a->u8 == b->u8 && a->u16 == b->u16 && a->u32 == b->u32 && a->u64 == b->u64 &&
           a->i32 == b->i32 && a->i64 == b->i64 && a->flag == b->flag &&
           !memcmp(a->bytes, b->bytes, sizeof(a->bytes)) && a->words[0] == b->words[0] &&
           a->words[1] == b->words[1] && a->dwords[0] == b->dwords[0] &&
           a->dwords[1] == b->dwords[1] && a->qwords[0] == b->qwords[0] &&
           a->inner[0].a == b->inner[0].a && a->inner[0].b == b->inner[0].b &&
           a->inner[1].a == b->inner[1].a && a->inner[1].b == b->inner[1].b;
}

int main(void)
{
    Outer s = {0}, t = {0};
    ByteBuf buf = {0};
    size_t pos;

    vclock_init(-1);
    s.pending = timer_new(timer_cb, NULL);
    s.idle = timer_new(timer_cb, NULL);
    t.pending = timer_new(timer_cb, NULL);
    t.idle = timer_new(timer_cb, NULL);
    fill(&s);

    /* Save: the exact bytes, whatever the host's byte order and word size. */
    vmstate_save(&outer_vmsd, &s, &buf);
    CHECK(buf.len == sizeof(golden), "saved %zu bytes, expected %zu", buf.len, sizeof(golden));
    for (size_t i = 0; i < MIN(buf.len, sizeof(golden)); i++) {
        if (buf.data[i] != golden[i]) {
            CHECK(buf.data[i] == golden[i], "byte %zu: %02x, expected %02x", i, buf.data[i],
                  golden[i]);
            break;
        }
    }

    /* Load the fixed image (as saved on any host) into a fresh state. */
    timer_mod(t.idle, 5000); /* must be cancelled by the load */
    pos = 0;
    CHECK(vmstate_load(&outer_vmsd, &t, golden, sizeof(golden), &pos), "load failed");
    CHECK(pos == sizeof(golden), "load consumed %zu of %zu bytes", pos, sizeof(golden));
    CHECK(same_fields(&s, &t), "loaded fields differ from the saved ones");
    CHECK(t.loaded == 1, "post_load ran %d times", t.loaded);
    CHECK(timer_pending(t.pending) && timer_expire_time(t.pending) == 0x100001000ll,
          "pending timer: deadline %lld", (long long)timer_expire_time(t.pending));
    CHECK(!timer_pending(t.idle), "idle timer still armed after load");

    /* Every truncation is refused; a newer version and one older than min_version are
     * refused; version 2 loads without qwords, which keeps its value. */
    for (size_t n = 0; n < sizeof(golden); n++) {
        pos = 0;
        if (vmstate_load(&outer_vmsd, &t, golden, n, &pos)) {
            CHECK(false, "a %zu-byte truncated image was accepted", n);
            break;
        }
    }
    {
        uint8_t img[sizeof(golden)];

        memcpy(img, golden, sizeof(img));
        img[0] = 4;
        pos = 0;
        CHECK(!vmstate_load(&outer_vmsd, &t, img, sizeof(img), &pos), "version 4 accepted");
        img[0] = 1;
        pos = 0;
        CHECK(!vmstate_load(&outer_vmsd, &t, img, sizeof(img), &pos), "version 1 accepted");
    }
    {
        /* golden as version 2 wrote it: the same bytes without the 8 of qwords */
        static const size_t q = 4 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 3 + 4 + 8; /* qwords' offset */
        uint8_t img[sizeof(golden) - 8];
        Outer u = {0};

        memcpy(img, golden, q);
        memcpy(img + q, golden + q + 8, sizeof(golden) - q - 8);
        img[0] = 2;
        u.pending = timer_new(timer_cb, NULL);
        u.idle = timer_new(timer_cb, NULL);
        u.qwords[0] = 0x5a5a5a5a5a5a5a5aull;
        pos = 0;
        CHECK(vmstate_load(&outer_vmsd, &u, img, sizeof(img), &pos), "version 2 refused");
        CHECK(pos == sizeof(img), "version 2: consumed %zu of %zu bytes", pos, sizeof(img));
        CHECK(u.qwords[0] == 0x5a5a5a5a5a5a5a5aull, "version 2 loaded a field it lacks");
        u.qwords[0] = s.qwords[0];
        CHECK(same_fields(&s, &u), "version 2: the other fields differ");
        CHECK(timer_expire_time(u.pending) == 0x100001000ll, "version 2: pending timer");
        timer_free(u.pending);
        timer_free(u.idle);
    }

    timer_free(s.pending);
    timer_free(s.idle);
    timer_free(t.pending);
    timer_free(t.idle);
    bytebuf_free(&buf);
    return tests_finish();
}
