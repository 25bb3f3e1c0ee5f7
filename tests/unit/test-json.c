/*
 * Unit tests for util/json.c: parsing, printing, round trips, escapes, the nesting
 * limit, the stream splitter, and garbage input from a fixed-seed generator.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"

static int passed, failed;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (cond) {                                                                               \
            passed++;                                                                             \
        } else {                                                                                  \
            failed++;                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                       \
        }                                                                                         \
    } while (0)

static JsonValue *parse(const char *s)
{
    char err[128];
    return json_parse(s, strlen(s), err, sizeof(err));
}

/* Parse, print, and compare with the expected compact text. */
static void check_print(const char *in, const char *expect)
{
    JsonValue *v = parse(in);
    char *out;

    CHECK(v != NULL);
    if (!v) {
        fprintf(stderr, "  input: %s\n", in);
        return;
    }
    out = json_to_string(v);
    if (strcmp(out, expect) != 0) {
        fprintf(stderr, "  input: %s\n  got:      %s\n  expected: %s\n", in, out, expect);
    }
    CHECK(strcmp(out, expect) == 0);
    free(out);
    json_free(v);
}

/* Parse, print, re-parse: the two values must be equal. */
static void check_round_trip(const char *in)
{
    JsonValue *a = parse(in), *b;
    char *out;

    CHECK(a != NULL);
    if (!a) {
        fprintf(stderr, "  input: %s\n", in);
        return;
    }
    out = json_to_string(a);
    b = json_parse(out, strlen(out), NULL, 0);
    CHECK(b != NULL);
    if (b) {
        CHECK(json_equal(a, b));
        json_free(b);
    }
    free(out);
    json_free(a);
}

static void check_reject(const char *in)
{
    char err[128] = "";
    JsonValue *v = json_parse(in, strlen(in), err, sizeof(err));

    if (v) {
        fprintf(stderr, "  accepted bad input: %s\n", in);
    }
    CHECK(v == NULL);
    CHECK(err[0] != '\0');
    json_free(v);
}

static void test_scalars(void)
{
    JsonValue *v;

    check_print("null", "null");
    check_print(" true ", "true");
    check_print("false", "false");
    check_print("0", "0");
    check_print("-12345678901234", "-12345678901234");
    check_print("9223372036854775807", "9223372036854775807");
    check_print("1.5", "1.5");
    check_print("-2.5e3", "-2500.0");
    check_print("\"abc\"", "\"abc\"");

    v = parse("9223372036854775808"); /* overflows int64: becomes a double */
    CHECK(v && v->type == JSON_DOUBLE);
    json_free(v);
    v = parse("42");
    CHECK(v && v->type == JSON_INT && v->u.i == 42);
    json_free(v);
}

static void test_escapes(void)
{
    JsonValue *v;

    check_print("\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"");
    check_print("\"\\b\\f\\n\\r\\t\"", "\"\\u0008\\u000c\\n\\r\\t\"");
    check_print("\"\\u0041\\u00e9\"", "\"A\xc3\xa9\"");
    /* U+1F600 as a surrogate pair becomes 4 UTF-8 bytes */
    v = parse("\"\\ud83d\\ude00\"");
    CHECK(v && v->type == JSON_STRING && v->u.str.len == 4 &&
          memcmp(v->u.str.s, "\xf0\x9f\x98\x80", 4) == 0);
    json_free(v);
    /* Embedded NUL keeps its length and prints back escaped */
    v = parse("\"a\\u0000b\"");
    CHECK(v && v->u.str.len == 3 && v->u.str.s[1] == '\0');
    if (v) {
        char *out = json_to_string(v);
        CHECK(strcmp(out, "\"a\\u0000b\"") == 0);
        free(out);
    }
    json_free(v);
    /* Invalid UTF-8 built by hand prints as U+FFFD, keeping the output valid JSON */
    v = json_new_string("x\xff" "y");
    {
        char *out = json_to_string(v);
        CHECK(strcmp(out, "\"x\\ufffdy\"") == 0);
        free(out);
    }
    json_free(v);
}

static void test_containers(void)
{
    JsonValue *v, *o;

    check_print("[]", "[]");
    check_print("{}", "{}");
    check_print("[1, [2, [3]], {\"a\": null}]", "[1, [2, [3]], {\"a\": null}]");
    check_print("{\"execute\":\"query-status\",\"id\":7}",
                "{\"execute\": \"query-status\", \"id\": 7}");
    /* duplicate keys: the last one wins */
    check_print("{\"a\":1,\"a\":2}", "{\"a\": 2}");
    check_round_trip("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1}}, "
                     "\"capabilities\": []}}");
    check_round_trip("[0.1, -1e-300, 1e300, \"\\u2028\", true, false, null]");

    v = parse("{\"arguments\": {\"command-line\": \"info registers\"}}");
    o = json_object_get(v, "arguments");
    CHECK(o && o->type == JSON_OBJECT);
    CHECK(json_string_value(json_object_get(o, "command-line")) != NULL &&
          strcmp(json_string_value(json_object_get(o, "command-line")), "info registers") == 0);
    CHECK(json_object_get(v, "missing") == NULL);
    CHECK(json_object_get(NULL, "x") == NULL);
    json_free(v);

    /* Deep copies are equal and independent */
    v = parse("{\"id\": [1, {\"x\": \"a\\u0000b\"}, 2.5, null, true]}");
    o = json_clone(v);
    CHECK(o && json_equal(v, o));
    json_free(v);
    {
        char *out = json_to_string(o);
        CHECK(strcmp(out, "{\"id\": [1, {\"x\": \"a\\u0000b\"}, 2.5, null, true]}") == 0);
        free(out);
    }
    json_free(o);

    /* Build by hand, print, parse back */
    v = json_new_object();
    json_object_set(v, "return", json_new_object());
    json_object_set(v, "id", json_new_string("x\"1"));
    {
        char *out = json_to_string(v);
        CHECK(strcmp(out, "{\"return\": {}, \"id\": \"x\\\"1\"}") == 0);
        free(out);
    }
    json_free(v);
}

static void test_reject(void)
{
    check_reject("");
    check_reject("   ");
    check_reject("{");
    check_reject("[1,");
    check_reject("[1 2]");
    check_reject("{\"a\" 1}");
    check_reject("{\"a\":}");
    check_reject("{1:2}");
    check_reject("{\"a\":1,}");
    check_reject("[1,]");
    check_reject("\"abc");
    check_reject("\"a\\x\"");
    check_reject("\"\\u12\"");
    check_reject("\"\\ud800\"");
    check_reject("\"\\udc00\"");
    check_reject("\"tab\there\"");
    check_reject("tru");
    check_reject("nul");
    check_reject("01");
    check_reject("-");
    check_reject("1.");
    check_reject("1e");
    check_reject(".5");
    check_reject("+1");
    check_reject("1 2");
    check_reject("{} x");
    check_reject("\"\xc3\"");         /* truncated UTF-8 */
    check_reject("\"\xc0\xaf\"");     /* overlong */
    check_reject("\"\xed\xa0\x80\""); /* encoded surrogate */
    check_reject("{\"a\\u0000b\": 1}");
    check_reject("'single'");
}

static void test_depth(void)
{
    char buf[4 * JSON_MAX_DEPTH + 8];
    JsonValue *v;
    int n;

    /* Exactly JSON_MAX_DEPTH levels parse... */
    n = 0;
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        buf[n++] = '[';
    }
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        buf[n++] = ']';
    }
    v = json_parse(buf, (size_t)n, NULL, 0);
    CHECK(v != NULL);
    json_free(v);
    /* ...one more does not (and does not recurse without bound). */
    n = 0;
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
        buf[n++] = '[';
    }
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
        buf[n++] = ']';
    }
    v = json_parse(buf, (size_t)n, NULL, 0);
    CHECK(v == NULL);

    /* A huge unterminated nesting attempt is rejected quickly. */
    {
        size_t big = 1u << 20;
        char *p = malloc(big);
        memset(p, '{', big);
        CHECK(json_parse(p, big, NULL, 0) == NULL);
        memset(p, '[', big);
        CHECK(json_parse(p, big, NULL, 0) == NULL);
        free(p);
    }
}

/* ---- stream splitter ---- */

typedef struct Collected {
    char texts[16][128];
    int n;
} Collected;

static void collect(void *opaque, const char *text, size_t len)
{
    Collected *c = opaque;

    if (c->n < 16) {
        snprintf(c->texts[c->n], sizeof(c->texts[0]), "%.*s", (int)len, text);
    }
    c->n++;
}

static void test_streamer(void)
{
    JsonStreamer st;
    Collected c = {0};
    const char *in = "{\"execute\": \"qmp_capabilities\"}\r\n"
                     "  {\"execute\":\"stop\", \"arguments\": {\"x\": \"}{\\\"\"}}"
                     "[1,[2]] 42 \"str\" }";

    json_streamer_init(&st);
    /* Feed one byte at a time: texts must come out whole anyway. */
    for (size_t i = 0; i < strlen(in); i++) {
        json_streamer_feed(&st, in + i, 1, collect, &c);
    }
    json_streamer_feed(&st, "\n", 1, collect, &c);
    CHECK(c.n == 6);
    CHECK(strcmp(c.texts[0], "{\"execute\": \"qmp_capabilities\"}") == 0);
    CHECK(strcmp(c.texts[1], "{\"execute\":\"stop\", \"arguments\": {\"x\": \"}{\\\"\"}}") == 0);
    CHECK(strcmp(c.texts[2], "[1,[2]]") == 0);
    CHECK(strcmp(c.texts[3], "42") == 0);
    CHECK(strcmp(c.texts[4], "\"str\"") == 0);
    CHECK(strcmp(c.texts[5], "}") == 0); /* stray closer handed to the parser */

    /* Each emitted text parses, except the stray closer */
    for (int i = 0; i < 5; i++) {
        JsonValue *v = json_parse(c.texts[i], strlen(c.texts[i]), NULL, 0);
        CHECK(v != NULL);
        json_free(v);
    }
    CHECK(json_parse(c.texts[5], 1, NULL, 0) == NULL);

    /* A partial text is held until the rest arrives; reset drops it. */
    c.n = 0;
    json_streamer_feed(&st, "{\"a\": [1,", 9, collect, &c);
    CHECK(c.n == 0);
    json_streamer_reset(&st);
    json_streamer_feed(&st, "{}", 2, collect, &c);
    CHECK(c.n == 1 && strcmp(c.texts[0], "{}") == 0);
    json_streamer_destroy(&st);
}

/* ---- garbage ---- */

static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
    /* xorshift32: fixed seed, identical on every host */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void count_cb(void *opaque, const char *text, size_t len)
{
    JsonValue *v = json_parse(text, len, NULL, 0);
    int *n = opaque;

    (*n)++;
    json_free(v);
}

static void test_garbage(void)
{
    static const char alphabet[] = "{}[]\":,\\ntrufalse0123456789.-+eE \tu\x01\xff\xc3";
    const char *valid = "{\"execute\": \"human-monitor-command\", \"arguments\": "
                        "{\"command-line\": \"x/4xw 0x7c00\"}, \"id\": [1, 2.5, null]}";
    JsonStreamer st;
    int emitted = 0, rounds = 0;
    bool ok = true;

    json_streamer_init(&st);
    for (int iter = 0; iter < 20000; iter++) {
        char buf[256];
        size_t n = rng() % sizeof(buf);
        JsonValue *v;

        for (size_t i = 0; i < n; i++) {
            uint32_t r = rng();
            buf[i] = (r & 1) ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        }
        v = json_parse(buf, n, NULL, 0);
        if (v) {
            /* Whatever parses must print to something that parses to the same value */
            char *out = json_to_string(v);
            JsonValue *w = json_parse(out, strlen(out), NULL, 0);
            ok = ok && w && json_equal(v, w);
            json_free(w);
            free(out);
            json_free(v);
        }
        json_streamer_feed(&st, buf, n, count_cb, &emitted);
        rounds++;
    }
    CHECK(ok);
    CHECK(rounds == 20000);
    CHECK(emitted > 0);

    /* Every truncation of a valid text is rejected; the whole is accepted. */
    ok = true;
    for (size_t n = 0; n < strlen(valid); n++) {
        JsonValue *v = json_parse(valid, n, NULL, 0);
        ok = ok && v == NULL;
        json_free(v);
    }
    CHECK(ok);
    {
        JsonValue *v = json_parse(valid, strlen(valid), NULL, 0);
        CHECK(v != NULL);
        json_free(v);
    }

    /* Single-byte mutations of a valid text: must not crash; print/parse stays stable. */
    ok = true;
    for (int iter = 0; iter < 5000; iter++) {
        char buf[256];
        size_t n = strlen(valid);
        JsonValue *v;

        memcpy(buf, valid, n);
        buf[rng() % n] = (char)rng();
        v = json_parse(buf, n, NULL, 0);
        if (v) {
            char *out = json_to_string(v);
            JsonValue *w = json_parse(out, strlen(out), NULL, 0);
            ok = ok && w && json_equal(v, w);
            json_free(w);
            free(out);
            json_free(v);
        }
    }
    CHECK(ok);

    /* After garbage, the streamer still delivers a valid text once it is reset. */
    json_streamer_reset(&st);
    emitted = 0;
    json_streamer_feed(&st, valid, strlen(valid), count_cb, &emitted);
    CHECK(emitted == 1);
    json_streamer_destroy(&st);
}

int main(void)
{
    test_scalars();
    test_escapes();
    test_containers();
    test_reject();
    test_depth();
    test_streamer();
    test_garbage();
    printf("test-json: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
