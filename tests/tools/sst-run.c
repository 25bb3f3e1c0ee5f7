/*
 * sst-run: run the SingleStepTests 80286 real-mode suite (MOO format, see
 * ../shared/guests/README.md) against the x86pc CPU and report per opcode file.
 *
 *   sst-run [-v] [-t] [-R revocation_list.txt] FILE.MOO.gz|DIR ...
 *
 * Each vector loads its INIT registers and RAM into a CPU (model pentium2) on a fake bus
 * (16 MiB of RAM, I/O reads return all ones), runs from CS:IP until the HLT that follows
 * the instruction (or that the test placed at the branch/exception target) executes, and
 * compares the registers, FLAGS and the FINA RAM bytes.
 *
 * FLAGS: bits 12-15 are ignored (the suite's rule for real mode); the bits the SDM
 * documents as undefined for the instruction are masked (undef_flags()), in the register
 * and in the FLAGS image of an exception frame.
 *
 * Every vector is run. One that does not match is counted as a documented 286/P6
 * divergence only if it belongs to one of the classes below AND the P6 side of it checks
 * out (otherwise it is a failure):
 *  - LOCK on a non-lockable instruction or a register destination: the 286 ignores it,
 *    a P6 raises #UD. Checked: #UD with the frame's IP at the instruction, and the vector
 *    rerun with the F0 bytes replaced by an override of the segment the instruction uses
 *    anyway (same length and meaning) matches the 286's result.
 *  - An 11-15-byte instruction: #GP(0) on the 286, valid on a P6. Checked: it retires
 *    without an exception.
 *  - MOV to/from Sreg 4/5: #UD on the 286, FS/GS on a P6. Checked: the selector moves
 *    and nothing else changes.
 *  - An access or fetch crossing offset 0xFFFF: the 286 wraps (or reports #GP for SS), a
 *    P6 raises #GP/#SS for the limit. Checked: the fault disappears with 128 KiB limits;
 *    where the 286 raised the same #GP in a string instruction after advancing SI/DI/CX,
 *    everything else must match too.
 * Vectors listed in the suite's revocation list (-R) are not run.
 *
 * Output: one line per file and the totals; with -t a Markdown report (per-opcode table
 * with the masked flags, the divergence classes, the totals over all vectors). -v lists
 * every failing or diverging vector. Exit status non-zero if any vector failed.
 */
/* 64-bit inode numbers in readdir() on 32-bit hosts (else EOVERFLOW on big filesystems) */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "cpu/decode.h"
#ifdef CONFIG_ZLIB
#include <zlib.h>
#endif

#define RAM_SIZE (16u << 20)
#define PAGE_SIZE_4K 4096u
#define MAX_STEPS 200000

/* ---- fake bus ---- */

typedef struct FakeBus {
    uint8_t *ram;
    uint8_t dirty[RAM_SIZE / PAGE_SIZE_4K];
} FakeBus;

static uint8_t *fb_map_page(void *opaque, uint64_t paddr, bool write)
{
    FakeBus *fb = opaque;

    if (paddr >= RAM_SIZE) {
        return NULL;
    }
    if (write) {
        fb->dirty[paddr / PAGE_SIZE_4K] = 1;
    }
    return fb->ram + (paddr & ~(uint64_t)(PAGE_SIZE_4K - 1));
}

static uint64_t fb_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    return ~0ull >> (64 - 8 * size);
}

static void fb_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
}

static uint32_t fb_io_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xffffffffu;
}

static void fb_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
}

static int fb_intr_ack(void *opaque, int cpu_index)
{
    return 0x08;
}

static int64_t fb_clock_ns(void *opaque)
{
    return 0;
}

static const CPUBusOps fake_bus_ops = {
    .map_page = fb_map_page,
    .mem_read = fb_mem_read,
    .mem_write = fb_mem_write,
    .io_read = fb_io_read,
    .io_write = fb_io_write,
    .intr_ack = fb_intr_ack,
    .clock_ns = fb_clock_ns,
};

/* ---- MOO parsing ---- */

typedef struct Buf {
    uint8_t *data;
    size_t len;
} Buf;

static bool read_gz(const char *path, Buf *out)
{
    size_t cap = 1 << 20;

    out->data = xmalloc(cap);
    out->len = 0;
#ifdef CONFIG_ZLIB
    gzFile f = gzopen(path, "rb");
    int n;

    if (!f) {
        return false;
    }
    for (;;) {
        if (cap - out->len < 65536) {
            cap *= 2;
            out->data = xrealloc(out->data, cap);
        }
        n = gzread(f, out->data + out->len, (unsigned)(cap - out->len));
        if (n <= 0) {
            break;
        }
        out->len += (size_t)n;
    }
    gzclose(f);
    return n == 0;
#else
    char cmd[4096 + 32];
    FILE *p;
    size_t n;

    snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
    p = popen(cmd, "r");
    if (!p) {
        return false;
    }
    for (;;) {
        if (cap - out->len < 65536) {
            cap *= 2;
            out->data = xrealloc(out->data, cap);
        }
        n = fread(out->data + out->len, 1, cap - out->len, p);
        if (n == 0) {
            break;
        }
        out->len += n;
    }
    return pclose(p) == 0;
#endif
}

typedef struct Chunk {
    char type[5];
    const uint8_t *data;
    uint32_t len;
} Chunk;

/* Next chunk in [*p, end); false at the end or on a truncated chunk. */
static bool next_chunk(const uint8_t **p, const uint8_t *end, Chunk *c)
{
    if (end - *p < 8) {
        return false;
    }
    memcpy(c->type, *p, 4);
    c->type[4] = 0;
    c->len = ldl_le_p(*p + 4);
    if ((size_t)(end - *p - 8) < c->len) {
        return false;
    }
    c->data = *p + 8;
    *p += 8 + c->len;
    return true;
}

enum { SR_AX, SR_BX, SR_CX, SR_DX, SR_CS, SR_SS, SR_DS, SR_ES, SR_SP, SR_BP, SR_SI, SR_DI,
       SR_IP, SR_FLAGS, SR_COUNT };
static const char *const sr_names[SR_COUNT] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
};

typedef struct RamEntry {
    uint32_t addr;
    uint8_t val;
} RamEntry;

typedef struct State {
    uint16_t regs[SR_COUNT];
    uint16_t have;           /* bitmask of regs present */
    uint16_t rmask[SR_COUNT];
    uint16_t have_rmask;
    RamEntry *ram;
    uint32_t nram;
} State;

typedef struct Test {
    char name[128];
    uint8_t bytes[16];
    uint32_t nbytes;
    State init, fina;
    bool has_excp;
    uint8_t excp_vector;
    uint32_t excp_flags_addr;
    bool has_hash;
    uint8_t hash[20];
} Test;

static void parse_regs(const Chunk *c, uint16_t *regs, uint16_t *have)
{
    uint16_t mask;
    uint32_t off = 2;

    if (c->len < 2) {
        return;
    }
    mask = lduw_le_p(c->data);
    *have = mask;
    for (int k = 0; k < SR_COUNT; k++) {
        if ((mask & (1u << k)) && off + 2 <= c->len) {
            regs[k] = lduw_le_p(c->data + off);
            off += 2;
        }
    }
}

static void parse_state(const Chunk *c, State *s)
{
    const uint8_t *p = c->data, *end = c->data + c->len;
    Chunk sc;

    while (next_chunk(&p, end, &sc)) {
        if (!strcmp(sc.type, "REGS")) {
            parse_regs(&sc, s->regs, &s->have);
        } else if (!strcmp(sc.type, "RMSK")) {
            parse_regs(&sc, s->rmask, &s->have_rmask);
        } else if (!strcmp(sc.type, "RAM ") && sc.len >= 4) {
            uint32_t n = ldl_le_p(sc.data);

            if (n > (sc.len - 4) / 5) {
                n = (sc.len - 4) / 5;
            }
            s->ram = xrealloc(s->ram, (n ? n : 1) * sizeof(RamEntry));
            for (uint32_t k = 0; k < n; k++) {
                s->ram[k].addr = ldl_le_p(sc.data + 4 + 5 * k);
                s->ram[k].val = sc.data[4 + 5 * k + 4];
            }
            s->nram = n;
        }
    }
}

static void parse_test(const Chunk *c, Test *t)
{
    const uint8_t *p = c->data + 4, *end = c->data + c->len;
    Chunk sc;

    t->name[0] = 0;
    t->nbytes = 0;
    t->init.have = t->fina.have = 0;
    t->init.have_rmask = t->fina.have_rmask = 0;
    t->init.nram = t->fina.nram = 0;
    t->has_excp = false;
    t->has_hash = false;
    while (next_chunk(&p, end, &sc)) {
        if (!strcmp(sc.type, "NAME") && sc.len >= 4) {
            uint32_t n = MIN(ldl_le_p(sc.data), sc.len - 4);

            n = MIN(n, (uint32_t)sizeof(t->name) - 1);
            memcpy(t->name, sc.data + 4, n);
            t->name[n] = 0;
        } else if (!strcmp(sc.type, "BYTS") && sc.len >= 4) {
            t->nbytes = MIN(ldl_le_p(sc.data), MIN(sc.len - 4, (uint32_t)sizeof(t->bytes)));
            memcpy(t->bytes, sc.data + 4, t->nbytes);
        } else if (!strcmp(sc.type, "INIT")) {
            parse_state(&sc, &t->init);
        } else if (!strcmp(sc.type, "FINA")) {
            parse_state(&sc, &t->fina);
        } else if (!strcmp(sc.type, "EXCP") && sc.len >= 5) {
            t->has_excp = true;
            t->excp_vector = sc.data[0];
            t->excp_flags_addr = ldl_le_p(sc.data + 1);
        } else if (!strcmp(sc.type, "HASH") && sc.len >= 20) {
            t->has_hash = true;
            memcpy(t->hash, sc.data, 20);
        }
    }
}

/* ---- the instruction under test ---- */

typedef struct Insn {
    int op;      /* opcode byte (after prefixes) */
    int reg;     /* ModRM reg field, or -1 */
    int mod;
    int rm;
    int count;   /* shift count as executed (masked to 5 bits), or -1 */
    int opc_pos; /* index of the opcode byte in the test's bytes */
} Insn;

static bool has_modrm(int op)
{
    static const uint8_t tab[] = {
        0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19,
        0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33,
        0x38, 0x39, 0x3a, 0x3b, 0x62, 0x63, 0x69, 0x6b, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85,
        0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xc0, 0xc1, 0xc4, 0xc5,
        0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
        0xf6, 0xf7, 0xfe, 0xff,
    };

    return memchr(tab, op, sizeof(tab)) != NULL;
}

static bool is_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0xf0 || b == 0xf2 ||
           b == 0xf3;
}

static Insn insn_of(const Test *t)
{
    Insn in = {-1, -1, -1, -1, -1, 0};
    uint32_t k = 0;

    while (k < t->nbytes && is_prefix(t->bytes[k])) {
        k++;
    }
    if (k >= t->nbytes) {
        return in;
    }
    in.opc_pos = (int)k;
    in.op = t->bytes[k];
    if (has_modrm(in.op) && k + 1 < t->nbytes) {
        in.reg = (t->bytes[k + 1] >> 3) & 7;
        in.mod = t->bytes[k + 1] >> 6;
        in.rm = t->bytes[k + 1] & 7;
    }
    if (in.op == 0xd0 || in.op == 0xd1) {
        in.count = 1;
    } else if (in.op == 0xd2 || in.op == 0xd3) {
        in.count = t->init.regs[SR_CX] & 0x1f;
    } else if (in.op == 0xc0 || in.op == 0xc1) {
        /* The count byte is the last byte before the HLT. */
        in.count = t->bytes[t->nbytes >= 2 ? t->nbytes - 2 : 0] & 0x1f;
    }
    return in;
}

/*
 * FLAGS bits the SDM (vol. 2, "Flags Affected" of each instruction) leaves undefined
 * after this instruction; they are not compared. Bits 12-15 are always ignored (the
 * suite's rule for real mode). undef_desc() says the same in words for the report.
 */
static uint16_t undef_flags(const Insn *in)
{
    const uint16_t O = CC_O, S = CC_S, Z = CC_Z, A = CC_A, P = CC_P, C = CC_C;
    int op = in->op, r = in->reg;
    uint16_t m = 0xf000;

    switch (op) {
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:   /* OR */
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:   /* AND */
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:   /* XOR */
    case 0x84: case 0x85: case 0xa8: case 0xa9:                         /* TEST */
        return m | A; /* SDM: "The state of the AF flag is undefined." */
    case 0x80: case 0x81: case 0x82: case 0x83:
        return (r == 1 || r == 4 || r == 6) ? (m | A) : m;
    case 0x27: case 0x2f:
        return m | O; /* DAA/DAS: OF undefined */
    case 0x37: case 0x3f:
        return m | O | S | Z | P; /* AAA/AAS: OF, SF, ZF, PF undefined */
    case 0xd4: case 0xd5:
        return m | O | A | C; /* AAM/AAD: OF, AF, CF undefined */
    case 0x69: case 0x6b:
        return m | S | Z | A | P; /* IMUL: SF, ZF, AF, PF undefined */
    case 0xf6: case 0xf7:
        if (r == 0 || r == 1) {
            return m | A; /* TEST */
        }
        if (r == 4 || r == 5) {
            return m | S | Z | A | P; /* MUL/IMUL */
        }
        if (r == 6 || r == 7) {
            return m | O | S | Z | A | P | C; /* DIV/IDIV: all undefined */
        }
        return m;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        unsigned width = (op & 1) ? 16 : 8;

        if (in->count == 0) {
            return m; /* count 0: flags unaffected */
        }
        /* SAL/SAR/SHL/SHR: AF undefined; OF undefined unless count 1; CF undefined when
         * the count is at least the operand width (SHL/SHR). ROL/ROR/RCL/RCR: OF unless
         * count 1. */
        if (r >= 4) {
            m |= A;
            if ((unsigned)in->count >= width && r != 7) {
                m |= C;
            }
        }
        if (in->count != 1) {
            m |= O;
        }
        return m;
    }
    default:
        return m;
    }
}

static const char *undef_desc(int op, int reg)
{
    switch (op) {
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
    case 0x84: case 0x85: case 0xa8: case 0xa9:
        return "AF";
    case 0x80: case 0x81: case 0x82: case 0x83:
        return (reg == 1 || reg == 4 || reg == 6) ? "AF" : "-";
    case 0x27: case 0x2f:
        return "OF";
    case 0x37: case 0x3f:
        return "OF SF ZF PF";
    case 0xd4: case 0xd5:
        return "OF AF CF";
    case 0x69: case 0x6b:
        return "SF ZF AF PF";
    case 0xf6: case 0xf7:
        return reg <= 1 ? "AF" : reg <= 3 ? "-" : reg <= 5 ? "SF ZF AF PF" : "all six";
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        if (reg <= 3) {
            return "OF if count > 1";
        }
        return reg == 7 ? "AF, OF if count > 1" : "AF, OF if count > 1, CF if count >= width";
    default:
        return "-";
    }
}

/* ---- outcomes ---- */

/*
 * Every vector ends in one of these. A divergence is counted only after the P6 side of it
 * has been checked as described; a divergence whose check fails is a failure.
 */
enum {
    OUT_PASS,
    OUT_FAIL,
    OUT_DIV_LOCK,
    OUT_DIV_LONG,
    OUT_DIV_SREG,
    OUT_DIV_WRAP,
    OUT_DIV_STRWRAP,
    OUT_REVOKED,
    OUT_COUNT
};

static const char *const out_text[OUT_COUNT] = {
    [OUT_PASS] = "pass: registers, FLAGS (less the undefined bits) and RAM match",
    [OUT_FAIL] = "FAIL",
    [OUT_DIV_LOCK] =
        "LOCK on a non-lockable instruction or a register destination: the 286 ignores "
        "it, a P6 raises #UD. Checked: #UD with the frame's IP at the instruction; and the "
        "vector rerun with each F0 byte replaced by an override of the segment the "
        "instruction already uses (same length, same meaning) matches the 286",
    [OUT_DIV_LONG] =
        "instruction of 11-15 bytes (redundant prefixes): #GP(0) on the 286 (10-byte "
        "limit), valid on a P6 (15-byte limit). Checked: it executes (retires) without an "
        "exception",
    [OUT_DIV_SREG] =
        "MOV r/m16,Sreg / MOV Sreg,r/m16 with reg 4 or 5: #UD on the 286, FS/GS on a P6. "
        "Checked: the selector moves to/from FS or GS and nothing else changes",
    [OUT_DIV_WRAP] =
        "an access or instruction fetch crossing offset 0xFFFF: the 286 wraps within the "
        "segment (or reports #GP where a P6 reports #SS for SS); a P6 raises #GP(0)/#SS(0) "
        "for the segment limit. Checked: the fault disappears when the same vector runs "
        "with 128 KiB segment limits",
    [OUT_DIV_STRWRAP] =
        "a string element crossing offset 0xFFFF: #GP(0) on both, but the 286 has already "
        "advanced SI/DI (and CX) when it faults. Checked: the fault disappears with 128 KiB "
        "limits, and all other registers, FLAGS and RAM match",
    [OUT_REVOKED] = "revoked by the suite's revocation list (not run)",
};

/* ---- running ---- */

/* SR_* of the 16-bit register a ModRM rm field names (AX CX DX BX SP BP SI DI). */
static const int rm_sr[8] = {SR_AX, SR_CX, SR_DX, SR_BX, SR_SP, SR_BP, SR_SI, SR_DI};

typedef struct Stats {
    unsigned out[OUT_COUNT];
    unsigned total;
    unsigned raw_match; /* passes that also match in the undefined FLAGS bits */
} Stats;

static int verbose;
/* Whether the last vector judge() passed also matched in the undefined FLAGS bits. */
static bool last_match_raw;

/* How one run is set up and compared. */
typedef struct RunOpts {
    uint32_t limit;        /* limit of CS/SS/DS/ES (0xffff: real mode as reset leaves it) */
    const uint8_t *bytes;  /* instruction bytes to place at CS:IP instead of the test's */
    uint16_t ignore;       /* SR_* registers not compared */
} RunOpts;

typedef struct RunResult {
    int first_exc;  /* vector raised by the instruction itself, or -1 */
    bool halted;
    bool match;     /* registers, FLAGS under the undefined-flag mask, RAM */
    bool match_raw; /* ... and the undefined FLAGS bits too */
    uint16_t got[SR_COUNT];
} RunResult;

static uint32_t lin_of(uint16_t seg, uint32_t off)
{
    return ((uint32_t)seg << 4) + (off & 0xffff);
}

static void ram_put(X86CPU *cpu, FakeBus *fb, uint32_t a, uint8_t v)
{
    if (a < RAM_SIZE) {
        fb->ram[a] = v;
        cpu_invalidate_phys(cpu, a, 1);
    }
}

static void load_state(X86CPU *cpu, FakeBus *fb, const Test *t, const RunOpts *o)
{
    static const int segs[4] = {R_CS, R_SS, R_DS, R_ES};
    const uint16_t *r = t->init.regs;

    cpu_reset(cpu);
    cpu->regs[R_EAX] = r[SR_AX];
    cpu->regs[R_EBX] = r[SR_BX];
    cpu->regs[R_ECX] = r[SR_CX];
    cpu->regs[R_EDX] = r[SR_DX];
    cpu->regs[R_ESP] = r[SR_SP];
    cpu->regs[R_EBP] = r[SR_BP];
    cpu->regs[R_ESI] = r[SR_SI];
    cpu->regs[R_EDI] = r[SR_DI];
    for (int k = 0; k < 4; k++) {
        cpu_load_seg_real(cpu, segs[k], r[SR_CS + k]);
        /* Real mode keeps the cached limit (cpu_load_seg_real): "unreal" for o->limit. */
        cpu->seg[segs[k]].limit = o->limit;
    }
    cpu->eip = r[SR_IP];
    /* A 286 in real mode keeps FLAGS bits 12-15 clear. */
    cpu_set_eflags(cpu, r[SR_FLAGS] & 0x0fd5);
    for (uint32_t k = 0; k < t->init.nram; k++) {
        ram_put(cpu, fb, t->init.ram[k].addr, t->init.ram[k].val);
    }
    if (o->bytes) {
        for (uint32_t k = 0; k < t->nbytes; k++) {
            ram_put(cpu, fb, lin_of(r[SR_CS], r[SR_IP] + k), o->bytes[k]);
        }
    }
}

static void clear_ram(X86CPU *cpu, FakeBus *fb, const Test *t)
{
    for (uint32_t k = 0; k < t->init.nram; k++) {
        ram_put(cpu, fb, t->init.ram[k].addr, 0);
    }
    for (uint32_t p = 0; p < RAM_SIZE / PAGE_SIZE_4K; p++) {
        if (fb->dirty[p]) {
            memset(fb->ram + (uint64_t)p * PAGE_SIZE_4K, 0, PAGE_SIZE_4K);
            cpu_invalidate_phys(cpu, (uint64_t)p * PAGE_SIZE_4K, PAGE_SIZE_4K);
            fb->dirty[p] = 0;
        }
    }
    /* Forget write mappings so the next test's writes mark pages dirty again. */
    tlb_flush_all(cpu, true);
}

/*
 * Run from the loaded state until the HLT (or MAX_STEPS); records the first exception.
 * stop_on_exc: stop after the first instruction if it raised an exception other than
 * that one (the run cannot match then; the handler may be anywhere in zeroed RAM).
 */
static void run_loaded(X86CPU *cpu, RunResult *res, int stop_on_exc)
{
    int64_t steps = 0;

    res->halted = false;
    cpu->exc_vector = -1;
    /* One instruction first, to see the exception (if any) the instruction raised. */
    if (cpu_exec(cpu, 1) == CPU_EXIT_HALTED) {
        res->halted = true;
    }
    res->first_exc = cpu->exc_vector;
    if (res->first_exc != -1 && res->first_exc != stop_on_exc) {
        return;
    }
    while (!res->halted && steps < MAX_STEPS) {
        CPUExitReason r = cpu_exec(cpu, 4096);

        steps += 4096;
        if (r == CPU_EXIT_HALTED) {
            res->halted = true;
        } else if (r == CPU_EXIT_SHUTDOWN) {
            break;
        }
    }
}

static void read_regs(X86CPU *cpu, uint16_t *got)
{
    got[SR_AX] = (uint16_t)cpu->regs[R_EAX];
    got[SR_BX] = (uint16_t)cpu->regs[R_EBX];
    got[SR_CX] = (uint16_t)cpu->regs[R_ECX];
    got[SR_DX] = (uint16_t)cpu->regs[R_EDX];
    got[SR_CS] = cpu->seg[R_CS].selector;
    got[SR_SS] = cpu->seg[R_SS].selector;
    got[SR_DS] = cpu->seg[R_DS].selector;
    got[SR_ES] = cpu->seg[R_ES].selector;
    got[SR_SP] = (uint16_t)cpu->regs[R_ESP];
    got[SR_BP] = (uint16_t)cpu->regs[R_EBP];
    got[SR_SI] = (uint16_t)cpu->regs[R_ESI];
    got[SR_DI] = (uint16_t)cpu->regs[R_EDI];
    got[SR_IP] = (uint16_t)cpu->eip;
    got[SR_FLAGS] = (uint16_t)cpu_get_eflags(cpu);
}

/* Run the vector as o says and compare with the 286's final state. */
static void run_vector(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in,
                       const RunOpts *o, RunResult *res)
{
    uint16_t expect[SR_COUNT];
    uint16_t fmask = (uint16_t)~undef_flags(in);
    uint32_t flags_lo, flags_hi;
    bool quiet = o->ignore != 0 || o->limit != 0xffff;

    load_state(cpu, fb, t, o);
    run_loaded(cpu, res, t->has_excp ? t->excp_vector : -1);
    read_regs(cpu, res->got);
    if (o->bytes) {
        /* Put the test's own bytes back for the RAM comparison. */
        for (uint32_t k = 0; k < t->nbytes; k++) {
            uint32_t a = lin_of(t->init.regs[SR_CS], t->init.regs[SR_IP] + k);

            if (a < RAM_SIZE && fb->ram[a] == o->bytes[k]) {
                fb->ram[a] = t->bytes[k];
            }
        }
    }
    res->match = res->halted;
    res->match_raw = res->halted;
    if (!res->halted && verbose && !quiet) {
        printf("  [%s] did not reach HLT (first exception %d)\n", t->name, res->first_exc);
    }
    memcpy(expect, t->init.regs, sizeof(expect));
    for (int k = 0; k < SR_COUNT; k++) {
        if (t->fina.have & (1u << k)) {
            expect[k] = t->fina.regs[k];
        }
    }
    for (int k = 0; k < SR_COUNT; k++) {
        uint16_t m = k == SR_FLAGS ? fmask : 0xffff;

        if (o->ignore & (1u << k)) {
            continue;
        }
        if (t->fina.have_rmask & (1u << k)) {
            m &= t->fina.rmask[k];
        }
        if ((expect[k] & m) != (res->got[k] & m)) {
            if (verbose && !quiet) {
                printf("  [%s] %s: init %04x expected %04x got %04x (mask %04x)\n", t->name,
                       sr_names[k], t->init.regs[k], expect[k], res->got[k], m);
            }
            res->match = false;
        }
        if (k == SR_FLAGS && (expect[k] & 0x0fff) != (res->got[k] & 0x0fff)) {
            res->match_raw = false;
        }
    }
    /*
     * The FLAGS image of an exception frame is masked as the register. The EXCP address
     * is one byte low when SP is odd, so the image is located from the final SS:SP
     * instead (IP, CS, FLAGS: the handler is only the HLT).
     */
    flags_lo = lin_of(expect[SR_SS], expect[SR_SP] + 4u);
    flags_hi = lin_of(expect[SR_SS], expect[SR_SP] + 5u);
    for (uint32_t k = 0; k < t->fina.nram; k++) {
        uint32_t a = t->fina.ram[k].addr;
        uint8_t m = 0xff, g = a < RAM_SIZE ? fb->ram[a] : 0xff;
        bool frame = t->has_excp && (a == flags_lo || a == flags_hi);

        if (frame) {
            m = (uint8_t)(a == flags_lo ? fmask : fmask >> 8);
        }
        if ((g & m) != (t->fina.ram[k].val & m)) {
            if (verbose && !quiet) {
                printf("  [%s] ram[%06x]: expected %02x got %02x\n", t->name, a,
                       t->fina.ram[k].val, g);
            }
            res->match = false;
        }
        if (g != t->fina.ram[k].val && (!frame || (a == flags_lo ? 0xff : 0x0f) &
                                                  (g ^ t->fina.ram[k].val))) {
            res->match_raw = false;
        }
    }
    res->match_raw = res->match_raw && res->match;
    clear_ram(cpu, fb, t);
}

static bool is_string_op(int op)
{
    return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

/* The vector faults only for a segment limit: with 128 KiB limits it does not. */
static bool limit_fault_confirmed(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in,
                                  const uint8_t *bytes)
{
    RunOpts o = {.limit = 0x1ffff, .bytes = bytes};
    RunResult r;

    run_vector(cpu, fb, t, in, &o, &r);
    return r.first_exc != EXC_GP && r.first_exc != EXC_SS;
}

/* Outcome of a run of the vector (as is, or with its bytes replaced). */
static int judge(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in, const uint8_t *bytes)
{
    RunOpts o = {.limit = 0xffff, .bytes = bytes};
    RunResult r;

    run_vector(cpu, fb, t, in, &o, &r);
    last_match_raw = r.match_raw;
    if (r.match) {
        return OUT_PASS;
    }
    if ((r.first_exc == EXC_GP || r.first_exc == EXC_SS) &&
        limit_fault_confirmed(cpu, fb, t, in, bytes)) {
        if (t->has_excp && t->excp_vector == r.first_exc && is_string_op(in->op)) {
            o.ignore = (1u << SR_SI) | (1u << SR_DI) | (1u << SR_CX);
            run_vector(cpu, fb, t, in, &o, &r);
            return r.match ? OUT_DIV_STRWRAP : OUT_FAIL;
        }
        if (!(t->has_excp && t->excp_vector == r.first_exc)) {
            return OUT_DIV_WRAP;
        }
    }
    return OUT_FAIL;
}

/* Run one instruction (the vector's) and return the exception it raised, or -1. */
static int first_exception(X86CPU *cpu, FakeBus *fb, const Test *t, uint16_t *frame_ip,
                           uint16_t *frame_cs)
{
    RunOpts o = {.limit = 0xffff};
    int v;

    load_state(cpu, fb, t, &o);
    cpu->exc_vector = -1;
    cpu_exec(cpu, 1);
    v = cpu->exc_vector;
    *frame_ip = lduw_le_p(fb->ram + lin_of(cpu->seg[R_SS].selector, cpu->regs[R_ESP]));
    *frame_cs = lduw_le_p(fb->ram + lin_of(cpu->seg[R_SS].selector, cpu->regs[R_ESP] + 2));
    clear_ram(cpu, fb, t);
    return v;
}

/*
 * An 11-15-byte instruction the 286 refused with #GP(0): a P6 executes it (one
 * instruction retires without an exception; a branch may go anywhere, so no more).
 */
static int judge_long(X86CPU *cpu, FakeBus *fb, const Test *t, const uint8_t *bytes)
{
    RunOpts o = {.limit = 0xffff, .bytes = bytes};
    uint64_t icount;
    bool ok;

    load_state(cpu, fb, t, &o);
    icount = cpu->icount;
    cpu->exc_vector = -1;
    cpu_exec(cpu, 1);
    ok = cpu->exc_vector == -1 && cpu->icount == icount + 1;
    clear_ram(cpu, fb, t);
    return ok ? OUT_DIV_LONG : OUT_FAIL;
}

static bool is_long_286_gp(const Test *t)
{
    return t->has_excp && t->excp_vector == EXC_GP && t->nbytes - 1 > 10;
}

/*
 * LOCK where a P6 raises #UD: check that #UD, then rerun with each F0 replaced by an
 * override of the segment the instruction uses anyway, which keeps its length and meaning.
 */
static int judge_lock(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in)
{
    static const uint8_t seg_prefix[4] = {0x26, 0x2e, 0x36, 0x3e}; /* ES CS SS DS */
    uint8_t stripped[16], patched[16];
    uint16_t ip, cs;
    uint32_t n = 0;
    DecodedInsn d;
    int r;

    if (first_exception(cpu, fb, t, &ip, &cs) != EXC_UD || ip != t->init.regs[SR_IP] ||
        cs != t->init.regs[SR_CS]) {
        return OUT_FAIL;
    }
    for (uint32_t k = 0; k < t->nbytes; k++) {
        if (k >= (uint32_t)in->opc_pos || t->bytes[k] != 0xf0) {
            stripped[n++] = t->bytes[k];
        }
    }
    /* An instruction that is invalid without the LOCK too: any override will do. */
    if (decode_insn(stripped, n, false, &d) <= 0 || d.seg > R_DS) {
        d.seg = R_DS;
    }
    for (uint32_t k = 0; k < t->nbytes; k++) {
        bool lock = k < (uint32_t)in->opc_pos && t->bytes[k] == 0xf0;

        patched[k] = lock ? seg_prefix[d.seg] : t->bytes[k];
    }
    r = judge(cpu, fb, t, in, patched);
    if (r == OUT_FAIL && is_long_286_gp(t)) {
        /* Also longer than the 286 allowed: the P6 side of that is checked instead. */
        r = judge_long(cpu, fb, t, patched);
    }
    return r == OUT_FAIL ? OUT_FAIL : OUT_DIV_LOCK;
}

/*
 * MOV with Sreg 4/5 (FS/GS), which the 286 refused with #UD: the selector moves between
 * FS/GS and the r/m operand (address from the decoder) and nothing else changes.
 */
static int judge_sreg(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in)
{
    RunOpts o = {.limit = 0xffff};
    int seg = in->reg == 4 ? R_FS : R_GS;
    uint16_t expect[SR_COUNT], marker = 0x1234, src = 0;
    RunResult res;
    DecodedInsn d;
    uint32_t lin = 0;
    bool ok;

    if (decode_insn(t->bytes, t->nbytes, false, &d) <= 0) {
        return OUT_FAIL;
    }
    load_state(cpu, fb, t, &o);
    cpu_load_seg_real(cpu, seg, marker);
    if (in->mod != 3) {
        lin = cpu->seg[d.seg].base + insn_ea(cpu, &d);
        src = lin + 1 < RAM_SIZE ? lduw_le_p(fb->ram + lin) : 0;
    } else {
        src = (uint16_t)cpu->regs[in->rm];
    }
    run_loaded(cpu, &res, -1);
    read_regs(cpu, res.got);
    memcpy(expect, t->init.regs, sizeof(expect));
    expect[SR_IP] = (uint16_t)(expect[SR_IP] + t->nbytes);
    ok = res.halted && res.first_exc == -1;
    if (in->op == 0x8c && in->mod == 3) {
        expect[rm_sr[in->rm]] = marker;
    } else if (in->op == 0x8c) {
        ok = ok && lin + 1 < RAM_SIZE && lduw_le_p(fb->ram + lin) == marker;
    } else {
        ok = ok && cpu->seg[seg].selector == src && cpu->seg[seg].base == (uint32_t)src << 4;
    }
    for (int k = 0; k < SR_COUNT; k++) {
        uint16_t m = k == SR_FLAGS ? 0x0fff : 0xffff;

        ok = ok && (expect[k] & m) == (res.got[k] & m);
    }
    clear_ram(cpu, fb, t);
    return ok ? OUT_DIV_SREG : OUT_FAIL;
}

/*
 * Run one vector: compared as it is first; only if that fails is it tried as one of the
 * documented divergences, whose P6 side must then check out.
 */
static int run_test(X86CPU *cpu, FakeBus *fb, const Test *t, const Insn *in)
{
    DecodedInsn d;
    int r = judge(cpu, fb, t, in, NULL);
    int dec;

    if (r != OUT_FAIL) {
        return r;
    }
    dec = decode_insn(t->bytes, t->nbytes, false, &d);
    if (memchr(t->bytes, 0xf0, (size_t)in->opc_pos) && dec == DECODE_UD) {
        return judge_lock(cpu, fb, t, in);
    }
    if (is_long_286_gp(t) && dec > 0) {
        return judge_long(cpu, fb, t, NULL);
    }
    if ((in->op == 0x8c || in->op == 0x8e) && (in->reg == 4 || in->reg == 5) && t->has_excp &&
        t->excp_vector == EXC_UD) {
        return judge_sreg(cpu, fb, t, in);
    }
    return OUT_FAIL;
}

/* ---- files and the report ---- */

typedef struct FileResult {
    char name[16];     /* "F6.6" */
    char mnem[9];
    int op, reg;
    Stats st;
} FileResult;

#define MAX_REVOKED 256
static uint8_t revoked[MAX_REVOKED][20];
static unsigned n_revoked;

static bool hex20(const char *s, uint8_t *out)
{
    for (int k = 0; k < 20; k++) {
        unsigned v;

        if (sscanf(s + 2 * k, "%2x", &v) != 1) {
            return false;
        }
        out[k] = (uint8_t)v;
    }
    return true;
}

/* The suite's revocation list: SHA-1 hashes (hex) of tests found to be wrong. */
static void load_revocations(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];

    if (!f) {
        fprintf(stderr, "sst-run: cannot read %s\n", path);
        exit(2);
    }
    while (fgets(line, sizeof(line), f) && n_revoked < MAX_REVOKED) {
        if (line[0] != '#' && strlen(line) >= 40 && hex20(line, revoked[n_revoked])) {
            n_revoked++;
        }
    }
    fclose(f);
}

static bool is_revoked(const Test *t)
{
    for (unsigned k = 0; k < n_revoked; k++) {
        if (t->has_hash && !memcmp(revoked[k], t->hash, 20)) {
            return true;
        }
    }
    return false;
}

static void run_file(X86CPU *cpu, FakeBus *fb, const char *path, FileResult *fr)
{
    Buf buf;
    const uint8_t *p, *end;
    Chunk c;
    Test t;
    const char *base = strrchr(path, '/');
    unsigned op = 0, reg = 0;
    int nf;

    base = base ? base + 1 : path;
    memset(fr, 0, sizeof(*fr));
    snprintf(fr->name, sizeof(fr->name), "%.*s", (int)strcspn(base, "M") - 1, base);
    nf = sscanf(fr->name, "%x.%u", &op, &reg);
    fr->op = (int)op;
    fr->reg = nf == 2 ? (int)reg : -1;
    memset(&t, 0, sizeof(t));
    if (!read_gz(path, &buf)) {
        fprintf(stderr, "sst-run: cannot read %s\n", path);
        fr->st.out[OUT_FAIL] = fr->st.total = 1;
        free(buf.data);
        return;
    }
    p = buf.data;
    end = buf.data + buf.len;
    while (next_chunk(&p, end, &c)) {
        Insn in;
        int r;

        if (!strcmp(c.type, "META") && c.len >= 15) {
            memcpy(fr->mnem, c.data + 7, 8);
            fr->mnem[8] = 0;
            for (int k = 7; k >= 0 && fr->mnem[k] == ' '; k--) {
                fr->mnem[k] = 0;
            }
            continue;
        }
        if (strcmp(c.type, "TEST") != 0 || c.len < 4) {
            continue;
        }
        parse_test(&c, &t);
        fr->st.total++;
        if (is_revoked(&t)) {
            fr->st.out[OUT_REVOKED]++;
            continue;
        }
        in = insn_of(&t);
        r = run_test(cpu, fb, &t, &in);
        fr->st.out[r]++;
        if (r == OUT_PASS) {
            fr->st.raw_match += last_match_raw;
        } else if (verbose) {
            printf("  %s %s #%u: %s (286 exception: %d)\n", r == OUT_FAIL ? "FAIL" : "DIVERGE",
                   base, ldl_le_p(c.data), t.name, t.has_excp ? t.excp_vector : -1);
        }
    }
    free(t.init.ram);
    free(t.fina.ram);
    free(buf.data);
}

static unsigned n_div(const Stats *s)
{
    return s->out[OUT_DIV_LOCK] + s->out[OUT_DIV_LONG] + s->out[OUT_DIV_SREG] +
           s->out[OUT_DIV_WRAP] + s->out[OUT_DIV_STRWRAP];
}

/* "12 (L10 W2)": the divergences of a file by class (the letters of the report's legend). */
static void div_text(const Stats *s, char *buf, size_t size)
{
    static const char letter[OUT_COUNT] = {
        [OUT_DIV_LOCK] = 'L', [OUT_DIV_LONG] = 'N', [OUT_DIV_SREG] = 'F', [OUT_DIV_WRAP] = 'W',
        [OUT_DIV_STRWRAP] = 'S',
    };
    size_t len = (size_t)snprintf(buf, size, "%u", n_div(s));
    const char *sep = " (";

    for (int k = OUT_DIV_LOCK; k <= OUT_DIV_STRWRAP && n_div(s) && len < size; k++) {
        if (s->out[k]) {
            len += (size_t)snprintf(buf + len, size - len, "%s%c%u", sep, letter[k], s->out[k]);
            sep = " ";
        }
    }
    if (n_div(s) && len < size) {
        snprintf(buf + len, size - len, ")");
    }
}

static double pct(unsigned a, unsigned b)
{
    return b ? 100.0 * a / b : 100.0;
}

static void print_plain(const FileResult *fr, size_t n, const Stats *tot)
{
    for (size_t k = 0; k < n; k++) {
        const Stats *s = &fr[k].st;
        char div[64];

        div_text(s, div, sizeof(div));
        printf("%-6s %-8s %4u vectors: %4u pass (%7.3f%%), %u fail, P6 divergence %s\n",
               fr[k].name, fr[k].mnem, s->total, s->out[OUT_PASS], pct(s->out[OUT_PASS], s->total),
               s->out[OUT_FAIL], div);
    }
    printf("total: %u vectors: %u pass (%.3f%%), %u checked 286/P6 divergences, %u revoked, "
           "%u fail\n", tot->total, tot->out[OUT_PASS], pct(tot->out[OUT_PASS], tot->total),
           n_div(tot), tot->out[OUT_REVOKED], tot->out[OUT_FAIL]);
    for (int k = OUT_DIV_LOCK; k <= OUT_DIV_STRWRAP; k++) {
        printf("  %c %6u  %.70s...\n", "..LNFWS"[k], tot->out[k], out_text[k]);
    }
}

static void print_markdown(const FileResult *fr, size_t n, const Stats *tot)
{
    printf("# SingleStepTests 80286 real mode: x86pc results\n\n"
           "Generated by `tests/tools/sst-run -t` (run by `make check` as the `sst` test) on\n"
           "`real_mode_500` (the first 500 vectors of each file of the suite captured from a\n"
           "Harris 80C286; 325 files, the C8/ENTER file is missing). Every vector is run on the\n"
           "interpreter (CPU model pentium2) from its INIT state until the HLT after the\n"
           "instruction; registers, FLAGS and the RAM bytes of FINA are compared.\n\n");
    printf("## Totals\n\n"
           "| | vectors | share of all |\n|---|---:|---:|\n"
           "| all vectors | %u | 100%% |\n"
           "| **pass** (compared as they are) | %u | %.3f%% |\n"
           "| documented 286/P6 divergence, P6 behaviour checked | %u | %.3f%% |\n"
           "| revoked by the suite | %u | %.3f%% |\n"
           "| **fail** | %u | %.3f%% |\n\n",
           tot->total, tot->out[OUT_PASS], pct(tot->out[OUT_PASS], tot->total), n_div(tot),
           pct(n_div(tot), tot->total), tot->out[OUT_REVOKED],
           pct(tot->out[OUT_REVOKED], tot->total), tot->out[OUT_FAIL],
           pct(tot->out[OUT_FAIL], tot->total));
    printf("Pass rate of the vectors where a 286 and a P6 agree (all but the divergences): "
           "%.3f%%.\nPasses that also match the 286 in the FLAGS bits the SDM leaves "
           "undefined (not required): %u of %u.\n\n",
           pct(tot->out[OUT_PASS], tot->out[OUT_PASS] + tot->out[OUT_FAIL]), tot->raw_match,
           tot->out[OUT_PASS]);
    printf("## Divergences (a vector counts here only when its P6 side checks out)\n\n"
           "| class | vectors | divergence and what was checked |\n|---|---:|---|\n");
    for (int k = OUT_DIV_LOCK; k <= OUT_DIV_STRWRAP; k++) {
        printf("| %c | %u | %s |\n", "..LNFWS"[k], tot->out[k], out_text[k]);
    }
    printf("\n## Flags\n\nFLAGS bits 12-15 are ignored (the suite's rule for real mode). "
           "The bits the SDM documents\nas undefined after an instruction are not compared; "
           "the last column lists them\n(\"count\" is the shift count masked to 5 bits; "
           "\"width\" the operand size in bits).\nThe same mask applies to the FLAGS image "
           "of an exception frame.\n\n");
    printf("## Per opcode\n\n"
           "| file | 286 mnemonic | vectors | pass | divergence | fail | pass %% | "
           "undefined flags masked |\n|---|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t k = 0; k < n; k++) {
        const Stats *s = &fr[k].st;
        char div[64];

        div_text(s, div, sizeof(div));
        printf("| %s | %s | %u | %u | %s | %u | %.1f | %s |\n", fr[k].name, fr[k].mnem,
               s->total, s->out[OUT_PASS], div, s->out[OUT_FAIL],
               pct(s->out[OUT_PASS], s->total), undef_desc(fr[k].op, fr[k].reg));
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    FakeBus *fb = xzalloc(sizeof(*fb));
    const CPUModel *model = cpu_model_find("pentium2");
    X86CPU *cpu;
    Stats total;
    FileResult *fr;
    char **files = NULL;
    size_t nfiles = 0;
    bool markdown = false;

    memset(&total, 0, sizeof(total));
    for (int a = 1; a < argc; a++) {
        DIR *d;

        if (!strcmp(argv[a], "-v")) {
            verbose = 1;
            continue;
        }
        if (!strcmp(argv[a], "-t")) {
            markdown = true;
            continue;
        }
        if (!strcmp(argv[a], "-R") && a + 1 < argc) {
            load_revocations(argv[++a]);
            continue;
        }
        d = opendir(argv[a]);
        if (d) {
            struct dirent *de;

            while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                char *f;

                if (l < 7 || strcmp(de->d_name + l - 7, ".MOO.gz") != 0) {
                    continue;
                }
                f = xmalloc(strlen(argv[a]) + l + 2);
                sprintf(f, "%s/%s", argv[a], de->d_name);
                files = xrealloc(files, (nfiles + 1) * sizeof(*files));
                files[nfiles++] = f;
            }
            closedir(d);
        } else {
            files = xrealloc(files, (nfiles + 1) * sizeof(*files));
            files[nfiles++] = xstrdup(argv[a]);
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "usage: sst-run [-v] [-t] [-R revocation_list.txt] FILE.MOO.gz|DIR ...\n");
        return 2;
    }
    qsort(files, nfiles, sizeof(*files), cmp_str);
    fr = xzalloc(nfiles * sizeof(*fr));
    fb->ram = xalloc_pages(RAM_SIZE);
    cpu = cpu_new(model, 0, &fake_bus_ops, fb);
    for (size_t k = 0; k < nfiles; k++) {
        run_file(cpu, fb, files[k], &fr[k]);
        for (int o = 0; o < OUT_COUNT; o++) {
            total.out[o] += fr[k].st.out[o];
        }
        total.total += fr[k].st.total;
        total.raw_match += fr[k].st.raw_match;
        free(files[k]);
    }
    free(files);
    if (markdown) {
        print_markdown(fr, nfiles, &total);
    } else {
        print_plain(fr, nfiles, &total);
    }
    printf("%s%u passed, %u checked 286/P6 divergences, %u failed\n", markdown ? "\n" : "",
           total.out[OUT_PASS], n_div(&total), total.out[OUT_FAIL]);
    free(fr);
    block_cache_free(cpu);
    cpu_free(cpu);
    xfree_pages(fb->ram, RAM_SIZE);
    free(fb);
    return total.out[OUT_FAIL] ? 1 : 0;
}
