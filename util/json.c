/*
 * JSON values, recursive-descent parser, compact printer and stream splitter (see json.h).
 */
#include "util/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- values ---- */

static JsonValue *json_new(JsonType type)
{
    JsonValue *v = xzalloc(sizeof(*v));

    v->type = type;
    return v;
}

JsonValue *json_new_null(void)
{
    return json_new(JSON_NULL);
}

JsonValue *json_new_bool(bool b)
{
    JsonValue *v = json_new(JSON_BOOL);

    v->u.b = b;
    return v;
}

JsonValue *json_new_int(int64_t i)
{
    JsonValue *v = json_new(JSON_INT);

    v->u.i = i;
    return v;
}

JsonValue *json_new_double(double d)
{
    JsonValue *v = json_new(JSON_DOUBLE);

    v->u.d = d;
    return v;
}

JsonValue *json_new_string_len(const char *s, size_t len)
{
    JsonValue *v = json_new(JSON_STRING);

    v->u.str.s = xmalloc(len + 1);
    memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = '\0';
    v->u.str.len = len;
    return v;
}

JsonValue *json_new_string(const char *s)
{
    return json_new_string_len(s, strlen(s));
}

JsonValue *json_new_array(void)
{
    return json_new(JSON_ARRAY);
}

JsonValue *json_new_object(void)
{
    return json_new(JSON_OBJECT);
}

void json_array_append(JsonValue *arr, JsonValue *v)
{
    if (arr->u.arr.n == arr->u.arr.cap) {
        arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        arr->u.arr.items = xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(JsonValue *));
    }
    arr->u.arr.items[arr->u.arr.n++] = v;
}

void json_object_set(JsonValue *obj, const char *key, JsonValue *v)
{
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        if (strcmp(obj->u.obj.keys[i], key) == 0) {
            json_free(obj->u.obj.vals[i]);
            obj->u.obj.vals[i] = v;
            return;
        }
    }
    if (obj->u.obj.n == obj->u.obj.cap) {
        obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
        obj->u.obj.keys = xrealloc(obj->u.obj.keys, obj->u.obj.cap * sizeof(char *));
        obj->u.obj.vals = xrealloc(obj->u.obj.vals, obj->u.obj.cap * sizeof(JsonValue *));
    }
    obj->u.obj.keys[obj->u.obj.n] = xstrdup(key);
    obj->u.obj.vals[obj->u.obj.n] = v;
    obj->u.obj.n++;
}

JsonValue *json_object_get(const JsonValue *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        if (strcmp(obj->u.obj.keys[i], key) == 0) {
            return obj->u.obj.vals[i];
        }
    }
    return NULL;
}

const char *json_string_value(const JsonValue *v)
{
    return v && v->type == JSON_STRING ? v->u.str.s : NULL;
}

void json_free(JsonValue *v)
{
    if (!v) {
        return;
    }
    switch (v->type) {
    case JSON_STRING:
        free(v->u.str.s);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_free(v->u.arr.items[i]);
        }
        free(v->u.arr.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            free(v->u.obj.keys[i]);
            json_free(v->u.obj.vals[i]);
        }
        free(v->u.obj.keys);
        free(v->u.obj.vals);
        break;
    default:
        break;
    }
    free(v);
}

JsonValue *json_clone(const JsonValue *v)
{
    JsonValue *c;

    switch (v->type) {
    case JSON_STRING:
        return json_new_string_len(v->u.str.s, v->u.str.len);
    case JSON_ARRAY:
        c = json_new_array();
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_array_append(c, json_clone(v->u.arr.items[i]));
        }
        return c;
    case JSON_OBJECT:
        c = json_new_object();
        for (size_t i = 0; i < v->u.obj.n; i++) {
            json_object_set(c, v->u.obj.keys[i], json_clone(v->u.obj.vals[i]));
        }
        return c;
    default:
        c = json_new(v->type);
        c->u = v->u;
        return c;
    }
}

bool json_equal(const JsonValue *a, const JsonValue *b)
{
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case JSON_NULL:
        return true;
    case JSON_BOOL:
        return a->u.b == b->u.b;
    case JSON_INT:
        return a->u.i == b->u.i;
    case JSON_DOUBLE:
        return a->u.d == b->u.d;
    case JSON_STRING:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case JSON_ARRAY:
        if (a->u.arr.n != b->u.arr.n) {
            return false;
        }
        for (size_t i = 0; i < a->u.arr.n; i++) {
            if (!json_equal(a->u.arr.items[i], b->u.arr.items[i])) {
                return false;
            }
        }
        return true;
    case JSON_OBJECT:
        if (a->u.obj.n != b->u.obj.n) {
            return false;
        }
        for (size_t i = 0; i < a->u.obj.n; i++) {
            JsonValue *o = json_object_get(b, a->u.obj.keys[i]);
            if (!o || !json_equal(a->u.obj.vals[i], o)) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* ---- growable byte buffer ---- */

typedef struct JsonBuf {
    char *s;
    size_t len, cap;
} JsonBuf;

static void jb_reserve(JsonBuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + extra + 1 > cap) {
            cap *= 2;
        }
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
}

static void jb_putc(JsonBuf *b, char c)
{
    jb_reserve(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static void jb_put(JsonBuf *b, const char *s, size_t n)
{
    jb_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void PRINTF_FMT(2, 3) jb_printf(JsonBuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0) {
        jb_put(b, tmp, MIN((size_t)n, sizeof(tmp) - 1));
    }
}

/* ---- UTF-8 ---- */

static void utf8_encode(JsonBuf *b, uint32_t cp)
{
    if (cp < 0x80) {
        jb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        jb_putc(b, (char)(0xc0 | (cp >> 6)));
        jb_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        jb_putc(b, (char)(0xe0 | (cp >> 12)));
        jb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jb_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        jb_putc(b, (char)(0xf0 | (cp >> 18)));
        jb_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        jb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jb_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_valid_len(const uint8_t *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80) {
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Reject overlong forms, surrogates and values beyond U+10FFFF. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return len;
}

/* ---- parser ---- */

typedef struct JsonParser {
    const char *p, *end;
    int depth;
    char *err;
    size_t errlen;
    bool failed;
} JsonParser;

static void PRINTF_FMT(2, 3) jp_error(JsonParser *jp, const char *fmt, ...)
{
    va_list ap;

    if (jp->failed) {
        return;
    }
    jp->failed = true;
    if (jp->err && jp->errlen) {
        va_start(ap, fmt);
        vsnprintf(jp->err, jp->errlen, fmt, ap);
        va_end(ap);
    }
}

static void jp_skip_ws(JsonParser *jp)
{
    while (jp->p < jp->end &&
           (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')) {
        jp->p++;
    }
}

static JsonValue *jp_value(JsonParser *jp);

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool jp_hex4(JsonParser *jp, uint32_t *out)
{
    uint32_t v = 0;

    if (jp->end - jp->p < 4) {
        jp_error(jp, "truncated \\u escape");
        return false;
    }
    for (int i = 0; i < 4; i++) {
        int h = hexval(jp->p[i]);
        if (h < 0) {
            jp_error(jp, "invalid \\u escape");
            return false;
        }
        v = (v << 4) | (uint32_t)h;
    }
    jp->p += 4;
    *out = v;
    return true;
}

/* Parses a string starting at the opening quote into b (raw bytes, NUL-terminated). */
static bool jp_string(JsonParser *jp, JsonBuf *b)
{
    jp->p++; /* opening quote */
    jb_reserve(b, 0);
    b->s[0] = '\0';
    while (jp->p < jp->end) {
        uint8_t c = (uint8_t)*jp->p;

        if (c == '"') {
            jp->p++;
            return true;
        }
        if (c < 0x20) {
            jp_error(jp, "control character in string");
            return false;
        }
        if (c == '\\') {
            uint32_t cp;

            jp->p++;
            if (jp->p >= jp->end) {
                break;
            }
            c = (uint8_t)*jp->p++;
            switch (c) {
            case '"': jb_putc(b, '"'); break;
            case '\\': jb_putc(b, '\\'); break;
            case '/': jb_putc(b, '/'); break;
            case 'b': jb_putc(b, '\b'); break;
            case 'f': jb_putc(b, '\f'); break;
            case 'n': jb_putc(b, '\n'); break;
            case 'r': jb_putc(b, '\r'); break;
            case 't': jb_putc(b, '\t'); break;
            case 'u':
                if (!jp_hex4(jp, &cp)) {
                    return false;
                }
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo;
                    if (jp->end - jp->p < 2 || jp->p[0] != '\\' || jp->p[1] != 'u') {
                        jp_error(jp, "unpaired surrogate in \\u escape");
                        return false;
                    }
                    jp->p += 2;
                    if (!jp_hex4(jp, &lo)) {
                        return false;
                    }
                    if (lo < 0xdc00 || lo > 0xdfff) {
                        jp_error(jp, "invalid low surrogate in \\u escape");
                        return false;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    jp_error(jp, "unpaired surrogate in \\u escape");
                    return false;
                }
                utf8_encode(b, cp);
                break;
            default:
                jp_error(jp, "invalid escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
                return false;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_valid_len((const uint8_t *)jp->p, (size_t)(jp->end - jp->p));
            if (n == 0) {
                jp_error(jp, "invalid UTF-8 in string");
                return false;
            }
            jb_put(b, jp->p, n);
            jp->p += n;
            continue;
        }
        jb_putc(b, (char)c);
        jp->p++;
    }
    jp_error(jp, "unterminated string");
    return false;
}

static JsonValue *jp_number(JsonParser *jp)
{
    const char *start = jp->p;
    bool is_float = false;
    char tmp[64];
    size_t n;

    if (jp->p < jp->end && *jp->p == '-') {
        jp->p++;
    }
    if (jp->p >= jp->end || !(*jp->p >= '0' && *jp->p <= '9')) {
        jp_error(jp, "invalid number");
        return NULL;
    }
    if (*jp->p == '0') {
        jp->p++;
    } else {
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
            jp->p++;
        }
    }
    if (jp->p < jp->end && *jp->p == '.') {
        is_float = true;
        jp->p++;
        if (jp->p >= jp->end || !(*jp->p >= '0' && *jp->p <= '9')) {
            jp_error(jp, "invalid number: digit expected after '.'");
            return NULL;
        }
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
            jp->p++;
        }
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        is_float = true;
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-')) {
            jp->p++;
        }
        if (jp->p >= jp->end || !(*jp->p >= '0' && *jp->p <= '9')) {
            jp_error(jp, "invalid number: digit expected in exponent");
            return NULL;
        }
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9') {
            jp->p++;
        }
    }
    n = (size_t)(jp->p - start);
    if (n >= sizeof(tmp)) {
        /* Very long numbers: only the magnitude matters; parse as double from a copy. */
        char *big = xmalloc(n + 1);
        double d;
        memcpy(big, start, n);
        big[n] = '\0';
        d = strtod(big, NULL);
        free(big);
        return json_new_double(d);
    }
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    if (!is_float) {
        long long ll;
        errno = 0;
        ll = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            return json_new_int((int64_t)ll);
        }
    }
    return json_new_double(strtod(tmp, NULL));
}

static bool jp_literal(JsonParser *jp, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n) != 0) {
        jp_error(jp, "invalid literal");
        return false;
    }
    jp->p += n;
    return true;
}

static JsonValue *jp_array(JsonParser *jp)
{
    JsonValue *arr = json_new_array();

    jp->p++;
    jp_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        return arr;
    }
    for (;;) {
        JsonValue *v = jp_value(jp);
        if (!v) {
            json_free(arr);
            return NULL;
        }
        json_array_append(arr, v);
        jp_skip_ws(jp);
        if (jp->p >= jp->end) {
            jp_error(jp, "unterminated array");
            break;
        }
        if (*jp->p == ',') {
            jp->p++;
            continue;
        }
        if (*jp->p == ']') {
            jp->p++;
            return arr;
        }
        jp_error(jp, "',' or ']' expected in array");
        break;
    }
    json_free(arr);
    return NULL;
}

static JsonValue *jp_object(JsonParser *jp)
{
    JsonValue *obj = json_new_object();
    JsonBuf key = {0};

    jp->p++;
    jp_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        return obj;
    }
    for (;;) {
        JsonValue *v;

        jp_skip_ws(jp);
        if (jp->p >= jp->end || *jp->p != '"') {
            jp_error(jp, jp->p >= jp->end ? "unterminated object" : "string key expected");
            break;
        }
        key.len = 0;
        if (!jp_string(jp, &key)) {
            break;
        }
        if (strlen(key.s) != key.len) {
            jp_error(jp, "NUL character in object key");
            break;
        }
        jp_skip_ws(jp);
        if (jp->p >= jp->end || *jp->p != ':') {
            jp_error(jp, "':' expected after object key");
            break;
        }
        jp->p++;
        v = jp_value(jp);
        if (!v) {
            break;
        }
        json_object_set(obj, key.s, v);
        jp_skip_ws(jp);
        if (jp->p >= jp->end) {
            jp_error(jp, "unterminated object");
            break;
        }
        if (*jp->p == ',') {
            jp->p++;
            continue;
        }
        if (*jp->p == '}') {
            jp->p++;
            free(key.s);
            return obj;
        }
        jp_error(jp, "',' or '}' expected in object");
        break;
    }
    free(key.s);
    json_free(obj);
    return NULL;
}

static JsonValue *jp_value(JsonParser *jp)
{
    JsonValue *v = NULL;

    jp_skip_ws(jp);
    if (jp->p >= jp->end) {
        jp_error(jp, "unexpected end of input");
        return NULL;
    }
    switch (*jp->p) {
    case '{':
    case '[':
        if (jp->depth >= JSON_MAX_DEPTH) {
            jp_error(jp, "nesting deeper than %d levels", JSON_MAX_DEPTH);
            return NULL;
        }
        jp->depth++;
        v = *jp->p == '{' ? jp_object(jp) : jp_array(jp);
        jp->depth--;
        return v;
    case '"': {
        JsonBuf b = {0};
        if (!jp_string(jp, &b)) {
            free(b.s);
            return NULL;
        }
        v = json_new_string_len(b.s, b.len);
        free(b.s);
        return v;
    }
    case 't':
        return jp_literal(jp, "true") ? json_new_bool(true) : NULL;
    case 'f':
        return jp_literal(jp, "false") ? json_new_bool(false) : NULL;
    case 'n':
        return jp_literal(jp, "null") ? json_new_null() : NULL;
    default:
        if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) {
            return jp_number(jp);
        }
        if ((uint8_t)*jp->p >= 0x20 && (uint8_t)*jp->p < 0x7f) {
            jp_error(jp, "unexpected character '%c'", *jp->p);
        } else {
            jp_error(jp, "unexpected byte 0x%02x", (uint8_t)*jp->p);
        }
        return NULL;
    }
}

JsonValue *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    JsonParser jp = {.p = text, .end = text + len, .err = err, .errlen = errlen};
    JsonValue *v;

    if (err && errlen) {
        err[0] = '\0';
    }
    v = jp_value(&jp);
    if (!v) {
        jp_error(&jp, "invalid JSON");
        return NULL;
    }
    jp_skip_ws(&jp);
    if (jp.p != jp.end) {
        jp_error(&jp, "trailing characters after JSON value");
        json_free(v);
        return NULL;
    }
    return v;
}

/* ---- printer ---- */

static void print_string(JsonBuf *b, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;

    jb_putc(b, '"');
    while (i < len) {
        uint8_t c = p[i];

        if (c == '"' || c == '\\') {
            jb_putc(b, '\\');
            jb_putc(b, (char)c);
        } else if (c == '\n') {
            jb_put(b, "\\n", 2);
        } else if (c == '\r') {
            jb_put(b, "\\r", 2);
        } else if (c == '\t') {
            jb_put(b, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            jb_printf(b, "\\u%04x", c);
        } else if (c >= 0x80) {
            size_t n = utf8_valid_len(p + i, len - i);
            if (n == 0) {
                jb_put(b, "\\ufffd", 6);
                i++;
            } else {
                jb_put(b, s + i, n);
                i += n;
            }
            continue;
        } else {
            jb_putc(b, (char)c);
        }
        i++;
    }
    jb_putc(b, '"');
}

static void print_value(JsonBuf *b, const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL:
        jb_put(b, "null", 4);
        break;
    case JSON_BOOL:
        if (v->u.b) {
            jb_put(b, "true", 4);
        } else {
            jb_put(b, "false", 5);
        }
        break;
    case JSON_INT:
        jb_printf(b, "%lld", (long long)v->u.i);
        break;
    case JSON_DOUBLE:
        if (isfinite(v->u.d)) {
            char tmp[40];
            snprintf(tmp, sizeof(tmp), "%.17g", v->u.d);
            jb_put(b, tmp, strlen(tmp));
            /* Keep it a double on re-parse: "1" would come back as an integer. */
            if (!strpbrk(tmp, ".eEn")) {
                jb_put(b, ".0", 2);
            }
        } else {
            jb_put(b, "null", 4); /* JSON has no Inf/NaN */
        }
        break;
    case JSON_STRING:
        print_string(b, v->u.str.s, v->u.str.len);
        break;
    case JSON_ARRAY:
        jb_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) {
                jb_put(b, ", ", 2);
            }
            print_value(b, v->u.arr.items[i]);
        }
        jb_putc(b, ']');
        break;
    case JSON_OBJECT:
        jb_putc(b, '{');
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (i) {
                jb_put(b, ", ", 2);
            }
            print_string(b, v->u.obj.keys[i], strlen(v->u.obj.keys[i]));
            jb_put(b, ": ", 2);
            print_value(b, v->u.obj.vals[i]);
        }
        jb_putc(b, '}');
        break;
    }
}

char *json_to_string(const JsonValue *v)
{
    JsonBuf b = {0};

    jb_reserve(&b, 0);
    b.s[0] = '\0';
    print_value(&b, v);
    return b.s;
}

/* ---- stream splitter ---- */

void json_streamer_init(JsonStreamer *st)
{
    memset(st, 0, sizeof(*st));
}

void json_streamer_reset(JsonStreamer *st)
{
    st->len = 0;
    st->depth = 0;
    st->in_string = false;
    st->escape = false;
    st->in_scalar = false;
}

void json_streamer_destroy(JsonStreamer *st)
{
    free(st->buf);
    memset(st, 0, sizeof(*st));
}

static void streamer_emit(JsonStreamer *st, void (*cb)(void *, const char *, size_t),
                          void *opaque)
{
    size_t len = st->len;

    /* Reset before the callback, which may reset (but not feed) the streamer. */
    json_streamer_reset(st);
    if (len) {
        cb(opaque, st->buf, len);
    }
}

static void streamer_append(JsonStreamer *st, char c)
{
    if (st->len + 2 > st->cap) {
        st->cap = st->cap ? st->cap * 2 : 256;
        st->buf = xrealloc(st->buf, st->cap);
    }
    st->buf[st->len++] = c;
    st->buf[st->len] = '\0';
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_structural(char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == '"' || c == ',' || c == ':';
}

void json_streamer_feed(JsonStreamer *st, const void *data, size_t n,
                        void (*cb)(void *opaque, const char *text, size_t len), void *opaque)
{
    const char *p = data;

    for (size_t i = 0; i < n; i++) {
        char c = p[i];

        if (st->in_scalar && (is_ws(c) || is_structural(c))) {
            /* A bare top-level token (e.g. 42 or garbage) ends at whitespace/structure. */
            streamer_emit(st, cb, opaque);
        }
        if (st->len == 0 && st->depth == 0 && !st->in_string && is_ws(c)) {
            continue; /* whitespace between texts */
        }
        streamer_append(st, c);
        if (st->in_string) {
            if (st->escape) {
                st->escape = false;
            } else if (c == '\\') {
                st->escape = true;
            } else if (c == '"') {
                st->in_string = false;
                if (st->depth == 0) {
                    streamer_emit(st, cb, opaque);
                }
            }
        } else if (c == '"') {
            st->in_string = true;
        } else if (c == '{' || c == '[') {
            st->depth++;
        } else if (c == '}' || c == ']') {
            /* A stray closer at depth 0 is emitted as is: the parser reports it. */
            if (st->depth > 0) {
                st->depth--;
            }
            if (st->depth == 0) {
                streamer_emit(st, cb, opaque);
            }
        } else if (st->depth == 0 && !is_ws(c)) {
            st->in_scalar = true;
            if (c == ',' || c == ':') {
                streamer_emit(st, cb, opaque);
            }
        }
        if (st->len > JSON_STREAM_MAX) {
            streamer_emit(st, cb, opaque);
        }
    }
}
