/*
 * gdbstub: the GDB remote serial protocol (see gdbstub.h for the register numbering).
 *
 * All I/O happens in the poll handler the main loop calls once per iteration, running
 * or paused; nothing here blocks. The stub works in all-stop mode: when gdb resumes the
 * guest (c, s, vCont) the stub owes it exactly one stop reply, sent when a vCPU stops for
 * a breakpoint, watchpoint or single step (the machine's debug handler), when gdb sends
 * Ctrl-C (0x03), or when someone else (monitor, QMP) pauses the machine.
 *
 * Real mode: every address gdb sends is linear, so `break *0x7c00` stops at linear 0x7c00
 * whatever CS:IP reaches it, and `x/8xb 0x7c00` reads linear memory. gdb itself only
 * knows EIP (the offset in CS): with `set architecture i8086`, use `x/i $cs*16+$eip` to
 * see the instruction at CS:IP (tests/debug/README.md has a boot-sector walkthrough).
 *
 * Robustness: the packet layer (gdb-packet.c) bounds every packet; every handler here
 * parses with explicit bounds and answers malformed input with an error reply (Exx) or an
 * empty reply ("unsupported"), never trusting a length or number from the wire.
 */
#include "ui/gdbstub.h"

#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>

#include "ui/gdb-packet.h"
#include "ui/monitor.h"
#include "util/log.h"

#define GDB_SIGINT 2
#define GDB_SIGTRAP 5

typedef struct GdbStub {
    Machine *m;
    Chardev *chr;
    GdbPacketDecoder dec;
    bool connected;
    bool no_ack;         /* QStartNoAckMode accepted */
    bool gdb_swbreak;    /* gdb understands swbreak/hwbreak stop reasons */
    bool gdb_hwbreak;
    bool running;        /* gdb resumed the guest and waits for a stop reply */
    bool paused_by_gdb;  /* we paused the machine (on connect or a stop) */
    bool seen_running;   /* the machine has been seen running since gdb resumed it */
    int g_cpu;           /* CPU for registers and memory (index) */
    int c_cpu;           /* CPU for step/continue (index) */
    int last_signal;
    /* Last packet sent, for '-' (resend) in ack mode, at pkt_buf + 1; pkt_buf[0] carries
     * the '+' that acknowledges the packet being answered (see gdb_send_packet). */
    uint8_t pkt_buf[1 + 2 * GDB_PACKET_SIZE + 16];
    size_t last_len;
    bool ack_pending; /* a received packet is not acknowledged yet */
    /* Reply being built. */
    char reply[2 * GDB_PACKET_SIZE + 16];
    size_t reply_len;
    /* Target descriptions: the same registers, as i386 or as i8086 (see gdb_build_xml). */
    char *xml[2];
    size_t xml_len[2];
    int xml_cur; /* the one being transferred, chosen at offset 0 */
} GdbStub;

/* ---- register table: one entry per gdb register number ---- */

typedef struct GdbReg {
    const char *name;
    int bits;
    const char *type;
    const char *group;   /* NULL: general */
    const char *feature; /* starts a new <feature> when different from the previous entry */
} GdbReg;

#define CORE "org.gnu.gdb.i386.core"
#define SSE "org.gnu.gdb.i386.sse"
#define SYS "org.x86pc.gdb.i386.sys"

static const GdbReg gdb_regs[GDB_NUM_REGS] = {
    /*00*/ {"eax", 32, "int32", NULL, CORE},
    /*01*/ {"ecx", 32, "int32", NULL, CORE},
    /*02*/ {"edx", 32, "int32", NULL, CORE},
    /*03*/ {"ebx", 32, "int32", NULL, CORE},
    /*04*/ {"esp", 32, "data_ptr", NULL, CORE},
    /*05*/ {"ebp", 32, "data_ptr", NULL, CORE},
    /*06*/ {"esi", 32, "int32", NULL, CORE},
    /*07*/ {"edi", 32, "int32", NULL, CORE},
    /*08*/ {"eip", 32, "code_ptr", NULL, CORE},
    /*09*/ {"eflags", 32, "x86pc_eflags", NULL, CORE},
    /*10*/ {"cs", 32, "int32", NULL, CORE},
    /*11*/ {"ss", 32, "int32", NULL, CORE},
    /*12*/ {"ds", 32, "int32", NULL, CORE},
    /*13*/ {"es", 32, "int32", NULL, CORE},
    /*14*/ {"fs", 32, "int32", NULL, CORE},
    /*15*/ {"gs", 32, "int32", NULL, CORE},
    /*16*/ {"st0", 80, "i387_ext", NULL, CORE},
    /*17*/ {"st1", 80, "i387_ext", NULL, CORE},
    /*18*/ {"st2", 80, "i387_ext", NULL, CORE},
    /*19*/ {"st3", 80, "i387_ext", NULL, CORE},
    /*20*/ {"st4", 80, "i387_ext", NULL, CORE},
    /*21*/ {"st5", 80, "i387_ext", NULL, CORE},
    /*22*/ {"st6", 80, "i387_ext", NULL, CORE},
    /*23*/ {"st7", 80, "i387_ext", NULL, CORE},
    /*24*/ {"fctrl", 32, "int", "float", CORE},
    /*25*/ {"fstat", 32, "int", "float", CORE},
    /*26*/ {"ftag", 32, "int", "float", CORE},
    /*27*/ {"fiseg", 32, "int", "float", CORE},
    /*28*/ {"fioff", 32, "int", "float", CORE},
    /*29*/ {"foseg", 32, "int", "float", CORE},
    /*30*/ {"fooff", 32, "int", "float", CORE},
    /*31*/ {"fop", 32, "int", "float", CORE},
    /*32*/ {"xmm0", 128, "vec128", NULL, SSE},
    /*33*/ {"xmm1", 128, "vec128", NULL, SSE},
    /*34*/ {"xmm2", 128, "vec128", NULL, SSE},
    /*35*/ {"xmm3", 128, "vec128", NULL, SSE},
    /*36*/ {"xmm4", 128, "vec128", NULL, SSE},
    /*37*/ {"xmm5", 128, "vec128", NULL, SSE},
    /*38*/ {"xmm6", 128, "vec128", NULL, SSE},
    /*39*/ {"xmm7", 128, "vec128", NULL, SSE},
    /*40*/ {"mxcsr", 32, "int", "vector", SSE},
    /*41*/ {"fs_base", 32, "int", "system", SYS},
    /*42*/ {"gs_base", 32, "int", "system", SYS},
    /*43*/ {"cr0", 32, "int", "system", SYS},
    /*44*/ {"cr2", 32, "int", "system", SYS},
    /*45*/ {"cr3", 32, "int", "system", SYS},
    /*46*/ {"cr4", 32, "int", "system", SYS},
    /*47*/ {"efer", 64, "uint64", "system", SYS},
    /*48*/ {"es_base", 32, "int", "system", SYS},
    /*49*/ {"cs_base", 32, "int", "system", SYS},
    /*50*/ {"ss_base", 32, "int", "system", SYS},
    /*51*/ {"ds_base", 32, "int", "system", SYS},
    /*52*/ {"gdtr_base", 32, "int", "system", SYS},
    /*53*/ {"gdtr_limit", 32, "int", "system", SYS},
    /*54*/ {"idtr_base", 32, "int", "system", SYS},
    /*55*/ {"idtr_limit", 32, "int", "system", SYS},
    /*56*/ {"ldtr", 32, "int", "system", SYS},
    /*57*/ {"tr", 32, "int", "system", SYS},
    /*58*/ {"dr0", 32, "int", "system", SYS},
    /*59*/ {"dr1", 32, "int", "system", SYS},
    /*60*/ {"dr2", 32, "int", "system", SYS},
    /*61*/ {"dr3", 32, "int", "system", SYS},
    /*62*/ {"dr6", 32, "int", "system", SYS},
    /*63*/ {"dr7", 32, "int", "system", SYS},
};

/* gdb's segment order cs ss ds es fs gs -> our R_* indices */
static const int gdb_seg_order[6] = {R_CS, R_SS, R_DS, R_ES, R_FS, R_GS};
/* es_base cs_base ss_base ds_base (48-51) */
static const int gdb_base_order[4] = {R_ES, R_CS, R_SS, R_DS};
/* dr0..dr3, dr6, dr7 */
static const int gdb_dr_order[6] = {0, 1, 2, 3, 6, 7};

int gdb_register_size(int n)
{
    return n >= 0 && n < GDB_NUM_REGS ? gdb_regs[n].bits / 8 : 0;
}

static int fpu_top(X86CPU *cpu)
{
    return (cpu->fpu.fsw >> 11) & 7;
}

int gdb_read_register(X86CPU *cpu, int n, uint8_t *buf)
{
    if (n < 0 || n >= GDB_NUM_REGS) {
        return 0;
    }
    if (n < 8) {
        stl_le_p(buf, cpu->regs[n]);
    } else if (n == 8) {
        stl_le_p(buf, cpu->eip);
    } else if (n == 9) {
        stl_le_p(buf, cpu_get_eflags(cpu));
    } else if (n < 16) {
        stl_le_p(buf, cpu->seg[gdb_seg_order[n - 10]].selector);
    } else if (n < 24) {
        int r = (fpu_top(cpu) + (n - 16)) & 7;
        stq_le_p(buf, cpu->fpu.mant[r]);
        stw_le_p(buf + 8, cpu->fpu.exp[r]);
    } else if (n < 32) {
        uint32_t v;
        switch (n) {
        case 24: v = cpu->fpu.fcw; break;
        case 25: v = cpu->fpu.fsw; break;
        case 26: v = fpu_full_tags(cpu); break; /* gdb's ftag: the FSTENV tag word */
        case 27: v = cpu->fpu.fcs; break;
        case 28: v = cpu->fpu.fip; break;
        case 29: v = cpu->fpu.fds; break;
        case 30: v = cpu->fpu.fdp; break;
        default: v = cpu->fpu.fop; break;
        }
        stl_le_p(buf, v);
    } else if (n < 40) {
        memcpy(buf, cpu->fpu.xmm[n - 32], 16);
    } else if (n == 40) {
        stl_le_p(buf, cpu->fpu.mxcsr);
    } else if (n == 41) {
        stl_le_p(buf, cpu->seg[R_FS].base);
    } else if (n == 42) {
        stl_le_p(buf, cpu->seg[R_GS].base);
    } else if (n < 47) {
        static const int cr_index[4] = {0, 2, 3, 4};
        stl_le_p(buf, cpu->cr[cr_index[n - 43]]);
    } else if (n == 47) {
        stq_le_p(buf, cpu->efer);
    } else if (n < 52) {
        stl_le_p(buf, cpu->seg[gdb_base_order[n - 48]].base);
    } else if (n == 52) {
        stl_le_p(buf, cpu->gdt.base);
    } else if (n == 53) {
        stl_le_p(buf, cpu->gdt.limit);
    } else if (n == 54) {
        stl_le_p(buf, cpu->idt.base);
    } else if (n == 55) {
        stl_le_p(buf, cpu->idt.limit);
    } else if (n == 56) {
        stl_le_p(buf, cpu->ldt.selector);
    } else if (n == 57) {
        stl_le_p(buf, cpu->tr.selector);
    } else {
        stl_le_p(buf, cpu->dr[gdb_dr_order[n - 58]]);
    }
    return gdb_register_size(n);
}

int gdb_write_register(X86CPU *cpu, int n, const uint8_t *buf)
{
    uint32_t v;

    if (n < 0 || n >= GDB_NUM_REGS) {
        return 0;
    }
    v = ldl_le_p(buf);
    if (n < 8) {
        cpu->regs[n] = v;
    } else if (n == 8) {
        cpu->eip = v;
    } else if (n == 9) {
        cpu_set_eflags(cpu, v);
    } else if (n < 16) {
        cpu_set_seg_debug(cpu, gdb_seg_order[n - 10], (uint16_t)v);
    } else if (n < 24) {
        int r = (fpu_top(cpu) + (n - 16)) & 7;
        cpu->fpu.mant[r] = ldq_le_p(buf);
        cpu->fpu.exp[r] = lduw_le_p(buf + 8);
    } else if (n < 32) {
        switch (n) {
        case 24: cpu->fpu.fcw = (uint16_t)v; break;
        case 25: cpu->fpu.fsw = (uint16_t)v; break;
        case 26: fpu_set_full_tags(cpu, (uint16_t)v); break;
        case 27: cpu->fpu.fcs = (uint16_t)v; break;
        case 28: cpu->fpu.fip = v; break;
        case 29: cpu->fpu.fds = (uint16_t)v; break;
        case 30: cpu->fpu.fdp = v; break;
        default: cpu->fpu.fop = (uint16_t)(v & 0x7ff); break;
        }
    } else if (n < 40) {
        memcpy(cpu->fpu.xmm[n - 32], buf, 16);
    } else if (n == 40) {
        cpu->fpu.mxcsr = v;
    } else if (n == 44) {
        cpu->cr[2] = v;
    } else if (n == 45) {
        /* The PDPTEs (PAE) are reloaded by the guest's next MOV CR3; we only drop caches. */
        cpu->cr[3] = v;
        cpu_flush_caches(cpu);
    } else if (n >= 58) {
        cpu->dr[gdb_dr_order[n - 58]] = v;
    } else {
        /* Mode-defining or descriptor-derived state: changing it from outside would
         * bypass the checks and derived state the CPU keeps (hflags, PDPTEs). */
        return 0;
    }
    return gdb_register_size(n);
}

/* ---- target description ---- */

static void xml_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    PRINTF_FMT(4, 5);

static void xml_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap *= 2;
        *buf = xrealloc(*buf, *cap);
    }
}

/*
 * A CPU in real mode at the time gdb connects (the usual case: -S, reset vector, boot
 * sector) gets <architecture>i8086</architecture>, so gdb disassembles 16-bit code; a CPU
 * in protected mode gets i386. Either way `set architecture` switches later on.
 */
static void gdb_build_xml(GdbStub *s, int variant)
{
    size_t len = 0, cap = 8192;
    char *x = xmalloc(cap);
    const char *feature = NULL;
    static const char *const eflags_bits[][2] = {
        {"CF", "0"}, {"", "1"}, {"PF", "2"}, {"AF", "4"}, {"ZF", "6"}, {"SF", "7"},
        {"TF", "8"}, {"IF", "9"}, {"DF", "10"}, {"OF", "11"}, {"NT", "14"}, {"RF", "16"},
        {"VM", "17"}, {"AC", "18"}, {"VIF", "19"}, {"VIP", "20"}, {"ID", "21"},
    };

    x[0] = '\0';
    xml_append(&x, &len, &cap, "<?xml version=\"1.0\"?>\n"
                               "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                               "<target version=\"1.0\">\n"
                               "<architecture>%s</architecture>\n",
               variant ? "i8086" : "i386");
    for (int n = 0; n < GDB_NUM_REGS; n++) {
        const GdbReg *r = &gdb_regs[n];

        if (!feature || strcmp(feature, r->feature) != 0) {
            if (feature) {
                xml_append(&x, &len, &cap, "</feature>\n");
            }
            feature = r->feature;
            xml_append(&x, &len, &cap, "<feature name=\"%s\">\n", feature);
            if (strcmp(feature, CORE) == 0) {
                xml_append(&x, &len, &cap, "<flags id=\"x86pc_eflags\" size=\"4\">\n");
                for (size_t i = 0; i < ARRAY_SIZE(eflags_bits); i++) {
                    xml_append(&x, &len, &cap, "<field name=\"%s\" start=\"%s\" end=\"%s\"/>\n",
                               eflags_bits[i][0], eflags_bits[i][1], eflags_bits[i][1]);
                }
                xml_append(&x, &len, &cap, "</flags>\n");
            } else if (strcmp(feature, SSE) == 0) {
                xml_append(&x, &len, &cap,
                           "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
                           "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
                           "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
                           "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
                           "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
                           "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
                           "<union id=\"vec128\">\n"
                           "<field name=\"v4_float\" type=\"v4f\"/>\n"
                           "<field name=\"v2_double\" type=\"v2d\"/>\n"
                           "<field name=\"v16_int8\" type=\"v16i8\"/>\n"
                           "<field name=\"v8_int16\" type=\"v8i16\"/>\n"
                           "<field name=\"v4_int32\" type=\"v4i32\"/>\n"
                           "<field name=\"v2_int64\" type=\"v2i64\"/>\n"
                           "<field name=\"uint128\" type=\"uint128\"/>\n"
                           "</union>\n");
            }
        }
        xml_append(&x, &len, &cap, "<reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"",
                   r->name, r->bits, r->type, n);
        if (r->group) {
            xml_append(&x, &len, &cap, " group=\"%s\"", r->group);
        }
        xml_append(&x, &len, &cap, "/>\n");
    }
    xml_append(&x, &len, &cap, "</feature>\n</target>\n");
    s->xml[variant] = x;
    s->xml_len[variant] = len;
}

/* ---- output ---- */

static void gdb_log_packet(const char *dir, const uint8_t *data, size_t len)
{
    if (!log_enabled(LOG_GDB)) {
        return;
    }
    log_printf("gdb: %s ", dir);
    for (size_t i = 0; i < len && i < 200; i++) {
        uint8_t c = data[i];
        log_printf(c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    }
    log_printf("%s\n", len > 200 ? "..." : "");
}

static void gdb_send_raw(GdbStub *s, const void *data, size_t len)
{
    if (s->chr) {
        chr_write(s->chr, data, len);
    }
}

/*
 * The '+' for a received packet goes out in the same write as the reply: sent apart, the
 * reply would wait in the host's TCP stack (Nagle) for the client's delayed ACK of the '+',
 * some 40 ms per exchange.
 */
static void gdb_flush_ack(GdbStub *s)
{
    if (s->ack_pending) {
        s->ack_pending = false;
        gdb_send_raw(s, "+", 1);
    }
}

static void gdb_send_packet(GdbStub *s, const void *data, size_t len)
{
    uint8_t *pkt = s->pkt_buf + 1;
    size_t cap = sizeof(s->pkt_buf) - 1;
    size_t n = gdb_packet_encode(data, len, true, pkt, cap);

    gdb_log_packet("->", data, len);
    if (n == 0) {
        /* Cannot happen with replies bounded by GDB_PACKET_SIZE; keep the protocol alive. */
        n = gdb_packet_encode((const uint8_t *)"E01", 3, false, pkt, cap);
    }
    s->last_len = n;
    if (s->ack_pending) {
        s->ack_pending = false;
        s->pkt_buf[0] = '+';
        gdb_send_raw(s, s->pkt_buf, n + 1);
    } else {
        gdb_send_raw(s, pkt, n);
    }
}

static void gdb_send_str(GdbStub *s, const char *str)
{
    gdb_send_packet(s, str, strlen(str));
}

static void reply_reset(GdbStub *s)
{
    s->reply_len = 0;
    s->reply[0] = '\0';
}

static void PRINTF_FMT(2, 3) reply_printf(GdbStub *s, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t room = sizeof(s->reply) - s->reply_len;

    va_start(ap, fmt);
    n = vsnprintf(s->reply + s->reply_len, room, fmt, ap);
    va_end(ap);
    if (n > 0) {
        s->reply_len += MIN((size_t)n, room - 1);
    }
}

static void reply_hex(GdbStub *s, const uint8_t *bytes, size_t n)
{
    if (s->reply_len + 2 * n + 1 > sizeof(s->reply)) {
        n = (sizeof(s->reply) - s->reply_len - 1) / 2;
    }
    gdb_tohex(s->reply + s->reply_len, bytes, n);
    s->reply_len += 2 * n;
}

static void reply_send(GdbStub *s)
{
    gdb_send_packet(s, s->reply, s->reply_len);
}

/* ---- parsing helpers (bounded; p points into a NUL-terminated packet) ---- */

/* Parse hex digits into *v; false if none or more than 16 digits. */
static bool parse_hex(const char **p, uint64_t *v)
{
    const char *q = *p;
    uint64_t r = 0;
    int n = 0;

    while (gdb_hexval((uint8_t)*q) >= 0) {
        if (++n > 16) {
            return false;
        }
        r = (r << 4) | (uint64_t)gdb_hexval((uint8_t)*q);
        q++;
    }
    if (n == 0) {
        return false;
    }
    *p = q;
    *v = r;
    return true;
}

/* Thread id: "-1" (all), "0" (any), or hex id. Returns -2 on error, -1 all, else index or
 * the current one for "any". */
static int parse_thread(GdbStub *s, const char **p, int current)
{
    uint64_t v;

    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        return -1;
    }
    if (!parse_hex(p, &v)) {
        return -2;
    }
    if (v == 0) {
        return current;
    }
    if (v > (uint64_t)machine_nb_cpus(s->m)) {
        return -2;
    }
    return (int)v - 1;
}

static X86CPU *gdb_cpu(GdbStub *s, int index)
{
    int n = machine_nb_cpus(s->m);

    if (index < 0 || index >= n) {
        index = 0;
    }
    return machine_cpu(s->m, index);
}

/* ---- stop replies and execution control ---- */

static void gdb_stop_reply(GdbStub *s, int sig, X86CPU *cpu, const char *reason)
{
    reply_reset(s);
    reply_printf(s, "T%02xthread:%x;%s", sig, cpu->cpu_index + 1, reason ? reason : "");
    reply_send(s);
    s->last_signal = sig;
}

static void gdb_resume(GdbStub *s)
{
    s->running = true;
    s->seen_running = false;
    s->paused_by_gdb = false;
    machine_resume(s->m);
}

/*
 * The machine stopped for a reason other than a debug event (Ctrl-C, vCont;t, a monitor
 * or QMP stop) while gdb waited: a step still in flight is abandoned, as gdb considers it
 * finished by this stop. Left set, it would stop the vCPU after one instruction at the
 * next 'c', a stop gdb never asked for.
 */
static void gdb_cancel_steps(GdbStub *s)
{
    for (int i = 0; i < machine_nb_cpus(s->m); i++) {
        machine_cpu(s->m, i)->single_step = false;
    }
}

static void gdb_clear_debug_state(GdbStub *s)
{
    for (int i = 0; i < machine_nb_cpus(s->m); i++) {
        X86CPU *cpu = machine_cpu(s->m, i);
        cpu_breakpoint_remove_all(cpu);
        cpu->single_step = false;
        cpu->watchpoint_hit = false;
    }
}

/* The machine's debug handler: a vCPU stopped at a breakpoint, watchpoint or step. */
static void gdb_debug_stopped(void *opaque, X86CPU *cpu)
{
    GdbStub *s = opaque;
    char reason[64] = "";
    bool stepped = cpu->single_step;

    gdb_cancel_steps(s);
    if (!s->connected) {
        /* gdb went away with a step in flight: nothing to report to. */
        cpu->watchpoint_hit = false;
        machine_resume(s->m);
        return;
    }
    if (cpu->watchpoint_hit) {
        const char *kind = "awatch";
        for (int i = 0; i < cpu->nb_bps; i++) {
            const CPUBreakpoint *bp = &cpu->bps[i];
            if (bp->type >= WP_WRITE && cpu->watchpoint_addr >= bp->addr &&
                cpu->watchpoint_addr - bp->addr < MAX(bp->len, 1u)) {
                kind = bp->type == WP_WRITE ? "watch" : bp->type == WP_READ ? "rwatch" : "awatch";
                break;
            }
        }
        snprintf(reason, sizeof(reason), "%s:%x;", kind, cpu->watchpoint_addr);
        cpu->watchpoint_hit = false;
    } else if (!stepped) {
        uint32_t pc = cpu->seg[R_CS].base + cpu->eip;
        for (int i = 0; i < cpu->nb_bps; i++) {
            if (cpu->bps[i].addr == pc && cpu->bps[i].type == BP_SOFT && s->gdb_swbreak) {
                snprintf(reason, sizeof(reason), "swbreak:;");
                break;
            }
            if (cpu->bps[i].addr == pc && cpu->bps[i].type == BP_HARD && s->gdb_hwbreak) {
                snprintf(reason, sizeof(reason), "hwbreak:;");
                break;
            }
        }
    }
    s->g_cpu = s->c_cpu = cpu->cpu_index;
    s->running = false;
    s->paused_by_gdb = true;
    gdb_stop_reply(s, GDB_SIGTRAP, cpu, reason);
}

static void gdb_event(void *opaque, MachineEvent ev)
{
    GdbStub *s = opaque;

    if (ev == MEV_SHUTDOWN && s->connected) {
        gdb_send_str(s, "W00");
        s->running = false;
    }
}

/* c/s/C/S with an optional resume address. */
static void gdb_continue(GdbStub *s, const char *args, bool step)
{
    X86CPU *cpu = gdb_cpu(s, s->c_cpu);
    uint64_t addr;

    if (*args && parse_hex(&args, &addr)) {
        cpu->eip = (uint32_t)addr;
    }
    if (step) {
        cpu->single_step = true;
    }
    gdb_resume(s);
}

/* vCont;ACTION[:TID]...: all-stop semantics. A CPU given 's' steps; 'c'/'C' continue; 't'
 * (stop) for every thread pauses the machine and reports SIGINT-less stop (T00). */
static void gdb_vcont(GdbStub *s, const char *p)
{
    int n = machine_nb_cpus(s->m);
    char action[MAX_CPUS];
    bool any_run = false, any_stop = false;

    memset(action, 0, sizeof(action));
    while (*p == ';') {
        char a = p[1];
        int tid = -1;

        p += 2;
        if (a == 'C' || a == 'S') {
            uint64_t sig;
            if (!parse_hex(&p, &sig)) {
                gdb_send_str(s, "E01");
                return;
            }
            a = (char)(a - 'A' + 'a');
        }
        if (a != 'c' && a != 's' && a != 't') {
            gdb_send_str(s, "E01");
            return;
        }
        if (*p == ':') {
            p++;
            tid = parse_thread(s, &p, s->c_cpu);
            if (tid == -2) {
                gdb_send_str(s, "E02");
                return;
            }
        }
        for (int i = 0; i < n && i < MAX_CPUS; i++) {
            if (!action[i] && (tid == -1 || tid == i)) {
                action[i] = a;
            }
        }
    }
    if (*p != '\0') {
        gdb_send_str(s, "E01");
        return;
    }
    for (int i = 0; i < n && i < MAX_CPUS; i++) {
        X86CPU *cpu = machine_cpu(s->m, i);
        if (action[i] == 's') {
            cpu->single_step = true;
            s->c_cpu = i;
        }
        any_run |= action[i] == 's' || action[i] == 'c';
        any_stop |= action[i] == 't';
    }
    if (any_run) {
        gdb_resume(s);
    } else if (any_stop) {
        machine_pause(s->m);
        gdb_cancel_steps(s);
        s->paused_by_gdb = true;
        gdb_stop_reply(s, 0, gdb_cpu(s, s->c_cpu), NULL);
    } else {
        gdb_send_str(s, "E01");
    }
}

/* ---- memory ---- */

/* Read/write linear memory through the CPU's paging, page by page. Returns the number of
 * bytes done before the first unmapped page. */
static size_t gdb_mem_rw(X86CPU *cpu, uint32_t addr, uint8_t *buf, size_t len, bool write)
{
    size_t done = 0;

    while (done < len) {
        uint32_t a = addr + (uint32_t)done;
        size_t chunk = MIN(len - done, 4096 - (a & 4095));
        if (cpu_memory_rw_debug(cpu, a, buf + done, chunk, write) != 0) {
            break;
        }
        done += chunk;
    }
    return done;
}

static void gdb_read_memory(GdbStub *s, const char *p)
{
    uint64_t addr, len;
    uint8_t buf[GDB_PACKET_SIZE / 2];
    size_t done;

    if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len) || *p != '\0' ||
        addr > 0xffffffffu) {
        gdb_send_str(s, "E01");
        return;
    }
    len = MIN(len, (uint64_t)sizeof(buf) - 8);
    done = gdb_mem_rw(gdb_cpu(s, s->g_cpu), (uint32_t)addr, buf, (size_t)len, false);
    if (done == 0 && len != 0) {
        gdb_send_str(s, "E14");
        return;
    }
    reply_reset(s);
    reply_hex(s, buf, done);
    reply_send(s);
}

/* M addr,len:HEX  or  X addr,len:BINARY (data/len from the decoder, binary-safe). */
static void gdb_write_memory(GdbStub *s, const uint8_t *pkt, size_t pktlen, bool binary)
{
    const char *p = (const char *)pkt + 1;
    uint64_t addr, len;
    uint8_t buf[GDB_PACKET_SIZE];
    const char *data;
    size_t datalen;

    if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len) || *p++ != ':' ||
        addr > 0xffffffffu || len > sizeof(buf)) {
        gdb_send_str(s, "E01");
        return;
    }
    data = p;
    datalen = pktlen - (size_t)(data - (const char *)pkt);
    if (binary) {
        if (datalen != len) {
            gdb_send_str(s, "E01");
            return;
        }
        memcpy(buf, data, datalen);
    } else if (gdb_fromhex(buf, sizeof(buf), data, datalen) != (long)len) {
        gdb_send_str(s, "E01");
        return;
    }
    if (len == 0) {
        gdb_send_str(s, "OK");
        return;
    }
    if (gdb_mem_rw(gdb_cpu(s, s->g_cpu), (uint32_t)addr, buf, (size_t)len, true) != len) {
        gdb_send_str(s, "E14");
        return;
    }
    gdb_send_str(s, "OK");
}

/* ---- breakpoints ---- */

static void gdb_breakpoint(GdbStub *s, const char *p, bool insert)
{
    static const int types[5] = {BP_SOFT, BP_HARD, WP_WRITE, WP_READ, WP_ACCESS};
    uint64_t type, addr, kind;
    int n = machine_nb_cpus(s->m);

    if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) || *p++ != ',' ||
        !parse_hex(&p, &kind) || (*p != '\0' && *p != ';')) {
        gdb_send_str(s, "E01");
        return;
    }
    if (type > 4) {
        gdb_send_str(s, ""); /* unsupported kind */
        return;
    }
    if (addr > 0xffffffffu || kind > 0x1000) {
        gdb_send_str(s, "E22");
        return;
    }
    if (type >= 2 && (kind == 0 || kind > 8)) {
        gdb_send_str(s, "E22");
        return;
    }
    for (int i = 0; i < n; i++) {
        X86CPU *cpu = machine_cpu(s->m, i);
        int r;
        if (insert) {
            r = cpu_breakpoint_insert(cpu, types[type], (uint32_t)addr, (uint32_t)kind);
            if (r < 0) {
                /* Undo on the CPUs done so far: all vCPUs share one breakpoint set. */
                for (int j = 0; j < i; j++) {
                    cpu_breakpoint_remove(machine_cpu(s->m, j), types[type], (uint32_t)addr,
                                          (uint32_t)kind);
                }
                gdb_send_str(s, "E28");
                return;
            }
        } else {
            cpu_breakpoint_remove(cpu, types[type], (uint32_t)addr, (uint32_t)kind);
        }
    }
    gdb_send_str(s, "OK");
}

/* ---- queries ---- */

static void gdb_qsupported(GdbStub *s, const char *p)
{
    s->gdb_swbreak = strstr(p, "swbreak+") != NULL;
    s->gdb_hwbreak = strstr(p, "hwbreak+") != NULL;
    reply_reset(s);
    reply_printf(s, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;"
                    "QStartNoAckMode+", GDB_PACKET_SIZE);
    reply_send(s);
}

static void gdb_qxfer_features(GdbStub *s, const char *p)
{
    uint64_t off, len;
    const char *colon = strchr(p, ':');
    const char *xml;
    size_t xml_len;

    if (!colon || (size_t)(colon - p) != strlen("target.xml") ||
        strncmp(p, "target.xml", (size_t)(colon - p)) != 0) {
        gdb_send_str(s, "E00");
        return;
    }
    p = colon + 1;
    if (!parse_hex(&p, &off) || *p++ != ',' || !parse_hex(&p, &len) || *p != '\0') {
        gdb_send_str(s, "E01");
        return;
    }
    if (off == 0) {
        s->xml_cur = (gdb_cpu(s, s->g_cpu)->cr[0] & CR0_PE) ? 0 : 1;
    }
    xml = s->xml[s->xml_cur];
    xml_len = s->xml_len[s->xml_cur];
    if (off > xml_len) {
        gdb_send_str(s, "E01");
        return;
    }
    len = MIN(len, (uint64_t)GDB_PACKET_SIZE / 2);
    reply_reset(s);
    if (off + len >= xml_len) {
        reply_printf(s, "l%.*s", (int)(xml_len - off), xml + off);
    } else {
        reply_printf(s, "m%.*s", (int)len, xml + off);
    }
    reply_send(s);
}

static void gdb_qrcmd(GdbStub *s, const char *hex)
{
    size_t hexlen = strlen(hex);
    char cmd[GDB_PACKET_SIZE / 2 + 1];
    long n = gdb_fromhex((uint8_t *)cmd, sizeof(cmd) - 1, hex, hexlen);
    char *out;
    size_t outlen, chunk = GDB_PACKET_SIZE / 2 - 8;

    if (n < 0) {
        gdb_send_str(s, "E01");
        return;
    }
    cmd[n] = '\0';
    if (strlen(cmd) != (size_t)n) {
        gdb_send_str(s, "E01"); /* NUL inside the command */
        return;
    }
    out = monitor_execute_to_string(s->m, cmd);
    outlen = strlen(out);
    for (size_t off = 0; off < outlen; off += chunk) {
        reply_reset(s);
        reply_printf(s, "O");
        reply_hex(s, (const uint8_t *)out + off, MIN(chunk, outlen - off));
        reply_send(s);
    }
    free(out);
    gdb_send_str(s, "OK");
}

static void gdb_query(GdbStub *s, const char *p)
{
    int n = machine_nb_cpus(s->m);

    if (strncmp(p, "qSupported", 10) == 0) {
        gdb_qsupported(s, p + 10);
    } else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
        gdb_qxfer_features(s, p + 20);
    } else if (strcmp(p, "qfThreadInfo") == 0) {
        reply_reset(s);
        reply_printf(s, "m");
        for (int i = 0; i < n; i++) {
            reply_printf(s, i ? ",%x" : "%x", i + 1);
        }
        reply_send(s);
    } else if (strcmp(p, "qsThreadInfo") == 0) {
        gdb_send_str(s, "l");
    } else if (strcmp(p, "qC") == 0) {
        reply_reset(s);
        reply_printf(s, "QC%x", s->g_cpu + 1);
        reply_send(s);
    } else if (strncmp(p, "qThreadExtraInfo,", 17) == 0) {
        const char *q = p + 17;
        int t = parse_thread(s, &q, s->g_cpu);
        char info[64];
        X86CPU *cpu;
        if (t < 0 || *q != '\0') {
            gdb_send_str(s, "E01");
            return;
        }
        cpu = machine_cpu(s->m, t);
        /* What `info threads` shows: the vCPU's mode and whether it waits. */
        snprintf(info, sizeof(info), "CPU#%d [%s%s]", t,
                 !(cpu->cr[0] & CR0_PE) ? "real mode" : (cpu->hflags & HF_VM) ? "vm86 mode"
                 : "protected mode",
                 cpu->wait_for_sipi ? ", waiting for SIPI" : cpu->halted ? ", halted" : "");
        reply_reset(s);
        reply_hex(s, (const uint8_t *)info, strlen(info));
        reply_send(s);
    } else if (strcmp(p, "qAttached") == 0) {
        gdb_send_str(s, "1");
    } else if (strncmp(p, "qRcmd,", 6) == 0) {
        gdb_qrcmd(s, p + 6);
    } else if (strncmp(p, "qSymbol", 7) == 0) {
        gdb_send_str(s, "OK");
    } else {
        gdb_send_str(s, ""); /* unsupported query */
    }
}

/* ---- registers ---- */

static void gdb_read_all_registers(GdbStub *s)
{
    X86CPU *cpu = gdb_cpu(s, s->g_cpu);
    uint8_t buf[16];

    reply_reset(s);
    for (int n = 0; n < GDB_NUM_REGS; n++) {
        int size = gdb_read_register(cpu, n, buf);
        reply_hex(s, buf, (size_t)size);
    }
    reply_send(s);
}

static void gdb_write_all_registers(GdbStub *s, const char *hex)
{
    X86CPU *cpu = gdb_cpu(s, s->g_cpu);
    size_t hexlen = strlen(hex), off = 0;

    /* gdb may send a shorter image (registers it does not know are left alone). */
    for (int n = 0; n < GDB_NUM_REGS; n++) {
        uint8_t buf[16], cur[16];
        size_t size = (size_t)gdb_register_size(n);
        if (off + 2 * size > hexlen) {
            break;
        }
        if (gdb_fromhex(buf, sizeof(buf), hex + off, 2 * size) != (long)size) {
            gdb_send_str(s, "E01");
            return;
        }
        gdb_read_register(cpu, n, cur);
        if (memcmp(buf, cur, size) != 0) {
            gdb_write_register(cpu, n, buf); /* read-only registers keep their value */
        }
        off += 2 * size;
    }
    gdb_send_str(s, off == hexlen ? "OK" : "E01");
}

static void gdb_register_packet(GdbStub *s, const char *p, bool write)
{
    X86CPU *cpu = gdb_cpu(s, s->g_cpu);
    uint64_t n;
    uint8_t buf[16];

    if (!parse_hex(&p, &n) || n >= GDB_NUM_REGS) {
        gdb_send_str(s, write ? "E01" : "E45");
        return;
    }
    if (!write) {
        int size;
        if (*p != '\0') {
            gdb_send_str(s, "E01");
            return;
        }
        size = gdb_read_register(cpu, (int)n, buf);
        reply_reset(s);
        reply_hex(s, buf, (size_t)size);
        reply_send(s);
        return;
    }
    if (*p++ != '=' || gdb_fromhex(buf, sizeof(buf), p, strlen(p)) != gdb_register_size((int)n)) {
        gdb_send_str(s, "E01");
        return;
    }
    gdb_send_str(s, gdb_write_register(cpu, (int)n, buf) ? "OK" : "E01");
}

/* ---- dispatch ---- */

static void gdb_handle_packet(GdbStub *s, const uint8_t *pkt, size_t len)
{
    const char *p = (const char *)pkt;
    bool has_nul = strlen(p) != len;

    gdb_log_packet("<-", pkt, len);
    if (len == 0) {
        gdb_send_str(s, "");
        return;
    }
    if (has_nul && p[0] != 'X') {
        gdb_send_str(s, "E01"); /* only X carries binary data */
        return;
    }
    switch (p[0]) {
    case '?':
        gdb_stop_reply(s, s->last_signal, gdb_cpu(s, s->c_cpu), NULL);
        break;
    case 'g':
        gdb_read_all_registers(s);
        break;
    case 'G':
        gdb_write_all_registers(s, p + 1);
        break;
    case 'p':
        gdb_register_packet(s, p + 1, false);
        break;
    case 'P':
        gdb_register_packet(s, p + 1, true);
        break;
    case 'm':
        gdb_read_memory(s, p + 1);
        break;
    case 'M':
        gdb_write_memory(s, pkt, len, false);
        break;
    case 'X':
        gdb_write_memory(s, pkt, len, true);
        break;
    case 'c':
        gdb_continue(s, p + 1, false);
        break;
    case 's':
        gdb_continue(s, p + 1, true);
        break;
    case 'C':
    case 'S': {
        /* Csig[;addr]: the signal means nothing to a bare machine; it is ignored. */
        const char *q = p + 1;
        uint64_t sig;
        if (!parse_hex(&q, &sig) || (*q != '\0' && *q != ';')) {
            gdb_send_str(s, "E01");
            break;
        }
        gdb_continue(s, *q == ';' ? q + 1 : q, p[0] == 'S');
        break;
    }
    case 'v':
        if (strcmp(p, "vCont?") == 0) {
            gdb_send_str(s, "vCont;c;C;s;S;t");
        } else if (strncmp(p, "vCont;", 6) == 0) {
            gdb_vcont(s, p + 5);
        } else {
            gdb_send_str(s, ""); /* vMustReplyEmpty and anything else */
        }
        break;
    case 'H': {
        const char *q = p + 2;
        int t;
        if (p[1] != 'g' && p[1] != 'c') {
            gdb_send_str(s, "E01");
            break;
        }
        t = parse_thread(s, &q, p[1] == 'g' ? s->g_cpu : s->c_cpu);
        if (t == -2 || *q != '\0') {
            gdb_send_str(s, "E22");
            break;
        }
        if (t >= 0) {
            if (p[1] == 'g') {
                s->g_cpu = t;
            } else {
                s->c_cpu = t;
            }
        }
        gdb_send_str(s, "OK");
        break;
    }
    case 'T': {
        const char *q = p + 1;
        int t = parse_thread(s, &q, s->g_cpu);
        gdb_send_str(s, t >= 0 && *q == '\0' ? "OK" : "E22");
        break;
    }
    case 'q':
        gdb_query(s, p);
        break;
    case 'Q':
        if (strcmp(p, "QStartNoAckMode") == 0) {
            gdb_send_str(s, "OK");
            s->no_ack = true; /* the OK itself is still acked by gdb */
        } else {
            gdb_send_str(s, "");
        }
        break;
    case 'Z':
    case 'z':
        gdb_breakpoint(s, p + 1, p[0] == 'Z');
        break;
    case 'D':
        gdb_clear_debug_state(s);
        gdb_send_str(s, "OK");
        s->running = false;
        s->paused_by_gdb = false;
        machine_resume(s->m);
        break;
    case 'k':
        log_mask_printf(LOG_GDB, "gdb: kill request: exiting\n");
        gdb_clear_debug_state(s);
        machine_request_shutdown(s->m, 0);
        break;
    default:
        gdb_send_str(s, ""); /* unsupported packet */
        break;
    }
}

/* ---- connection and polling ---- */

static void gdb_connection(GdbStub *s, bool connected)
{
    if (connected == s->connected) {
        return;
    }
    s->connected = connected;
    gdb_packet_decoder_init(&s->dec);
    s->no_ack = false;
    s->ack_pending = false;
    s->running = false;
    s->last_len = 0;
    s->last_signal = GDB_SIGTRAP;
    if (connected) {
        log_mask_printf(LOG_GDB, "gdb: client connected\n");
        /* Only a stop we cause is undone at disconnect: a -S machine stays paused. */
        s->paused_by_gdb = !machine_is_paused(s->m);
        machine_pause(s->m);
        s->g_cpu = s->c_cpu = 0;
    } else {
        /* Like a detach: a guest must not stay frozen on a breakpoint nobody will see. */
        log_mask_printf(LOG_GDB, "gdb: client disconnected\n");
        gdb_clear_debug_state(s);
        if (s->paused_by_gdb) {
            s->paused_by_gdb = false;
            machine_resume(s->m);
        }
    }
}

static void gdb_chr_event(void *opaque, bool connected)
{
    gdb_connection(opaque, connected);
}

static void gdb_poll(void *opaque)
{
    GdbStub *s = opaque;
    uint8_t buf[1024];
    size_t n;

    if (chr_connected(s->chr) != s->connected) {
        gdb_connection(s, chr_connected(s->chr));
    }
    /* Bounded per call, so a flooding client cannot starve the guest. */
    for (int iter = 0; iter < 64 && (n = chr_read(s->chr, buf, sizeof(buf))) > 0; iter++) {
        if (!s->connected) {
            gdb_connection(s, true);
        }
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const uint8_t *data;

            switch (gdb_packet_feed(&s->dec, buf[i])) {
            case GDB_EV_NONE:
            case GDB_EV_ACK:
                break;
            case GDB_EV_NACK:
                if (!s->no_ack && s->last_len) {
                    gdb_send_raw(s, s->pkt_buf + 1, s->last_len);
                }
                break;
            case GDB_EV_INTERRUPT:
                log_mask_printf(LOG_GDB, "gdb: <- Ctrl-C\n");
                if (s->running) {
                    machine_pause(s->m);
                    gdb_cancel_steps(s);
                    s->running = false;
                    s->paused_by_gdb = true;
                    gdb_stop_reply(s, GDB_SIGINT, gdb_cpu(s, s->c_cpu), NULL);
                }
                break;
            case GDB_EV_BAD_CHECKSUM:
                log_mask_printf(LOG_GDB, "gdb: <- packet with bad checksum\n");
                if (!s->no_ack) {
                    gdb_send_raw(s, "-", 1);
                }
                break;
            case GDB_EV_OVERSIZE:
                log_mask_printf(LOG_GDB, "gdb: <- oversized or malformed packet\n");
                s->ack_pending = !s->no_ack;
                gdb_send_str(s, "E01");
                break;
            case GDB_EV_PACKET:
                s->ack_pending = !s->no_ack;
                data = gdb_packet_data(&s->dec, &len);
                gdb_handle_packet(s, data, len);
                gdb_flush_ack(s); /* packets answered later (c, s, vCont) */
                break;
            }
        }
    }
    /* Paused by the monitor or QMP while gdb waits: report it as an interrupt. (Only once
     * the resume took effect, in case the machine applies it at its next iteration.) */
    if (!machine_is_paused(s->m)) {
        s->seen_running = true;
    } else if (s->running && s->seen_running && s->connected) {
        gdb_cancel_steps(s);
        s->running = false;
        s->paused_by_gdb = true;
        gdb_stop_reply(s, GDB_SIGINT, gdb_cpu(s, s->c_cpu), NULL);
    }
}

void gdbstub_init(Machine *m, const ChardevSpec *spec)
{
    static GdbStub stub;
    GdbStub *s = &stub;
    char err[256];

    s->m = m;
    s->last_signal = GDB_SIGTRAP;
    gdb_packet_decoder_init(&s->dec);
    gdb_build_xml(s, 0);
    gdb_build_xml(s, 1);
    s->chr = chr_open(spec, "gdb", err, sizeof(err));
    if (!s->chr) {
        fatal("%s", err);
    }
    chr_set_handlers(s->chr, gdb_chr_event, s);
    machine_add_poll_handler(m, gdb_poll, s);
    machine_set_debug_handler(m, gdb_debug_stopped, s);
    machine_add_event_handler(m, gdb_event, s);
}
