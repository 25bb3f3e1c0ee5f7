/*
 * The human monitor (see monitor.h).
 *
 * Commands run synchronously on the main loop's thread: they only look at guest state
 * (registers, memory through the debug accessors, device info) or post requests to the
 * machine (pause, reset, shutdown), so they are safe whether the guest runs or not.
 */
#include "ui/monitor.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "util/log.h"

#define MON_LINE_MAX 1024
#define MON_PROMPT "(x86pc) "

typedef struct Monitor {
    Machine *m;
    Chardev *chr;
    bool connected;
    bool echo; /* stdio on a terminal: the chardev put it in raw mode, we echo */
    char line[MON_LINE_MAX];
    size_t len;
    bool last_cr;
} Monitor;

/* The CPU `x`, `info registers` and friends look at (`cpu N` selects it). */
static int mon_cpu_index;

static X86CPU *mon_cpu(Machine *m)
{
    if (mon_cpu_index < 0 || mon_cpu_index >= machine_nb_cpus(m)) {
        mon_cpu_index = 0;
    }
    return machine_cpu(m, mon_cpu_index);
}

/* ---- argument parsing ---- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

typedef struct RegName {
    const char *name;
    int kind; /* 0: GPR32, 1: GPR16 low half, 2: segment selector, 3: CR */
    int index;
} RegName;

static const RegName mon_regs[] = {
    {"eax", 0, R_EAX}, {"ecx", 0, R_ECX}, {"edx", 0, R_EDX}, {"ebx", 0, R_EBX},
    {"esp", 0, R_ESP}, {"ebp", 0, R_EBP}, {"esi", 0, R_ESI}, {"edi", 0, R_EDI},
    {"ax", 1, R_EAX},  {"cx", 1, R_ECX},  {"dx", 1, R_EDX},  {"bx", 1, R_EBX},
    {"sp", 1, R_ESP},  {"bp", 1, R_EBP},  {"si", 1, R_ESI},  {"di", 1, R_EDI},
    {"es", 2, R_ES},   {"cs", 2, R_CS},   {"ss", 2, R_SS},   {"ds", 2, R_DS},
    {"fs", 2, R_FS},   {"gs", 2, R_GS},   {"cr0", 3, 0},     {"cr2", 3, 2},
    {"cr3", 3, 3},     {"cr4", 3, 4},
};

/* term: NUMBER (0x.. hex, else decimal) | $REG ($pc = CS base + EIP: linear; $eip is the
 * offset) */
static bool parse_term(Machine *m, const char **pp, uint64_t *v)
{
    const char *p = skip_ws(*pp);
    X86CPU *cpu = mon_cpu(m);

    if (*p == '$') {
        char name[16];
        size_t n = 0;

        p++;
        while (isalnum((unsigned char)*p) && n < sizeof(name) - 1) {
            name[n++] = (char)tolower((unsigned char)*p++);
        }
        name[n] = '\0';
        if (strcmp(name, "pc") == 0) {
            *v = (uint32_t)(cpu->seg[R_CS].base + cpu->eip);
        } else if (strcmp(name, "eip") == 0) {
            *v = cpu->eip;
        } else if (strcmp(name, "eflags") == 0) {
            *v = cpu_get_eflags(cpu);
        } else {
            size_t i;
            for (i = 0; i < ARRAY_SIZE(mon_regs); i++) {
                if (strcmp(mon_regs[i].name, name) == 0) {
                    break;
                }
            }
            if (i == ARRAY_SIZE(mon_regs)) {
                return false;
            }
            switch (mon_regs[i].kind) {
            case 0: *v = cpu->regs[mon_regs[i].index]; break;
            case 1: *v = cpu->regs[mon_regs[i].index] & 0xffff; break;
            case 2: *v = cpu->seg[mon_regs[i].index].selector; break;
            default: *v = cpu->cr[mon_regs[i].index]; break;
            }
        }
    } else if (isdigit((unsigned char)*p)) {
        char *end;
        errno = 0;
        *v = strtoull(p, &end, 0);
        if (errno || end == p) {
            return false;
        }
        p = end;
    } else {
        return false;
    }
    *pp = p;
    return true;
}

/* expr: term (('+'|'-') term)*, evaluated in 64 bits. */
static bool parse_expr(Machine *m, const char **pp, uint64_t *v)
{
    const char *p = *pp;
    uint64_t acc, t;

    if (!parse_term(m, &p, &acc)) {
        return false;
    }
    for (;;) {
        const char *q = skip_ws(p);
        char op = *q;
        if (op != '+' && op != '-') {
            break;
        }
        q++;
        if (!parse_term(m, &q, &t)) {
            return false;
        }
        acc = op == '+' ? acc + t : acc - t;
        p = q;
    }
    *pp = p;
    *v = acc;
    return true;
}

/* ---- memory dump: x / xp ---- */

static void mon_memory_dump(Machine *m, const char *cmd, const char *args, FILE *out,
                            bool physical)
{
    X86CPU *cpu = mon_cpu(m);
    int count = 1, size = 4;
    char format = 'x';
    bool size_given = false;
    uint64_t addr;
    const char *p = args;

    if (*p == '/') {
        p++;
        if (isdigit((unsigned char)*p)) {
            count = (int)strtol(p, (char **)&p, 10);
        }
        while (*p && *p != ' ' && *p != '\t') {
            switch (*p) {
            case 'x': case 'd': case 'u': case 'c': case 'i':
                format = *p;
                break;
            case 'b': size = 1; size_given = true; break;
            case 'h': size = 2; size_given = true; break;
            case 'w': size = 4; size_given = true; break;
            case 'g': size = 8; size_given = true; break;
            default:
                fprintf(out, "%s: invalid format letter '%c' (formats x d u c i, sizes b h w g)\n",
                        cmd, *p);
                return;
            }
            p++;
        }
    }
    if (!parse_expr(m, &p, &addr) || *skip_ws(p) != '\0') {
        fprintf(out, "%s: usage: %s/FMT ADDR (e.g. %s/8xb 0x7c00, x/4i $pc)\n", cmd, cmd, cmd);
        return;
    }
    if (count <= 0 || count > 65536) {
        fprintf(out, "%s: count must be 1..65536\n", cmd);
        return;
    }
    if (format == 'c' && !size_given) {
        size = 1;
    }
    if (!physical) {
        addr &= 0xffffffffu;
    }

    if (format == 'i') {
        bool code32 = (cpu->hflags & HF_CS32) != 0;
        for (int i = 0; i < count; i++) {
            char text[128];
            int len;
            if (physical) {
                uint8_t bytes[16];
                size_t n = sizeof(bytes);
                /* Shrink the window at the end of RAM/ROM instead of failing outright. */
                while (n > 0 && machine_phys_rw(m, addr, bytes, n, false) != 0) {
                    n--;
                }
                len = n ? disas_bytes(bytes, n, (uint32_t)addr, code32, text, sizeof(text)) : 0;
            } else {
                len = cpu_disas(cpu, (uint32_t)addr, code32, text, sizeof(text));
            }
            if (len <= 0) {
                fprintf(out, "Cannot access memory at 0x%08llx\n", (unsigned long long)addr);
                return;
            }
            fprintf(out, "0x%08llx:  %s\n", (unsigned long long)addr, text);
            addr += (uint64_t)len;
        }
        return;
    }

    {
        int per_line = size == 8 ? 2 : 16 / size;
        for (int i = 0; i < count; i++) {
            uint8_t b[8];
            uint64_t v;
            int r;

            r = physical ? machine_phys_rw(m, addr, b, (size_t)size, false)
                         : cpu_memory_rw_debug(cpu, (uint32_t)addr, b, (size_t)size, false);
            if (r != 0) {
                fprintf(out, "%sCannot access memory at 0x%08llx\n", i ? "\n" : "",
                        (unsigned long long)addr);
                return;
            }
            if (i % per_line == 0) {
                fprintf(out, "%s0x%08llx:", i ? "\n" : "", (unsigned long long)addr);
            }
            v = size == 1 ? b[0] : size == 2 ? lduw_le_p(b) : size == 4 ? ldl_le_p(b) : ldq_le_p(b);
            switch (format) {
            case 'x':
                fprintf(out, " 0x%0*llx", size * 2, (unsigned long long)v);
                break;
            case 'u':
                fprintf(out, " %llu", (unsigned long long)v);
                break;
            case 'd': {
                int64_t sv = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v
                             : size == 4 ? (int32_t)(uint32_t)v : (int64_t)v;
                fprintf(out, " %lld", (long long)sv);
                break;
            }
            case 'c':
                for (int k = 0; k < size; k++) {
                    uint8_t c = b[k];
                    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
                        fprintf(out, " '%c'", c);
                    } else {
                        fprintf(out, " '\\x%02x'", c);
                    }
                }
                break;
            }
            addr += (uint64_t)size;
        }
        fprintf(out, "\n");
    }
}

/* ---- page tables: info tlb / info mem ---- */

#define PG_P (1ull << 0)
#define PG_RW (1ull << 1)
#define PG_US (1ull << 2)
#define PG_PWT (1ull << 3)
#define PG_PCD (1ull << 4)
#define PG_A (1ull << 5)
#define PG_D (1ull << 6)
#define PG_PS (1ull << 7)
#define PG_G (1ull << 8)
#define PG_NX (1ull << 63)
#define EFER_NXE (1ull << 11)

typedef struct PageMap {
    uint32_t lin;
    uint64_t phys;
    uint64_t size;
    uint64_t flags; /* effective: RW/US are the AND over all levels, NX the OR */
} PageMap;

typedef void PageVisitor(void *opaque, const PageMap *pm);

/* Read one page-table page; false if it is not in RAM/ROM. */
static bool read_table(Machine *m, uint64_t paddr, uint8_t *buf, size_t len)
{
    return machine_phys_rw(m, paddr, buf, len, false) == 0;
}

/* Walk the current page tables of cpu (32-bit, PSE 4 MiB, PAE 4 KiB/2 MiB), calling
 * visit for every present leaf in ascending linear order. Returns false (with a message)
 * if a table could not be read. */
static bool walk_page_tables(Machine *m, X86CPU *cpu, PageVisitor *visit, void *opaque,
                             FILE *out)
{
    static uint8_t dir[4096], tab[4096];
    bool pse = (cpu->cr[4] & CR4_PSE) != 0;
    bool nxe = (cpu->efer & EFER_NXE) != 0;
    uint64_t addr_mask_pae = 0x000ffffffffff000ull;

    if (!(cpu->cr[4] & CR4_PAE)) {
        uint64_t pd = cpu->cr[3] & 0xfffff000u;
        if (!read_table(m, pd, dir, 4096)) {
            fprintf(out, "page directory at 0x%08llx is not in RAM\n", (unsigned long long)pd);
            return false;
        }
        for (uint32_t i = 0; i < 1024; i++) {
            uint32_t pde = ldl_le_p(dir + 4 * i);
            if (!(pde & PG_P)) {
                continue;
            }
            if ((pde & PG_PS) && pse) {
                /* PSE-36: bits 13-16 of the PDE are physical address bits 32-35. */
                uint64_t phys = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xf) << 32);
                PageMap pm = {i << 22, phys, 4u << 20, pde & 0x1ff};
                visit(opaque, &pm);
                continue;
            }
            if (!read_table(m, pde & 0xfffff000u, tab, 4096)) {
                fprintf(out, "page table at 0x%08x is not in RAM (PDE %u)\n", pde & 0xfffff000u,
                        i);
                continue;
            }
            for (uint32_t j = 0; j < 1024; j++) {
                uint32_t pte = ldl_le_p(tab + 4 * j);
                if (pte & PG_P) {
                    uint64_t fl = (pte & 0x17f) & ~(uint64_t)(PG_RW | PG_US);
                    fl |= pte & pde & (PG_RW | PG_US);
                    PageMap pm = {(i << 22) | (j << 12), pte & 0xfffff000u, 4096, fl};
                    visit(opaque, &pm);
                }
            }
        }
        return true;
    }

    /* PAE: the four PDPTEs were loaded into the CPU by the last MOV CR3. */
    for (uint32_t i = 0; i < 4; i++) {
        uint64_t pdpte = cpu->pdpte[i];
        if (!(pdpte & PG_P)) {
            continue;
        }
        if (!read_table(m, pdpte & addr_mask_pae, dir, 4096)) {
            fprintf(out, "page directory at 0x%09llx is not in RAM (PDPTE %u)\n",
                    (unsigned long long)(pdpte & addr_mask_pae), i);
            continue;
        }
        for (uint32_t j = 0; j < 512; j++) {
            uint64_t pde = ldq_le_p(dir + 8 * j);
            uint32_t lin_pd = (i << 30) | (j << 21);
            if (!(pde & PG_P)) {
                continue;
            }
            if (pde & PG_PS) {
                PageMap pm = {lin_pd, pde & 0x000fffffffe00000ull, 2u << 20,
                              (pde & 0x1ff) | (nxe ? pde & PG_NX : 0)};
                visit(opaque, &pm);
                continue;
            }
            if (!read_table(m, pde & addr_mask_pae, tab, 4096)) {
                fprintf(out, "page table at 0x%09llx is not in RAM\n",
                        (unsigned long long)(pde & addr_mask_pae));
                continue;
            }
            for (uint32_t k = 0; k < 512; k++) {
                uint64_t pte = ldq_le_p(tab + 8 * k);
                if (pte & PG_P) {
                    uint64_t fl = (pte & 0x17f) & ~(PG_RW | PG_US);
                    fl |= pte & pde & (PG_RW | PG_US);
                    if (nxe) {
                        fl |= (pte | pde) & PG_NX;
                    }
                    PageMap pm = {lin_pd | (k << 12), pte & addr_mask_pae, 4096, fl};
                    visit(opaque, &pm);
                }
            }
        }
    }
    return true;
}

static const char *size_str(uint64_t size, char *buf, size_t n)
{
    if (size >= (1u << 20) && size % (1u << 20) == 0) {
        snprintf(buf, n, "%lluM", (unsigned long long)(size >> 20));
    } else {
        snprintf(buf, n, "%lluK", (unsigned long long)(size >> 10));
    }
    return buf;
}

static void tlb_visit(void *opaque, const PageMap *pm)
{
    FILE *out = opaque;
    char sz[24];

    fprintf(out, "0x%08x  %4s -> 0x%09llx  %-6s %-3s %s%s%s%s%s%s\n", pm->lin,
            size_str(pm->size, sz, sizeof(sz)), (unsigned long long)pm->phys,
            pm->flags & PG_US ? "user" : "kernel", pm->flags & PG_RW ? "rw" : "ro",
            pm->flags & PG_NX ? "noexec " : "", pm->flags & PG_A ? "accessed " : "",
            pm->flags & PG_D ? "dirty " : "", pm->flags & PG_G ? "global " : "",
            pm->flags & PG_PCD ? "nocache " : "", pm->flags & PG_PWT ? "writethrough" : "");
}

typedef struct MemRange {
    FILE *out;
    bool valid;
    uint64_t start, end; /* linear, end exclusive (64-bit: may be 4 GiB) */
    uint64_t phys;
    uint64_t perms;
    unsigned count;
} MemRange;

static void mem_flush(MemRange *r)
{
    char sz[24];

    if (!r->valid) {
        return;
    }
    fprintf(r->out, "0x%08llx-0x%08llx  %6s  %-6s %-10s %-7s  phys 0x%09llx-0x%09llx\n",
            (unsigned long long)r->start, (unsigned long long)(r->end - 1),
            size_str(r->end - r->start, sz, sizeof(sz)), r->perms & PG_US ? "user" : "kernel",
            r->perms & PG_RW ? "read-write" : "read-only", r->perms & PG_NX ? "noexec" : "exec",
            (unsigned long long)r->phys, (unsigned long long)(r->phys + (r->end - r->start) - 1));
    r->count++;
    r->valid = false;
}

static void mem_visit(void *opaque, const PageMap *pm)
{
    MemRange *r = opaque;
    uint64_t perms = pm->flags & (PG_RW | PG_US | PG_NX);

    if (r->valid && r->end == pm->lin && r->perms == perms &&
        r->phys + (r->end - r->start) == pm->phys) {
        r->end += pm->size;
        return;
    }
    mem_flush(r);
    r->valid = true;
    r->start = pm->lin;
    r->end = (uint64_t)pm->lin + pm->size;
    r->phys = pm->phys;
    r->perms = perms;
}

static bool paging_header(X86CPU *cpu, FILE *out)
{
    if (!(cpu->cr[0] & CR0_PG)) {
        fprintf(out, "Paging is disabled (CR0.PG=0): linear addresses are physical addresses.\n");
        return false;
    }
    if (cpu->cr[4] & CR4_PAE) {
        fprintf(out, "PAE paging, CR3=0x%08x%s\n", cpu->cr[3],
                (cpu->efer & EFER_NXE) ? ", NX enabled" : "");
    } else {
        fprintf(out, "32-bit paging, CR3=0x%08x%s\n", cpu->cr[3],
                (cpu->cr[4] & CR4_PSE) ? ", 4 MiB pages enabled (PSE)" : "");
    }
    return true;
}

static void mon_info_tlb(Machine *m, FILE *out)
{
    X86CPU *cpu = mon_cpu(m);

    if (!paging_header(cpu, out)) {
        return;
    }
    fprintf(out, "linear      size    physical     access flags\n");
    walk_page_tables(m, cpu, tlb_visit, out, out);
}

/* ---- x87/SSE state: the second part of info registers ---- */


/*
 * After cpu_dump_state()'s integer, segment and control registers, as QEMU's `info
 * registers` does: FCW, FSW with TOP, the abridged (FXSAVE) tag byte (bit r set = physical
 * register r in use), then FOP and the last instruction and operand pointers, and the
 * eight x87 registers in physical order as significand and sign/exponent, each with its
 * current stack index. MXCSR and XMM0-7 only when the CPU model has SSE: without it they
 * do not exist for the guest. Every digit comes from the integer fields (XMM from its
 * little-endian byte image), so the text is the same on every host.
 */
static void mon_dump_fpu(X86CPU *cpu, FILE *out)
{
    bool sse = (cpu->model->features_edx & CPUID_SSE) != 0;
    unsigned top = (cpu->fpu.fsw >> 11) & 7; /* FSW.TOP */
    unsigned ftw = fpu_abridged_tags(cpu); /* bit r: physical register r in use */

    fprintf(out, "FCW=%04x FSW=%04x [ST=%u] FTW=%02x", cpu->fpu.fcw, cpu->fpu.fsw, top, ftw);
    if (sse) {
        fprintf(out, " MXCSR=%08x", cpu->fpu.mxcsr);
    }
    fprintf(out, "\nFOP=%04x FIP=%04x:%08x FDP=%04x:%08x\n", cpu->fpu.fop, cpu->fpu.fcs,
            cpu->fpu.fip, cpu->fpu.fds, cpu->fpu.fdp);
    for (unsigned r = 0; r < 8; r++) {
        char st[16];

        snprintf(st, sizeof(st), "(ST%u%s)", (r - top) & 7, (ftw >> r) & 1 ? "" : " empty");
        fprintf(out, "FPR%u=%016llx %04x %-*s%s", r, (unsigned long long)cpu->fpu.mant[r],
                cpu->fpu.exp[r], (r & 1) ? 0 : 11, st, (r & 1) ? "\n" : " ");
    }
    if (!sse) {
        return;
    }
    for (unsigned n = 0; n < 8; n++) {
        fprintf(out, "XMM%02u=", n);
        for (int b = 15; b >= 0; b--) {
            fprintf(out, "%02x", cpu->fpu.xmm[n][b]);
        }
        fprintf(out, "%s", (n & 1) ? "\n" : " ");
    }
}

static void mon_info_mem(Machine *m, FILE *out)
{
    X86CPU *cpu = mon_cpu(m);
    MemRange r = {.out = out};

    if (!paging_header(cpu, out)) {
        return;
    }
    fprintf(out, "linear range             size    who    access     exec     maps to\n");
    walk_page_tables(m, cpu, mem_visit, &r, out);
    mem_flush(&r);
    if (r.count == 0) {
        fprintf(out, "(no page is mapped)\n");
    }
}

/* ---- sendkey ---- */

typedef struct KeyName {
    const char *name;
    uint8_t code;
    bool extended;
} KeyName;

static const KeyName key_names[] = {
    {"esc", 0x01}, {"1", 0x02}, {"2", 0x03}, {"3", 0x04}, {"4", 0x05}, {"5", 0x06},
    {"6", 0x07}, {"7", 0x08}, {"8", 0x09}, {"9", 0x0a}, {"0", 0x0b}, {"minus", 0x0c},
    {"equal", 0x0d}, {"backspace", 0x0e}, {"tab", 0x0f}, {"q", 0x10}, {"w", 0x11},
    {"e", 0x12}, {"r", 0x13}, {"t", 0x14}, {"y", 0x15}, {"u", 0x16}, {"i", 0x17},
    {"o", 0x18}, {"p", 0x19}, {"bracket_left", 0x1a}, {"bracket_right", 0x1b},
    {"ret", 0x1c}, {"enter", 0x1c}, {"ctrl", 0x1d}, {"a", 0x1e}, {"s", 0x1f}, {"d", 0x20},
    {"f", 0x21}, {"g", 0x22}, {"h", 0x23}, {"j", 0x24}, {"k", 0x25}, {"l", 0x26},
    {"semicolon", 0x27}, {"apostrophe", 0x28}, {"grave_accent", 0x29}, {"shift", 0x2a},
    {"backslash", 0x2b}, {"z", 0x2c}, {"x", 0x2d}, {"c", 0x2e}, {"v", 0x2f}, {"b", 0x30},
    {"n", 0x31}, {"m", 0x32}, {"comma", 0x33}, {"dot", 0x34}, {"slash", 0x35},
    {"shift_r", 0x36}, {"kp_multiply", 0x37}, {"asterisk", 0x37}, {"alt", 0x38},
    {"spc", 0x39}, {"space", 0x39}, {"caps_lock", 0x3a}, {"f1", 0x3b}, {"f2", 0x3c},
    {"f3", 0x3d}, {"f4", 0x3e}, {"f5", 0x3f}, {"f6", 0x40}, {"f7", 0x41}, {"f8", 0x42},
    {"f9", 0x43}, {"f10", 0x44}, {"num_lock", 0x45}, {"scroll_lock", 0x46}, {"kp_7", 0x47},
    {"kp_8", 0x48}, {"kp_9", 0x49}, {"kp_subtract", 0x4a}, {"kp_4", 0x4b}, {"kp_5", 0x4c},
    {"kp_6", 0x4d}, {"kp_add", 0x4e}, {"kp_1", 0x4f}, {"kp_2", 0x50}, {"kp_3", 0x51},
    {"kp_0", 0x52}, {"kp_decimal", 0x53}, {"less", 0x56}, {"f11", 0x57}, {"f12", 0x58},
    /* E0-prefixed (extended) keys */
    {"kp_enter", 0x1c, true}, {"ctrl_r", 0x1d, true}, {"kp_divide", 0x35, true},
    {"alt_r", 0x38, true}, {"home", 0x47, true}, {"up", 0x48, true}, {"pgup", 0x49, true},
    {"left", 0x4b, true}, {"right", 0x4d, true}, {"end", 0x4f, true}, {"down", 0x50, true},
    {"pgdn", 0x51, true}, {"insert", 0x52, true}, {"delete", 0x53, true},
    {"meta_l", 0x5b, true}, {"meta_r", 0x5c, true}, {"menu", 0x5d, true},
};

int monitor_keyname_to_scancode(const char *name, uint8_t out[2])
{
    for (size_t i = 0; i < ARRAY_SIZE(key_names); i++) {
        if (strcmp(key_names[i].name, name) == 0) {
            if (key_names[i].extended) {
                out[0] = 0xe0;
                out[1] = key_names[i].code;
                return 2;
            }
            out[0] = key_names[i].code;
            return 1;
        }
    }
    if (name[0] == '0' && (name[1] == 'x' || name[1] == 'X') && name[2]) {
        char *end;
        unsigned long v = strtoul(name + 2, &end, 16);
        if (*end == '\0' && v > 0 && v < 0x80) {
            out[0] = (uint8_t)v;
            return 1;
        }
        if (*end == '\0' && v >= 0xe000 && v < 0xe080) {
            out[0] = 0xe0;
            out[1] = (uint8_t)v;
            return 2;
        }
    }
    return 0;
}

static bool mon_sendkey(Machine *m, const char *args, FILE *out)
{
    uint8_t make[16][2], seq[64];
    int lens[16], nkeys = 0;
    size_t n = 0;
    char keys[128];
    char *save = NULL, *tok;

    if (!*args || strlen(args) >= sizeof(keys) || strchr(args, ' ')) {
        fprintf(out, "sendkey: usage: sendkey KEY[-KEY...] (e.g. sendkey ctrl-alt-delete)\n");
        return false;
    }
    strcpy(keys, args);
    for (tok = strtok_r(keys, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
        if (nkeys == 16) {
            fprintf(out, "sendkey: too many keys (at most 16)\n");
            return false;
        }
        lens[nkeys] = monitor_keyname_to_scancode(tok, make[nkeys]);
        if (!lens[nkeys]) {
            fprintf(out, "sendkey: unknown key '%s'\n", tok);
            return false;
        }
        nkeys++;
    }
    if (nkeys == 0) {
        fprintf(out, "sendkey: no key given\n");
        return false;
    }
    /* Press in order, release in reverse order (break code = make | 0x80). */
    for (int i = 0; i < nkeys; i++) {
        for (int k = 0; k < lens[i]; k++) {
            seq[n++] = make[i][k];
        }
    }
    for (int i = nkeys - 1; i >= 0; i--) {
        if (lens[i] == 2) {
            seq[n++] = 0xe0;
        }
        seq[n++] = make[i][lens[i] - 1] | 0x80;
    }
    machine_send_scancode(m, seq, n);
    return true;
}

/* ---- commands ---- */

typedef bool MonCmdFn(Machine *m, const char *args, FILE *out);

typedef struct MonCmd {
    const char *name;
    const char *alias;
    const char *args;
    const char *help;
    MonCmdFn *fn;
} MonCmd;

static bool cmd_help(Machine *m, const char *args, FILE *out);

static bool cmd_info(Machine *m, const char *args, FILE *out);

static bool cmd_x(Machine *m, const char *args, FILE *out)
{
    mon_memory_dump(m, "x", args, out, false);
    return true;
}

static bool cmd_xp(Machine *m, const char *args, FILE *out)
{
    mon_memory_dump(m, "xp", args, out, true);
    return true;
}

static bool cmd_stop(Machine *m, const char *args, FILE *out)
{
    machine_pause(m);
    return true;
}

static bool cmd_cont(Machine *m, const char *args, FILE *out)
{
    machine_resume(m);
    return true;
}

static bool cmd_system_reset(Machine *m, const char *args, FILE *out)
{
    machine_request_reset(m);
    return true;
}

static bool cmd_system_powerdown(Machine *m, const char *args, FILE *out)
{
    machine_request_powerdown(m);
    return true;
}

static bool mon_quit;

bool monitor_quit_requested(void)
{
    return mon_quit;
}

int monitor_select_cpu(Machine *m, int index)
{
    int old = mon_cpu_index;

    if (index < 0 || index >= machine_nb_cpus(m)) {
        return -1;
    }
    mon_cpu_index = index;
    return old;
}

static bool cmd_quit(Machine *m, const char *args, FILE *out)
{
    mon_quit = true;
    machine_request_shutdown(m, 0);
    return true;
}

static bool cmd_log(Machine *m, const char *args, FILE *out)
{
    char bad[64];
    uint32_t mask;

    if (!*args) {
        static const struct {
            const char *name;
            uint32_t bit;
        } items[] = {
#define LOG_ITEM(id, name, help) {name, LOG_##id},
#include "util/log-items.def"
#undef LOG_ITEM
        };
        const char *sep = "";

        log_print_help(out);
        fprintf(out, "now logging: ");
        for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
            if (log_mask & items[i].bit) {
                fprintf(out, "%s%s", sep, items[i].name);
                sep = ",";
            }
        }
        fprintf(out, "%s\n", *sep ? "" : "nothing");
        return true;
    }
    if (strcmp(args, "none") == 0) {
        log_mask = 0;
        return true;
    }
    if (!log_parse_items(args, &mask, bad, sizeof(bad))) {
        fprintf(out, "log: unknown item '%s' (type 'log' for the list)\n", bad);
        return false;
    }
    log_mask = mask;
    return true;
}

static bool cmd_sendkey(Machine *m, const char *args, FILE *out)
{
    return mon_sendkey(m, args, out);
}

static bool cmd_screendump(Machine *m, const char *args, FILE *out)
{
    fprintf(out, "screendump: not supported yet: x86pc has no display device (no VGA), so "
                 "there is no screen to save\n");
    return false;
}

static bool cmd_cpu(Machine *m, const char *args, FILE *out)
{
    char *end;
    long n = strtol(args, &end, 0);

    if (!*args || *end || n < 0 || n >= machine_nb_cpus(m)) {
        fprintf(out, "cpu: usage: cpu N (0..%d)\n", machine_nb_cpus(m) - 1);
        return false;
    }
    mon_cpu_index = (int)n;
    return true;
}

static const MonCmd mon_cmds[] = {
    {"help", "?", "[CMD]", "show the commands, or help for one", cmd_help},
    {"info", NULL, "ITEM", "show machine state: registers cpus tlb mem irq pic lapic ioapic "
                           "pci mtree clock status version", cmd_info},
    {"x", NULL, "/FMT ADDR", "dump linear memory: FMT = count, format x|d|u|c|i, "
                             "size b|h|w|g (e.g. x/8xb 0x7c00, x/4i $pc)", cmd_x},
    {"xp", NULL, "/FMT ADDR", "dump physical memory (same formats as x)", cmd_xp},
    {"cpu", NULL, "N", "select the CPU that info registers, x, ... look at", cmd_cpu},
    {"stop", NULL, "", "pause the machine", cmd_stop},
    {"cont", "c", "", "resume the machine", cmd_cont},
    {"system_reset", NULL, "", "reset the machine", cmd_system_reset},
    {"system_powerdown", NULL, "", "press the ACPI power button", cmd_system_powerdown},
    {"quit", "q", "", "exit x86pc", cmd_quit},
    {"log", NULL, "ITEMS|none", "set the -d log items (no argument: list them)", cmd_log},
    {"sendkey", NULL, "KEYS", "press keys together (e.g. ctrl-alt-delete, a, ret, 0x1e)",
     cmd_sendkey},
    {"screendump", NULL, "FILE", "save the screen to FILE (not yet: x86pc has no display "
                                 "device)", cmd_screendump},
};

static bool cmd_help(Machine *m, const char *args, FILE *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(mon_cmds); i++) {
        const MonCmd *c = &mon_cmds[i];
        char head[64];
        if (*args && strcmp(args, c->name) != 0 && !(c->alias && strcmp(args, c->alias) == 0)) {
            continue;
        }
        snprintf(head, sizeof(head), "%s%s%s%s%s", c->name, c->alias ? "|" : "",
                 c->alias ? c->alias : "", c->args[0] == '/' ? "" : " ", c->args);
        fprintf(out, "%-26s -- %s\n", head, c->help);
        if (*args) {
            return true;
        }
    }
    if (*args) {
        fprintf(out, "help: unknown command '%s'\n", args);
        return false;
    }
    return true;
}

static bool cmd_info(Machine *m, const char *args, FILE *out)
{
    X86CPU *cpu = mon_cpu(m);

    if (!*args) {
        fprintf(out, "info registers  CPU registers of the selected CPU (x87, SSE too)\n"
                     "info cpus       list the CPUs (* = selected)\n"
                     "info tlb        every page mapping of the current page tables\n"
                     "info mem        mapped linear ranges with their permissions\n"
                     "info status     running or paused\n"
                     "info version    x86pc version\n"
                     "info irq        every ISA IRQ line: level, mask, pending, vector\n"
                     "info pic        8259A PIC registers\n"
                     "info lapic      local APIC of every CPU\n"
                     "info ioapic     IOAPIC redirection table\n"
                     "info pci        PCI devices\n"
                     "info mtree      the physical memory map\n"
                     "info clock      the virtual clock\n");
        return true;
    }
    if (strcmp(args, "registers") == 0) {
        cpu_dump_state(cpu, out);
        mon_dump_fpu(cpu, out);
    } else if (strcmp(args, "cpus") == 0) {
        for (int i = 0; i < machine_nb_cpus(m); i++) {
            X86CPU *c = machine_cpu(m, i);
            const char *mode = !(c->cr[0] & CR0_PE) ? "real"
                               : (c->hflags & HF_VM) ? "vm86"
                               : (c->hflags & HF_CS32) ? "protected 32-bit" : "protected 16-bit";
            fprintf(out, "%c CPU #%d: pc=0x%08x (cs:eip %04x:%08x) %s mode%s\n",
                    i == mon_cpu_index ? '*' : ' ', i, c->seg[R_CS].base + c->eip,
                    c->seg[R_CS].selector, c->eip, mode,
                    c->wait_for_sipi ? " (waiting for SIPI)" : c->halted ? " (halted)" : "");
        }
    } else if (strcmp(args, "tlb") == 0) {
        mon_info_tlb(m, out);
    } else if (strcmp(args, "mem") == 0) {
        mon_info_mem(m, out);
    } else if (strcmp(args, "status") == 0) {
        fprintf(out, "VM status: %s\n", machine_is_paused(m) ? "paused" : "running");
    } else if (strcmp(args, "version") == 0) {
        fprintf(out, "%s\n", X86PC_VERSION);
    } else if (!machine_info(m, args, out)) {
        fprintf(out, "info: unknown item '%s' (type 'info' for the list)\n", args);
        return false;
    }
    return true;
}

bool monitor_execute(Machine *m, const char *cmdline, FILE *out)
{
    char name[32];
    size_t n = 0;
    const char *p = skip_ws(cmdline);
    const char *args;
    char argbuf[MON_LINE_MAX];
    size_t alen;
    bool fmt_given;

    while (*p && *p != ' ' && *p != '\t' && *p != '/' && n < sizeof(name) - 1) {
        name[n++] = *p++;
    }
    name[n] = '\0';
    if (n == 0) {
        return true; /* empty line */
    }
    /* Arguments without surrounding blanks; x/FMT keeps its '/' (only when it follows the
     * name directly: "screendump /tmp/s.ppm" is a path). */
    fmt_given = *p == '/';
    args = fmt_given ? p : skip_ws(p);
    alen = strlen(args);
    if (alen >= sizeof(argbuf)) {
        fprintf(out, "%s: argument too long\n", name);
        return false;
    }
    memcpy(argbuf, args, alen + 1);
    while (alen && (argbuf[alen - 1] == ' ' || argbuf[alen - 1] == '\t' ||
                    argbuf[alen - 1] == '\r' || argbuf[alen - 1] == '\n')) {
        argbuf[--alen] = '\0';
    }
    for (size_t i = 0; i < ARRAY_SIZE(mon_cmds); i++) {
        const MonCmd *c = &mon_cmds[i];
        if (strcmp(name, c->name) == 0 || (c->alias && strcmp(name, c->alias) == 0)) {
            if (fmt_given && c->fn != cmd_x && c->fn != cmd_xp) {
                break;
            }
            return c->fn(m, argbuf, out);
        }
    }
    fprintf(out, "unknown command: '%s' (type 'help' for the list)\n", name);
    return false;
}

char *monitor_execute_to_string(Machine *m, const char *cmdline)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f) {
        return xstrdup("monitor: cannot allocate an output buffer\n");
    }
    monitor_execute(m, cmdline, f);
    fclose(f);
    return buf ? buf : xstrdup("");
}

/* ---- the chardev front end ---- */

static void mon_puts(Monitor *mon, const char *s)
{
    /* Terminals in raw mode need CR LF; write the text between newlines in one go. */
    while (*s) {
        size_t n = strcspn(s, "\n");

        chr_write(mon->chr, s, n);
        s += n;
        if (*s == '\n') {
            chr_write(mon->chr, mon->echo ? "\r\n" : "\n", mon->echo ? 2 : 1);
            s++;
        }
    }
}

static void mon_run_line(Monitor *mon)
{
    char *out;

    mon->line[mon->len] = '\0';
    out = monitor_execute_to_string(mon->m, mon->line);
    mon_puts(mon, out);
    free(out);
    mon->len = 0;
    mon_puts(mon, MON_PROMPT);
}

static void mon_input(Monitor *mon, uint8_t c)
{
    if (c == '\r' || c == '\n') {
        if (c == '\n' && mon->last_cr) {
            mon->last_cr = false;
            return; /* CR LF is one line end */
        }
        mon->last_cr = c == '\r';
        if (mon->echo) {
            mon_puts(mon, "\n");
        }
        mon_run_line(mon);
        return;
    }
    mon->last_cr = false;
    if (c == 0x7f || c == 0x08) {
        if (mon->len > 0) {
            mon->len--;
            if (mon->echo) {
                chr_write(mon->chr, "\b \b", 3);
            }
        }
        return;
    }
    if (c == 0x15) { /* Ctrl-U: kill line */
        while (mon->echo && mon->len > 0) {
            chr_write(mon->chr, "\b \b", 3);
            mon->len--;
        }
        mon->len = 0;
        return;
    }
    if (c < 0x20 || c >= 0x7f) {
        return; /* other control bytes, telnet negotiation, non-ASCII: ignored */
    }
    if (mon->len < MON_LINE_MAX - 1) {
        mon->line[mon->len++] = (char)c;
        if (mon->echo) {
            chr_write(mon->chr, &c, 1);
        }
    }
}

static void mon_connected(Monitor *mon, bool connected)
{
    if (connected == mon->connected) {
        return;
    }
    mon->connected = connected;
    mon->len = 0;
    mon->last_cr = false;
    if (connected) {
        mon_puts(mon, "x86pc " X86PC_VERSION " monitor - type 'help' for more information\n");
        mon_puts(mon, MON_PROMPT);
    }
}

static void mon_chr_event(void *opaque, bool connected)
{
    mon_connected(opaque, connected);
}

static void mon_poll(void *opaque)
{
    Monitor *mon = opaque;
    uint8_t buf[256];
    size_t n;

    if (chr_connected(mon->chr) != mon->connected) {
        mon_connected(mon, chr_connected(mon->chr));
    }
    /* Bounded per call, so a flooding client cannot starve the guest. */
    for (int iter = 0; iter < 64 && (n = chr_read(mon->chr, buf, sizeof(buf))) > 0; iter++) {
        if (!mon->connected) {
            mon_connected(mon, true);
        }
        for (size_t i = 0; i < n; i++) {
            mon_input(mon, buf[i]);
        }
    }
}

void monitor_init(Machine *m, const ChardevSpec *spec)
{
    static Monitor mon;
    char err[256];

    mon.m = m;
    mon.chr = chr_open(spec, "monitor", err, sizeof(err));
    if (!mon.chr) {
        fatal("%s", err);
    }
    mon.echo = spec->kind == CHR_STDIO && isatty(STDIN_FILENO);
    chr_set_handlers(mon.chr, mon_chr_event, &mon);
    machine_add_poll_handler(m, mon_poll, &mon);
}
