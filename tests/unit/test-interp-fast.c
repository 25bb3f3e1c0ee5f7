/*
 * Differential test of the interpreter's fast paths against the reference code:
 *
 *   1. every specialised handler of cpu/interp-fast.c against the generic handler it
 *      replaces (same decoded instruction, same random machine state on two CPUs with
 *      two copies of RAM): registers, EIP, EFLAGS, memory and the raised exception
 *      must be identical;
 *   2. the lazy-flag shortcuts cc_cf(), cc_zf() and cpu_cond() against the flags that
 *      cpu_cc_compute_all() materialises, for random lazy states of every cc_op.
 *
 * The machine is a real-mode CPU whose segments are given 4 GiB limits, so 32-bit code
 * (decoded with a 32-bit default size) can address anything; addresses outside the 64 KiB
 * of RAM read as all-ones and ignore writes, on both CPUs alike.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/interp.h"

#define RAM_SIZE 0x10000u
#define CASES 200000

static uint8_t pristine[RAM_SIZE];
static uint64_t rng = 0x243f6a8885a308d3ull;
static unsigned pass, fail;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* Operand-ish values: small, edge cases around the sign bits, or anything. */
static uint32_t pick(void)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return rnd() & 0xff;
    case 2: return rnd() & 0xffff;
    case 3: return 0x80u << (rnd() % 3 * 8);
    case 4: return (0x80u << (rnd() % 3 * 8)) - 1;
    case 5: return 0xffffffffu;
    case 6: return rnd() % RAM_SIZE;
    default: return rnd();
    }
}

static uint8_t *bus_map_page(void *opaque, uint64_t paddr, bool write)
{
    return paddr < RAM_SIZE ? (uint8_t *)opaque + (paddr & ~0xfffull) : NULL;
}

static uint64_t bus_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    return ~0ull >> (64 - 8 * size);
}

static void bus_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
}

static uint32_t bus_io_read(void *opaque, uint16_t port, unsigned size)
{
    return 0;
}

static void bus_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
}

static int bus_intr_ack(void *opaque, int cpu_index)
{
    return 0x20;
}

static int64_t bus_clock_ns(void *opaque)
{
    return 0;
}

static const CPUBusOps bus = {
    .map_page = bus_map_page,
    .mem_read = bus_mem_read,
    .mem_write = bus_mem_write,
    .io_read = bus_io_read,
    .io_write = bus_io_write,
    .intr_ack = bus_intr_ack,
    .clock_ns = bus_clock_ns,
};

/* A random but consistent lazy-flags state (as some flag-setting instruction leaves). */
static void random_cc(X86CPU *cpu)
{
    uint32_t op = rnd() % (CC_OP_RES32 + 1);
    uint32_t a = pick(), b = pick(), mask, res;
    unsigned kind;

    if (op == CC_OP_EFLAGS) {
        cc_set_flags(cpu, rnd());
        return;
    }
    mask = cc_op_sign(op) * 2 - 1;
    kind = (op - 1) / 3;
    switch (kind) {
    case 0: res = a + b + (rnd() & 1); break;
    case 1: res = a - b - (rnd() & 1); break;
    case 2: res = a + 1; b = rnd() & CC_C; break;
    case 3: res = a - 1; b = rnd() & CC_C; break;
    default: res = pick(); a = rnd() & (CC_C | CC_O | CC_A); b = 0; break;
    }
    cc_set(cpu, op, res & mask, a, b);
}

/* ---- part 1: specialised handlers ---- */

/* Opcodes with a specialised form (32-bit operand size), then a tail of random bytes. */
static const uint16_t opcodes[] = {
    0x01, 0x03, 0x05, 0x09, 0x0b, 0x0d, 0x11, 0x13, 0x15, 0x19, 0x1b, 0x1d, 0x21, 0x23,
    0x25, 0x29, 0x2b, 0x2d, 0x31, 0x33, 0x35, 0x39, 0x3b, 0x3d, 0x81, 0x83, 0x85, 0xa9,
    0xf7, 0x89, 0x8b, 0xa1, 0xa3, 0xb8, 0xbb, 0xbc, 0xc7, 0x40, 0x43, 0x44, 0x48, 0x4c,
    0x4f, 0xc1, 0xd1, 0x50, 0x54, 0x57, 0x58, 0x5c, 0x5e, 0x70, 0x71, 0x72, 0x73, 0x74,
    0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x180, 0x182, 0x184,
    0x185, 0x186, 0x187, 0x18c, 0x18d, 0x18e, 0x18f, 0xe8, 0xc3, 0x69, 0x6b, 0x1af, 0x1b6,
    0x1b7, 0x1be, 0x1bf,
};

typedef struct Outcome {
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;
    int vector;
} Outcome;

static void set_state(X86CPU *cpu, const uint32_t regs[8], uint32_t eip, uint32_t eflags,
                      const uint32_t cc[4], bool ss32)
{
    memcpy(cpu->regs, regs, sizeof(cpu->regs));
    cpu->eip = eip;
    cpu_set_eflags(cpu, eflags);
    cpu->cc_op = cc[0];
    cpu->cc_res = cc[1];
    cpu->cc_src1 = cc[2];
    cpu->cc_src2 = cc[3];
    for (int s = 0; s < SEG_COUNT; s++) {
        cpu->seg[s].base = 0;
        cpu->seg[s].limit = s == R_CS ? 0x7fffffffu : 0xffffffffu;
    }
    cpu->hflags = (cpu->hflags & ~HF_SS32) | (ss32 ? HF_SS32 : 0);
}

/* Run handler h on d as the exec loop would; returns the raised vector or -1. */
static int run(X86CPU *cpu, InsnHandler h, const DecodedInsn *d, Outcome *o)
{
    volatile int vector = -1;

    cpu->insn_start_eip = cpu->eip;
    cpu->eip += d->len;
    if (sigsetjmp(cpu->jmp_env, 0) == 0) {
        h(cpu, d);
    } else {
        vector = cpu->exc_vector;
    }
    memcpy(o->regs, cpu->regs, sizeof(o->regs));
    o->eip = cpu->eip;
    o->eflags = cpu_get_eflags(cpu);
    o->vector = vector;
    return vector;
}

static void test_handlers(X86CPU *a, X86CPU *b, uint8_t *ram_a, uint8_t *ram_b)
{
    unsigned specialised = 0, faults = 0;

    for (int n = 0; n < CASES; n++) {
        uint8_t bytes[16];
        DecodedInsn d;
        InsnHandler fast;
        uint32_t regs[8], cc[4], eip = rnd() & 0x3fffffffu, eflags = rnd();
        bool ss32 = rnd() & 1;
        Outcome oa, ob;
        size_t k = 0;
        uint16_t opc = opcodes[rnd() % ARRAY_SIZE(opcodes)];

        if (opc >= 0x100) {
            bytes[k++] = 0x0f;
        }
        bytes[k++] = (uint8_t)opc;
        while (k < sizeof(bytes)) {
            bytes[k++] = (uint8_t)rnd();
        }
        if (decode_insn(bytes, sizeof(bytes), true, &d) <= 0) {
            continue;
        }
        fast = interp_specialize(&d);
        if (fast == d.handler) {
            continue;
        }
        specialised++;
        for (int r = 0; r < 8; r++) {
            regs[r] = pick();
        }
        random_cc(a);
        cc[0] = a->cc_op;
        cc[1] = a->cc_res;
        cc[2] = a->cc_src1;
        cc[3] = a->cc_src2;
        memcpy(ram_a, pristine, RAM_SIZE);
        memcpy(ram_b, pristine, RAM_SIZE);
        set_state(a, regs, eip, eflags, cc, ss32);
        set_state(b, regs, eip, eflags, cc, ss32);
        tlb_flush_all(a, true);
        tlb_flush_all(b, true);
        if (run(a, d.handler, &d, &oa) >= 0) {
            faults++;
        }
        run(b, fast, &d, &ob);
        if (memcmp(&oa, &ob, sizeof(oa)) != 0 || memcmp(ram_a, ram_b, RAM_SIZE) != 0) {
            char text[96];

            fail++;
            if (fail <= 20) {
                disas_format(&d, eip, text, sizeof(text));
                printf("FAIL handler case %d: %s:", n, text);
                for (unsigned j = 0; j < d.len; j++) {
                    printf(" %02x", bytes[j]);
                }
                printf("\n  generic: eip %08x eflags %08x vector %d\n", oa.eip, oa.eflags,
                       oa.vector);
                printf("  fast:    eip %08x eflags %08x vector %d\n", ob.eip, ob.eflags,
                       ob.vector);
                for (int r = 0; r < 8; r++) {
                    if (oa.regs[r] != ob.regs[r]) {
                        printf("  reg %d: %08x vs %08x\n", r, oa.regs[r], ob.regs[r]);
                    }
                }
                if (memcmp(ram_a, ram_b, RAM_SIZE) != 0) {
                    printf("  memory differs\n");
                }
            }
        } else {
            pass++;
        }
    }
    printf("handlers: %u specialised cases (%u faulting)\n", specialised, faults);
    /* The test must exercise what it claims to. */
    if (specialised < CASES / 2 || faults == 0) {
        printf("FAIL too few specialised (%u) or faulting (%u) cases\n", specialised, faults);
        fail++;
    }
}

/* ---- part 2: lazy-flag shortcuts ---- */

static bool cond_from_flags(uint32_t f, unsigned cc)
{
    bool r;

    switch (cc >> 1) {
    case 0: r = f & CC_O; break;
    case 1: r = f & CC_C; break;
    case 2: r = f & CC_Z; break;
    case 3: r = f & (CC_C | CC_Z); break;
    case 4: r = f & CC_S; break;
    case 5: r = f & CC_P; break;
    case 6: r = !(f & CC_S) != !(f & CC_O); break;
    default: r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O)); break;
    }
    return r ^ (cc & 1);
}

static void test_flags(X86CPU *cpu)
{
    unsigned bad = 0;

    for (int n = 0; n < CASES * 10; n++) {
        uint32_t f;

        random_cc(cpu);
        f = cpu_cc_compute_all(cpu);
        if ((f & CC_C) != cc_cf(cpu) || ((f & CC_Z) != 0) != cc_zf(cpu)) {
            bad++;
        }
        for (unsigned cc = 0; cc < 16; cc++) {
            if (cpu_cond(cpu, cc) != cond_from_flags(f, cc)) {
                bad++;
            }
        }
        if (bad && bad < 10) {
            printf("FAIL flags: cc_op %u res %08x src1 %08x src2 %08x\n", cpu->cc_op,
                   cpu->cc_res, cpu->cc_src1, cpu->cc_src2);
        }
    }
    if (bad) {
        fail++;
    } else {
        pass++;
    }
}

int main(void)
{
    uint8_t *ram_a = xmalloc(RAM_SIZE), *ram_b = xmalloc(RAM_SIZE);
    X86CPU *a = cpu_new(cpu_model_find("x86pc"), 0, &bus, ram_a);
    X86CPU *b = cpu_new(cpu_model_find("x86pc"), 1, &bus, ram_b);

    for (unsigned k = 0; k < RAM_SIZE; k++) {
        pristine[k] = (uint8_t)rnd();
    }
    cpu_reset(a);
    cpu_reset(b);
    test_flags(a);
    test_handlers(a, b, ram_a, ram_b);
    cpu_free(a);
    cpu_free(b);
    free(ram_a);
    free(ram_b);
    printf("%u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
