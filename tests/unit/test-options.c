/*
 * Unit tests for the command-line helpers (util/options.c) and the log mask parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
    CHECK(!parse_size("0x10", 'M', &v));
    CHECK(!parse_size(" 1", 'M', &v));
    CHECK(!parse_size("1 M", 'M', &v));
    CHECK(!parse_size("12MiBx", 'M', &v));
    CHECK(parse_size("2T", 'M', &v) && v == 2ull << 40);
    CHECK(parse_size("4096B", 'M', &v) && v == 4096);
    CHECK(parse_size("7", 'B', &v) && v == 7);
    CHECK(parse_size("0", 'M', &v) && v == 0); /* callers check ranges */
    CHECK(parse_size("16383T", 'M', &v) && v == 16383ull << 40);
    CHECK(!parse_size("16777216T", 'M', &v)); /* 2^64: overflow */

    /* Fractions, as QEMU's size parser: an explicit suffix other than B, rounded down. */
    CHECK(parse_size("1.5G", 'M', &v) && v == 3ull << 29);
    CHECK(parse_size("0.5G", 'M', &v) && v == 1ull << 29);
    CHECK(parse_size("1.5GiB", 'M', &v) && v == 3ull << 29);
    CHECK(parse_size("100.5M", 'M', &v) && v == 105381888);
    CHECK(parse_size("1.1G", 'M', &v) && v == 1181116006);  /* 1181116006.4 */
    CHECK(parse_size("0.1T", 'M', &v) && v == 109951162777); /* 109951162777.6 */
    CHECK(parse_size("0.001k", 'M', &v) && v == 1);          /* 1.024 */
    CHECK(parse_size("0.0001K", 'M', &v) && v == 0);         /* 0.1024 */
    CHECK(parse_size("1.G", 'M', &v) && v == 1ull << 30);
    CHECK(parse_size("0.5K", 'M', &v) && v == 512);
    /* Digits past the 10th cannot change a K result, and are still read exactly. */
    CHECK(parse_size("0.49999999999999999999999999999999999999999K", 'M', &v) && v == 511);
    CHECK(parse_size("16777215.9999999999999999999999999999999999999999T", 'M', &v) &&
          v == UINT64_MAX);
    CHECK(!parse_size("1.5", 'M', &v)); /* no suffix: a fraction of the default unit */
    CHECK(!parse_size("1.", 'M', &v));
    CHECK(!parse_size("1.5B", 'M', &v)); /* not a whole number of bytes */
    CHECK(!parse_size("1..5G", 'M', &v));
    CHECK(!parse_size("1.5.G", 'M', &v));
    CHECK(!parse_size(".5G", 'M', &v));
    CHECK(!parse_size("-1G", 'M', &v));
    CHECK(!parse_size("1e3M", 'M', &v));
    CHECK(!parse_size("1.5e3M", 'M', &v));
    CHECK(!parse_size("1.5 G", 'M', &v));
    CHECK(!parse_size("0x1.8G", 'M', &v));
    CHECK(!parse_size("18446744073709551615.5K", 'M', &v));
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
    CHECK(!parse_bool("", &b));
    CHECK(!parse_bool("On", &b)); /* QEMU spells them in lower case */
    CHECK(parse_bool("yes", &b) && b && parse_bool("false", &b) && !b);
    CHECK(!parse_uint("18446744073709551616", &v)); /* 2^64 */
    CHECK(parse_uint("18446744073709551615", &v) && v == UINT64_MAX);
    CHECK(!parse_uint(" 1", &v));
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
    /* Without an implied key every bare word is a flag set to "on". */
    n = kv_parse("tcp::4444,server,nowait", kv, 8, NULL);
    CHECK(n == 3 && !strcmp(kv[0].key, "tcp::4444") && !strcmp(kv[2].key, "nowait") &&
          !strcmp(kv[1].val, "on"));
    n = kv_parse("user,model=e1000", kv, 8, "type");
    CHECK(n == 2 && !strcmp(kv[0].key, "type") && !strcmp(kv[0].val, "user") &&
          !strcmp(kv[1].key, "model") && !strcmp(kv[1].val, "e1000"));
    n = kv_parse("base=2020-01-01T00:00:00,clock=vm", kv, 8, NULL);
    CHECK(n == 2 && !strcmp(kv[0].val, "2020-01-01T00:00:00") && !strcmp(kv[1].val, "vm"));
    /* A value may hold '=' (only the first one splits). */
    n = kv_parse("append=a=b", kv, 8, NULL);
    CHECK(n == 1 && !strcmp(kv[0].key, "append") && !strcmp(kv[0].val, "a=b"));
    n = kv_parse("file=", kv, 8, "file");
    CHECK(n == 1 && kv[0].val[0] == '\0');
    n = kv_parse("a=1,", kv, 8, NULL);
    CHECK(n == 1);
    /* Keys and values longer than the fields are errors, never truncated. */
    {
        char longkey[64], longval[1100];
        memset(longkey, 'k', sizeof(longkey) - 3);
        memcpy(longkey + sizeof(longkey) - 3, "=1", 3);
        CHECK(kv_parse(longkey, kv, 8, NULL) < 0);
        memcpy(longval, "file=", 5);
        memset(longval + 5, 'v', sizeof(longval) - 6);
        longval[sizeof(longval) - 1] = '\0';
        CHECK(kv_parse(longval, kv, 8, NULL) < 0);
    }
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

    /* "-" alone and "---x" are not options; an option's argument may start with '-'. */
    {
        char *argv5[] = {"x86pc", "-", NULL};
        char *argv6[] = {"x86pc", "---m", "1", NULL};
        char *argv7[] = {"x86pc", "-m", "-5", NULL};
        opt_init(&p, 2, argv5, opts, 3);
        CHECK(opt_next(&p, &arg) == -1 && strstr(p.error, "unexpected argument"));
        opt_init(&p, 3, argv6, opts, 3);
        CHECK(opt_next(&p, &arg) == -1 && strstr(p.error, "unknown option"));
        opt_init(&p, 3, argv7, opts, 3);
        CHECK(opt_next(&p, &arg) == 1 && !strcmp(arg, "-5") && !strcmp(p.name, "-m"));
    }
}

static void test_help(void)
{
    static const OptionDesc opts[] = {
        {1, "m", "SIZE", "guest RAM"},
        {1, "mem", "SIZE", NULL}, /* alias: not listed */
        {2, "machine", "pc[,linuxboot=M]", "machine type"},
    };
    char buf[512] = "";
    FILE *f = tmpfile();
    size_t len;

    CHECK(f != NULL);
    if (!f) {
        return;
    }
    opt_print_help(f, opts, ARRAY_SIZE(opts));
    rewind(f);
    len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[len] = '\0';
    fclose(f);
    CHECK(strstr(buf, "  -m SIZE                guest RAM\n") != NULL);
    CHECK(strstr(buf, "-mem") == NULL);
    /* Too wide for the column: the help text goes on the next line, still aligned. */
    CHECK(strstr(buf, "  -machine pc[,linuxboot=M]\n                         machine type\n") != NULL);
}

static void test_log_items(void)
{
    uint32_t mask;
    char bad[32];

    CHECK(log_parse_items("in_asm,int", &mask, bad, sizeof(bad)) && mask == (LOG_IN_ASM | LOG_INT));
    CHECK(!log_parse_items("in_asm,bogus", &mask, bad, sizeof(bad)) && !strcmp(bad, "bogus"));
    CHECK(log_parse_items("all", &mask, bad, sizeof(bad)) && (mask & LOG_PCALL) && (mask & LOG_MMU));
    CHECK(log_parse_items("", &mask, bad, sizeof(bad)) && mask == 0);
    CHECK(log_parse_items("int,,mmu,", &mask, bad, sizeof(bad)) && mask == (LOG_INT | LOG_MMU));
    CHECK(!log_parse_items("in", &mask, bad, sizeof(bad)) && !strcmp(bad, "in")); /* no prefixes */
    CHECK(!log_parse_items("INT", &mask, bad, sizeof(bad)));
    CHECK(log_parse_items("all", &mask, bad, sizeof(bad)) && mask == (1u << LOG_BIT_COUNT) - 1);
    /* Each item the issue asks for exists. */
    CHECK(log_parse_items("in_asm,exec,cpu,int,mmu,ioport,unimp,guest_errors,pcall", &mask, bad,
                          sizeof(bad)));
}

/* -D FILE: log_printf writes there, log_enabled follows the mask. */
static void test_log_file(void)
{
    char path[] = "/tmp/x86pc-test-log.XXXXXX";
    char buf[256] = "";
    int fd = mkstemp(path);
    FILE *f;
    size_t len;

    CHECK(fd >= 0);
    if (fd < 0) {
        return;
    }
    close(fd);
    CHECK(log_set_file(path) == 0);
    log_mask = LOG_INT;
    log_mask_printf(LOG_INT, "int %d\n", 13);
    log_mask_printf(LOG_MMU, "mmu line\n");
    log_flush();
    log_mask = 0;
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) {
        len = fread(buf, 1, sizeof(buf) - 1, f);
        buf[len] = '\0';
        fclose(f);
    }
    CHECK(!strcmp(buf, "int 13\n"));
    CHECK(log_set_file("/nonexistent-dir/x/log") < 0);
    unlink(path);
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
    test_help();
    test_log_items();
    test_log_file();
    test_byte_order();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
