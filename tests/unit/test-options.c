/*
 * Unit tests for the command-line helpers (util/options.c) and the log mask parser.
 */
#include <stdio.h>

#include "util/log.h"
#include "util/options.h"

static int passed, failed;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (cond) {                                                                               \
            passed++;                                                                             \
        } else {                                                                                  \
            failed++;                                                                             \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                \
        }                                                                                         \
    } while (0)

static void test_sizes(void)
{
    uint64_t v;

    CHECK(parse_size("128", 'M', &v) && v == 128ull << 20);
    CHECK(parse_size("1G", 'M', &v) && v == 1ull << 30);
    CHECK(parse_size("512k", 'M', &v) && v == 512ull << 10);
    CHECK(parse_size("64MiB", 'M', &v) && v == 64ull << 20);
    CHECK(parse_size("64MB", 'M', &v) && v == 64ull << 20);
    CHECK(!parse_size("", 'M', &v));
    CHECK(!parse_size("M", 'M', &v));
    CHECK(!parse_size("12X", 'M', &v));
    CHECK(!parse_size("-5", 'M', &v));
    CHECK(!parse_size("99999999999999999999", 'M', &v));
    CHECK(!parse_size("18446744073709551615G", 'M', &v));
    CHECK(!parse_size("12Mfoo", 'M', &v));
}

static void test_uint_bool(void)
{
    uint64_t v;
    bool b;

    CHECK(parse_uint("0x10", &v) && v == 16);
    CHECK(parse_uint("42", &v) && v == 42);
    CHECK(!parse_uint("4x", &v));
    CHECK(!parse_uint("", &v));
    CHECK(!parse_uint("-1", &v));
    CHECK(parse_bool("on", &b) && b);
    CHECK(parse_bool("off", &b) && !b);
    CHECK(!parse_bool("maybe", &b));
}

static void test_kv(void)
{
    KeyVal kv[8];
    int n;

    n = kv_parse("file=a.img,format=raw,if=ide", kv, 8, "file");
    CHECK(n == 3 && !strcmp(kv[0].key, "file") && !strcmp(kv[0].val, "a.img") &&
          !strcmp(kv[2].key, "if") && !strcmp(kv[2].val, "ide"));
    n = kv_parse("cd", kv, 8, "order");
    CHECK(n == 1 && !strcmp(kv[0].key, "order") && !strcmp(kv[0].val, "cd"));
    n = kv_parse("file=a,,b.img", kv, 8, "file");
    CHECK(n == 1 && !strcmp(kv[0].val, "a,b.img"));
    n = kv_parse("x.img,readonly", kv, 8, "file");
    CHECK(n == 2 && !strcmp(kv[1].key, "readonly") && !strcmp(kv[1].val, "on"));
    CHECK(kv_parse("", kv, 8, "file") < 0);
    CHECK(kv_parse("=x", kv, 8, "file") < 0);
    CHECK(kv_parse("a=1,b=2,c=3", kv, 2, NULL) < 0);
    CHECK(kv_parse("cd", kv, 8, NULL) == 1); /* flag form */
}

static void test_parser(void)
{
    static const OptionDesc opts[] = {
        {1, "m", "SIZE", "ram"},
        {2, "S", NULL, "paused"},
        {3, "nographic", NULL, "no display"},
    };
    char *argv1[] = {"x86pc", "-m", "64", "--S", "-nographic", NULL};
    char *argv2[] = {"x86pc", "-m", NULL};
    char *argv3[] = {"x86pc", "-bogus", NULL};
    char *argv4[] = {"x86pc", "disk.img", NULL};
    OptionParser p;
    const char *arg;

    opt_init(&p, 5, argv1, opts, 3);
    CHECK(opt_next(&p, &arg) == 1 && !strcmp(arg, "64"));
    CHECK(opt_next(&p, &arg) == 2 && arg == NULL);
    CHECK(opt_next(&p, &arg) == 3);
    CHECK(opt_next(&p, &arg) == -1 && p.error[0] == '\0');

    opt_init(&p, 2, argv2, opts, 3);
    CHECK(opt_next(&p, &arg) == -1 && strstr(p.error, "requires an argument"));
    opt_init(&p, 2, argv3, opts, 3);
    CHECK(opt_next(&p, &arg) == -1 && strstr(p.error, "unknown option"));
    opt_init(&p, 2, argv4, opts, 3);
    CHECK(opt_next(&p, &arg) == -1 && strstr(p.error, "unexpected argument"));
}

static void test_log_items(void)
{
    uint32_t mask;
    char bad[32];

    CHECK(log_parse_items("in_asm,int", &mask, bad, sizeof(bad)) && mask == (LOG_IN_ASM | LOG_INT));
    CHECK(!log_parse_items("in_asm,bogus", &mask, bad, sizeof(bad)) && !strcmp(bad, "bogus"));
    CHECK(log_parse_items("all", &mask, bad, sizeof(bad)) && (mask & LOG_PCALL) && (mask & LOG_MMU));
    CHECK(log_parse_items("", &mask, bad, sizeof(bad)) && mask == 0);
}

static void test_byte_order(void)
{
    uint8_t b[8];

    stl_le_p(b, 0x11223344);
    CHECK(b[0] == 0x44 && b[3] == 0x11 && ldl_le_p(b) == 0x11223344);
    stq_le_p(b, 0x0102030405060708ull);
    CHECK(b[0] == 0x08 && b[7] == 0x01 && ldq_le_p(b) == 0x0102030405060708ull);
    stw_be_p(b, 0xabcd);
    CHECK(b[0] == 0xab && lduw_be_p(b) == 0xabcd);
    /* unaligned */
    stl_le_p(b + 1, 0xdeadbeef);
    CHECK(ldl_le_p(b + 1) == 0xdeadbeef && b[1] == 0xef);
}

int main(void)
{
    test_sizes();
    test_uint_bool();
    test_kv();
    test_parser();
    test_log_items();
    test_byte_order();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
