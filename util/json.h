/*
 * A small JSON (RFC 8259) value type, parser, printer and stream splitter, for QMP.
 *
 * Values are trees of JsonValue nodes owned by their parent: json_free() on the root
 * frees everything. Strings are stored with an explicit length (they may contain NUL,
 * from "\u0000") and are always NUL-terminated as well. Integers that fit in int64_t are
 * kept exactly (JSON_INT); other numbers become JSON_DOUBLE.
 *
 * The parser never crashes on hostile input: it checks every byte, limits nesting to
 * JSON_MAX_DEPTH, and returns NULL with a message on any error.
 */
#ifndef X86PC_UTIL_JSON_H
#define X86PC_UTIL_JSON_H

#include "util/common.h"

#define JSON_MAX_DEPTH 64

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT,
    JSON_DOUBLE,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;

struct JsonValue {
    JsonType type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            JsonValue **items;
            size_t n, cap;
        } arr;
        struct {
            char **keys; /* NUL-terminated; keys with embedded NUL are rejected */
            JsonValue **vals;
            size_t n, cap;
        } obj;
    } u;
};

/* Parse exactly one value (surrounding whitespace allowed). NULL + message on error. */
JsonValue *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(JsonValue *v);

/* Constructors (never NULL). Containers take ownership of the values added to them. */
JsonValue *json_new_null(void);
JsonValue *json_new_bool(bool b);
JsonValue *json_new_int(int64_t i);
JsonValue *json_new_double(double d);
JsonValue *json_new_string(const char *s);
JsonValue *json_new_string_len(const char *s, size_t len);
JsonValue *json_new_array(void);
JsonValue *json_new_object(void);
void json_array_append(JsonValue *arr, JsonValue *v);
/* Adds or replaces key. */
void json_object_set(JsonValue *obj, const char *key, JsonValue *v);

/* Lookups: NULL if obj is not an object or has no such key. */
JsonValue *json_object_get(const JsonValue *obj, const char *key);
/* The string of a JSON_STRING value, else NULL. */
const char *json_string_value(const JsonValue *v);

/* Compact printing (no newlines). Non-UTF-8 bytes in strings print as \ufffd, so the
 * output is always valid JSON. Returns a malloc'd NUL-terminated string. */
char *json_to_string(const JsonValue *v);
/* Deep copy. */
JsonValue *json_clone(const JsonValue *v);
/* Deep equality (objects: same key set, order-independent). */
bool json_equal(const JsonValue *a, const JsonValue *b);

/*
 * Stream splitter: QMP clients send JSON texts back to back over a byte stream. Feed it
 * bytes; each time a complete top-level value has arrived, cb gets its text (not yet
 * parsed: the parser then reports syntax errors). A stray closing bracket, or a text
 * longer than JSON_STREAM_MAX, is handed over as-is (the parser rejects it) and the
 * splitter starts afresh, so garbage never blocks the stream for long. cb may call
 * json_streamer_reset() but must not feed the same streamer.
 */
#define JSON_STREAM_MAX (1u << 20)

typedef struct JsonStreamer {
    char *buf;
    size_t len, cap;
    int depth;       /* open brackets/braces */
    bool in_string;
    bool escape;     /* previous byte in a string was a backslash */
    bool in_scalar;  /* inside a top-level bare token (number, true, ...) */
} JsonStreamer;

void json_streamer_init(JsonStreamer *st);
void json_streamer_reset(JsonStreamer *st);
void json_streamer_destroy(JsonStreamer *st);
void json_streamer_feed(JsonStreamer *st, const void *data, size_t n,
                        void (*cb)(void *opaque, const char *text, size_t len), void *opaque);

#endif
