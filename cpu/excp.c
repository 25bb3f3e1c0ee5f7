/*
 * Exception and interrupt delivery: real-mode IVT, protected-mode IDT gates (interrupt,
 * trap, task; 16/32-bit), privilege changes with stack switch, delivery from v86 mode,
 * #DF escalation (SDM vol. 3 table 6-5) and triple fault, the I/O permission check, and
 * the debug-register helpers used by the exec loop.
 *
 * Delivery commits nothing until every check and every stack write has succeeded. An
 * exception raised while delivering (a #GP on the IDT, a #PF on the new stack...) comes
 * back to cpu_deliver_event() through its own sigsetjmp() and is combined with the event
 * being delivered: serially, as #DF, or as a triple fault (return false).
 *
 * Not implemented: CR4.VME/PVI (not advertised in CPUID, CR4 rejects them): INT n in
 * v86 mode with IOPL < 3 is #GP(0), as without VME.
 */
#include "cpu/seg.h"

bool exception_has_error_code(int vector)
{
    switch (vector) {
    case EXC_DF:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP:
    case EXC_PF:
    case EXC_AC:
        return true;
    default:
        return false;
    }
}

static const char *kind_name(int kind)
{
    static const char *const names[] = {"fault", "trap", "soft", "int3", "into", "icebp",
                                        "extint", "nmi"};

    return (kind >= 0 && kind < (int)ARRAY_SIZE(names)) ? names[kind] : "?";
}

static bool is_soft(int kind)
{
    return kind == EXC_KIND_SOFT || kind == EXC_KIND_INT3 || kind == EXC_KIND_INTO;
}

/* Class for the double-fault rules: 0 benign, 1 contributory, 2 page fault, 3 #DF. */
static int exc_class(int vector, int kind)
{
    if (kind != EXC_KIND_FAULT && kind != EXC_KIND_TRAP) {
        return 0;
    }
    switch (vector) {
    case EXC_DE:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP:
        return 1;
    case EXC_PF:
        return 2;
    case EXC_DF:
        return 3;
    default:
        return 0;
    }
}

/* ---- real mode ---- */

static void deliver_real(X86CPU *cpu, int vector, uint32_t ret_eip)
{
    uint32_t addr = (uint32_t)vector * 4;
    uint16_t ip, cs;
    StackFrame f;

    if (addr + 3 > cpu->idt.limit) {
        cpu_raise_exception(cpu, EXC_GP, addr * 2 + 2);
    }
    ip = cpu_ld16_lin(cpu, cpu->idt.base + addr, true);
    cs = cpu_ld16_lin(cpu, cpu->idt.base + addr + 2, true);
    frame_init(&f, cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], 0, 0);
    frame_push(cpu, &f, cpu_get_eflags(cpu), false);
    frame_push(cpu, &f, cpu->seg[R_CS].selector, false);
    frame_push(cpu, &f, ret_eip, false);
    frame_commit_sp(cpu, &f);
    cpu_set_eflags(cpu, cpu_get_eflags(cpu) & ~(uint32_t)(EF_IF | EF_TF | EF_AC | EF_RF));
    cpu_load_seg_real(cpu, R_CS, cs);
    cpu->eip = ip;
}

/* ---- protected mode ---- */

static void deliver_pm(X86CPU *cpu, int vector, int kind, bool has_err, uint32_t err,
                       uint32_t ext, uint32_t ret_eip, uint32_t push_rf)
{
    uint32_t addr = (uint32_t)vector * 8;
    uint32_t idt_err = addr + 2 + ext;
    int cpl = cpu_cpl(cpu);
    bool vm = (cpu->eflags & EF_VM) != 0;
    Desc g, cd;
    int type;

    /*
     * In v86 mode INT n (CD) is IOPL-sensitive: #GP(0) to the monitor when IOPL < 3.
     * INT3 and INTO are not (SDM vol. 3 20.2.7): they go through the IDT, where a gate
     * with DPL < 3 gives #GP(vector * 8 + 2) as at any CPL 3.
     */
    if (vm && kind == EXC_KIND_SOFT && ((cpu->eflags & EF_IOPL) >> EF_IOPL_SHIFT) < 3) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (addr + 7 > cpu->idt.limit) {
        cpu_raise_exception(cpu, EXC_GP, idt_err);
    }
    g.addr = cpu->idt.base + addr;
    g.lo = cpu_ld32_lin(cpu, g.addr, true);
    g.hi = cpu_ld32_lin(cpu, g.addr + 4, true);
    type = desc_type(&g);
    if (!desc_is_system(&g) ||
        (type != DESC_TASKGATE && type != DESC_INTGATE16 && type != DESC_TRAPGATE16 &&
         type != DESC_INTGATE32 && type != DESC_TRAPGATE32)) {
        cpu_raise_exception(cpu, EXC_GP, idt_err);
    }
    if (is_soft(kind) && desc_dpl(&g) < cpl) {
        cpu_raise_exception(cpu, EXC_GP, addr + 2);
    }
    if (!desc_present(&g)) {
        cpu_raise_exception(cpu, EXC_NP, idt_err);
    }
    if (type == DESC_TASKGATE) {
        log_mask_printf(LOG_PCALL, "pcall: task gate for vector %02x -> tss %04x\n", vector,
                        g.lo >> 16);
        cpu_task_switch(cpu, (uint16_t)(g.lo >> 16), TASK_SWITCH_INT, ret_eip, has_err, err);
        return;
    }

    bool gate32 = (type & 8) != 0;
    uint16_t dsel = (uint16_t)(g.lo >> 16);
    uint32_t eip = (g.lo & 0xffff) | (gate32 ? (g.hi & 0xffff0000u) : 0);
    uint32_t derr = (dsel & 0xfffc) | ext;
    uint32_t old_eflags = cpu_get_eflags(cpu) | push_rf;
    StackFrame f;
    SegmentCache ssc;
    Desc sd;
    int dpl;
    bool inner;

    if ((dsel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, ext);
    }
    if (!desc_fetch(cpu, dsel, &cd)) {
        cpu_raise_exception(cpu, EXC_GP, derr);
    }
    if (desc_is_system(&cd) || !(cd.hi & DESC_CS_MASK) || desc_dpl(&cd) > cpl) {
        cpu_raise_exception(cpu, EXC_GP, derr);
    }
    if (!desc_present(&cd)) {
        cpu_raise_exception(cpu, EXC_NP, derr);
    }
    dpl = desc_dpl(&cd);
    inner = !(cd.hi & DESC_C_MASK) && dpl < cpl;
    if (vm && (!inner || dpl != 0)) {
        /* From v86 mode only a ring-0 non-conforming handler is allowed. */
        cpu_raise_exception(cpu, EXC_GP, derr);
    }
    {
        SegmentCache t;

        desc_to_cache(&t, dsel, &cd);
        if (eip > t.limit) {
            cpu_raise_exception(cpu, EXC_GP, ext);
        }
    }
    if (inner) {
        uint16_t new_ss;
        uint32_t new_esp;

        tss_get_stack(cpu, dpl, &new_ss, &new_esp, ext);
        seg_check_new_ss(cpu, new_ss, dpl, EXC_TS, ext, &sd);
        desc_to_cache(&ssc, new_ss, &sd);
        frame_init(&f, cpu, &ssc, new_esp, (new_ss & 0xfffc) | ext, dpl);
        if (!(ssc.flags & DESC_B_MASK)) {
            f.sp &= 0xffff;
        }
        if (vm) {
            frame_push(cpu, &f, cpu->seg[R_GS].selector, gate32);
            frame_push(cpu, &f, cpu->seg[R_FS].selector, gate32);
            frame_push(cpu, &f, cpu->seg[R_DS].selector, gate32);
            frame_push(cpu, &f, cpu->seg[R_ES].selector, gate32);
        }
        frame_push(cpu, &f, cpu->seg[R_SS].selector, gate32);
        frame_push(cpu, &f, cpu->regs[R_ESP], gate32);
    } else {
        frame_init(&f, cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], 0, cpl);
    }
    frame_push(cpu, &f, old_eflags, gate32);
    frame_push(cpu, &f, cpu->seg[R_CS].selector, gate32);
    frame_push(cpu, &f, ret_eip, gate32);
    if (has_err) {
        frame_push(cpu, &f, err, gate32);
    }

    /* Commit. */
    if (inner) {
        desc_set_accessed(cpu, &sd);
        ssc.flags = sd.hi & 0x00f0ff00u;
        cpu->seg[R_SS] = ssc;
        cpu->regs[R_ESP] = f.sp;
        if (vm) {
            seg_set_null(&cpu->seg[R_ES], 0);
            seg_set_null(&cpu->seg[R_DS], 0);
            seg_set_null(&cpu->seg[R_FS], 0);
            seg_set_null(&cpu->seg[R_GS], 0);
        }
    } else {
        frame_commit_sp(cpu, &f);
    }
    desc_set_accessed(cpu, &cd);
    desc_to_cache(&cpu->seg[R_CS], (uint16_t)((dsel & 0xfffc) | (inner ? dpl : cpl)), &cd);
    {
        uint32_t clear = EF_TF | EF_NT | EF_RF | EF_VM;

        if (type == DESC_INTGATE16 || type == DESC_INTGATE32) {
            clear |= EF_IF;
        }
        cpu_set_eflags(cpu, old_eflags & ~clear);
    }
    cpu->eip = eip;
    cpu_update_hflags(cpu);
}

/* ---- entry point ---- */

static void log_event(X86CPU *cpu, int vector, int kind, bool has_err, uint32_t err,
                      uint32_t eip)
{
    if (!log_enabled(LOG_INT)) {
        return;
    }
    if (vector == EXC_PF && kind == EXC_KIND_FAULT) {
        log_printf("int: v=%02x e=%04x kind=%s cs:eip=%04x:%08x cr2=%08x cpl=%d\n", vector, err,
                   kind_name(kind), cpu->seg[R_CS].selector, eip, cpu->cr[2], cpu_cpl(cpu));
    } else if (has_err) {
        log_printf("int: v=%02x e=%04x kind=%s cs:eip=%04x:%08x cpl=%d\n", vector, err,
                   kind_name(kind), cpu->seg[R_CS].selector, eip, cpu_cpl(cpu));
    } else {
        log_printf("int: v=%02x e=---- kind=%s cs:eip=%04x:%08x cpl=%d\n", vector,
                   kind_name(kind), cpu->seg[R_CS].selector, eip, cpu_cpl(cpu));
    }
}

typedef struct Event {
    int vector;
    int kind;
    uint32_t err;
    uint32_t ext;     /* EXT bit for error codes raised while delivering */
    uint32_t ret_eip; /* EIP pushed as the return address */
} Event;

static void deliver_once(X86CPU *cpu, const Event *ev)
{
    bool has_err = ev->kind == EXC_KIND_FAULT && exception_has_error_code(ev->vector);

    log_event(cpu, ev->vector, ev->kind, has_err, ev->err, ev->ret_eip);
    if (ev->vector == EXC_DB && (ev->kind == EXC_KIND_FAULT || ev->kind == EXC_KIND_TRAP)) {
        /* The processor clears DR7.GD on entry to the #DB handler. */
        cpu->dr[7] &= ~(1u << 13);
    }
    /*
     * The EFLAGS image pushed for a fault has RF = 1, except for an instruction
     * breakpoint (a #DB fault with one of DR6.B0-B3 set), so that the restarted
     * instruction does not hit a breakpoint again (SDM vol. 3 17.3.1.1). The 16-bit
     * images of real mode and 16-bit gates have no RF.
     */
    uint32_t push_rf = (ev->kind == EXC_KIND_FAULT &&
                        !(ev->vector == EXC_DB && (cpu->dr[6] & 0xf))) ? EF_RF : 0;

    if (!(cpu->cr[0] & CR0_PE)) {
        deliver_real(cpu, ev->vector, ev->ret_eip);
    } else {
        deliver_pm(cpu, ev->vector, ev->kind, has_err, ev->err, ev->ext, ev->ret_eip, push_rf);
    }
    if (ev->kind == EXC_KIND_NMI) {
        cpu->nmi_blocked = true;
    }
}

/* One delivery attempt; false if an exception was raised (recorded in cpu->exc_*). */
static bool try_deliver(X86CPU *cpu, const Event *ev)
{
    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        return false;
    }
    deliver_once(cpu, ev);
    return true;
}

bool cpu_deliver_event(X86CPU *cpu)
{
    Event ev;
    uint32_t fault_eip = cpu->eip;
    uint16_t tr_before = cpu->tr.selector;
    sigjmp_buf saved;
    bool ok = true;

    ev.vector = cpu->exc_vector;
    ev.kind = cpu->exc_kind;
    ev.err = cpu->exc_error;
    ev.ext = (ev.kind == EXC_KIND_EXTINT || ev.kind == EXC_KIND_NMI ||
              ev.kind == EXC_KIND_ICEBP) ? 1 : 0;
    /* Return address: faults restart the instruction; traps and INT n resume after it. */
    ev.ret_eip = (ev.kind == EXC_KIND_FAULT || ev.kind == EXC_KIND_EXTINT ||
                  ev.kind == EXC_KIND_NMI) ? cpu->eip : cpu->exc_next_eip;

    memcpy(&saved, &cpu->jmp_env, sizeof(saved));
    for (int attempts = 1; !try_deliver(cpu, &ev); attempts++) {
        /* An exception while delivering: combine per SDM table 6-5. */
        int first = exc_class(ev.vector, ev.kind);
        int second = exc_class(cpu->exc_vector, EXC_KIND_FAULT);

        if (cpu->tr.selector != tr_before) {
            /* A task gate committed the switch: the fault belongs to the new task. */
            fault_eip = cpu->insn_start_eip;
            tr_before = cpu->tr.selector;
        }
        cpu->eip = fault_eip;
        if (first == 3 && (second == 1 || second == 2)) {
            log_mask_printf(LOG_INT | LOG_RESET,
                            "int: triple fault (v=%02x e=%04x during #DF) cs:eip=%04x:%08x\n",
                            cpu->exc_vector, cpu->exc_error, cpu->seg[R_CS].selector,
                            fault_eip);
            ok = false;
            break;
        }
        if (attempts > 8) {
            /* Only benign combinations chain; a chain this long is a broken IDT. */
            log_mask_printf(LOG_INT | LOG_RESET, "int: shutdown: nested delivery loop\n");
            ok = false;
            break;
        }
        cpu->exc_nesting = attempts;
        ev.ext = (ev.kind == EXC_KIND_SOFT || ev.kind == EXC_KIND_INT3 ||
                  ev.kind == EXC_KIND_INTO) ? 0 : 1;
        if ((first == 1 && second == 1) || (first == 2 && (second == 1 || second == 2))) {
            ev.vector = EXC_DF;
            ev.err = 0;
        } else {
            ev.vector = cpu->exc_vector;
            ev.err = cpu->exc_error;
            /* The EXT bit of the new exception's error code. */
            if (exception_has_error_code(ev.vector) && ev.vector != EXC_PF) {
                ev.err |= ev.ext;
            }
        }
        ev.kind = EXC_KIND_FAULT;
        ev.ret_eip = fault_eip;
    }
    memcpy(&cpu->jmp_env, &saved, sizeof(saved));
    cpu->exc_nesting = 0;
    return ok;
}

/* ---- I/O permission ---- */

void cpu_check_io(X86CPU *cpu, uint16_t port, unsigned size)
{
    int iopl = (cpu->eflags & EF_IOPL) >> EF_IOPL_SHIFT;
    int type = (cpu->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    uint32_t base, off, bits;

    if (!(cpu->cr[0] & CR0_PE)) {
        return;
    }
    if (!(cpu->eflags & EF_VM) && cpu_cpl(cpu) <= iopl) {
        return;
    }
    /* The permission bitmap exists only in a 32-bit TSS. */
    if (!(cpu->tr.flags & DESC_P_MASK) || (type != DESC_TSS32_AVAIL && type != DESC_TSS32_BUSY) ||
        cpu->tr.limit < 0x67) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    base = cpu_ld16_lin(cpu, cpu->tr.base + 0x66, true);
    off = base + port / 8;
    if (off + 1 > cpu->tr.limit) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    bits = cpu_ld16_lin(cpu, cpu->tr.base + off, true);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

/* ---- debug registers ---- */

uint32_t cpu_dr_insn_match(X86CPU *cpu, uint32_t lin)
{
    uint32_t dr7 = cpu->dr[7];
    uint32_t hits = 0;

    for (int i = 0; i < 4; i++) {
        if ((dr7 & (3u << (2 * i))) && ((dr7 >> (16 + 4 * i)) & 3) == 0 && cpu->dr[i] == lin) {
            hits |= 1u << i;
        }
    }
    return hits;
}

void cpu_raise_debug(X86CPU *cpu, uint32_t dr6_bits, bool trap, uint32_t next_eip)
{
    cpu->dr[6] = (cpu->dr[6] & ~0xfu) | dr6_bits;
    if (trap) {
        cpu_raise_interrupt(cpu, EXC_DB, EXC_KIND_TRAP, next_eip);
    }
    cpu_raise_exception(cpu, EXC_DB, 0);
}
