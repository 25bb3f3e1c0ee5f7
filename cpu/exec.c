/*
 * The execution loop: cpu_exec(), exceptions raised by handlers, external events
 * (INTR, NMI, INIT, SIPI), HLT, and the debug features (gdb breakpoints and single
 * step, EFLAGS.TF, DR0-3 instruction breakpoints, watchpoints).
 *
 * Events and the instruction budget are checked at block boundaries only: a block is
 * short (it ends at every branch and at every instruction that can change the interrupt
 * state: STI, POPF, IRET, MOV SS, I/O, HLT...), so this bounds interrupt latency while
 * keeping the per-instruction path to a handler call, the EIP update, icount and one
 * stop flag. A block is cut short to the remaining budget, so cpu_exec(cpu, n) retires
 * at most n instructions and cpu->icount is exact. Delivering a fault or an external
 * interrupt retires nothing (icount unchanged) but uses one unit of budget, so a guest
 * caught in a fault loop (a handler that faults on its first instruction) still returns
 * CPU_EXIT_BUDGET.
 *
 * Finding the next block: a link of the block just run (Block.link: a successor seen
 * before, valid until the next TLB or cache flush), else the jump cache with the code
 * TLB inline (block_lookup_fast), else the hash table, else the decoder.
 *
 * When any debug feature is active the loop runs one instruction at a time
 * (exec_one_debug) and does all the checks around it.
 *
 * Exceptions: handlers (and the helpers they call) leave through cpu_raise_exception(),
 * a siglongjmp to the sigsetjmp in cpu_exec, which delivers the event and carries on.
 */
#include "cpu/fpu.h"
#include "cpu/block.h"
#include "cpu/interp.h"

/* ---- raising ---- */

void cpu_raise_exception(X86CPU *cpu, int vector, uint32_t err)
{
    cpu->exc_vector = vector;
    cpu->exc_error = err;
    cpu->exc_kind = EXC_KIND_FAULT;
    cpu->exc_next_eip = cpu->eip;
    cpu->eip = cpu->insn_start_eip;
    siglongjmp(cpu->jmp_env, 1);
}

void cpu_raise_interrupt(X86CPU *cpu, int vector, int kind, uint32_t next_eip)
{
    cpu->exc_vector = vector;
    cpu->exc_error = 0;
    cpu->exc_kind = kind;
    cpu->exc_next_eip = next_eip;
    cpu->eip = cpu->insn_start_eip;
    siglongjmp(cpu->jmp_env, 1);
}

void cpu_end_block(X86CPU *cpu)
{
    block_cache_get(cpu)->stop = true;
}

/* ---- event entry points ---- */

void cpu_interrupt(X86CPU *cpu, uint32_t mask)
{
    cpu->interrupt_request |= mask;
}

void cpu_reset_interrupt(X86CPU *cpu, uint32_t mask)
{
    cpu->interrupt_request &= ~mask;
}

void cpu_set_irq(X86CPU *cpu, bool level)
{
    if (level) {
        cpu->interrupt_request |= CPU_INTERRUPT_HARD;
    } else {
        cpu->interrupt_request &= ~CPU_INTERRUPT_HARD;
    }
}

void cpu_flush_caches(X86CPU *cpu)
{
    tlb_flush_all(cpu, true);
    block_flush_all(cpu);
}

void cpu_invalidate_phys(X86CPU *cpu, uint64_t paddr, uint64_t len)
{
    uint64_t end = paddr + len;

    while (paddr < end) {
        uint64_t page_end = (paddr | 0xfff) + 1;
        uint64_t chunk = MIN(end, page_end) - paddr;

        if (block_page_has_code(cpu, paddr)) {
            block_invalidate_phys(cpu, paddr, (unsigned)chunk);
        }
        paddr += chunk;
    }
}

/* ---- gdb breakpoints and watchpoints ---- */

int cpu_breakpoint_insert(X86CPU *cpu, int type, uint32_t addr, uint32_t len)
{
    CPUBreakpoint *bp;

    if (cpu->nb_bps >= CPU_MAX_BREAKPOINTS) {
        return -1;
    }
    bp = &cpu->bps[cpu->nb_bps++];
    bp->type = type;
    bp->addr = addr;
    bp->len = len;
    if (type >= WP_WRITE) {
        tlb_flush_all(cpu, true);
    }
    return 0;
}

int cpu_breakpoint_remove(X86CPU *cpu, int type, uint32_t addr, uint32_t len)
{
    for (int k = 0; k < cpu->nb_bps; k++) {
        CPUBreakpoint *bp = &cpu->bps[k];

        if (bp->type == type && bp->addr == addr && (type < WP_WRITE || bp->len == len)) {
            cpu->bps[k] = cpu->bps[--cpu->nb_bps];
            if (type >= WP_WRITE) {
                tlb_flush_all(cpu, true);
            }
            return 0;
        }
    }
    return -1;
}

void cpu_breakpoint_remove_all(X86CPU *cpu)
{
    cpu->nb_bps = 0;
    tlb_flush_all(cpu, true);
}

/* ---- the loop ---- */

enum { EXEC_CONTINUE = -1 };

static void deliver(X86CPU *cpu, int vector, int kind)
{
    cpu->exc_vector = vector;
    cpu->exc_error = 0;
    cpu->exc_kind = kind;
    cpu->exc_next_eip = cpu->eip;
    cpu->insn_start_eip = cpu->eip;
    cpu->halted = false;
}

/*
 * Pending events at a block boundary. Returns an exit reason, or EXEC_CONTINUE after
 * possibly preparing an event in cpu->exc_* (then *deliver_now is set).
 */
static int exec_events(X86CPU *cpu, bool *deliver_now)
{
    uint32_t req = cpu->interrupt_request;

    *deliver_now = false;
    if (req & CPU_INTERRUPT_EXIT) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_EXIT);
        return CPU_EXIT_REQUEST;
    }
    if (req & CPU_INTERRUPT_INIT) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_INIT);
        cpu_init_reset(cpu);
    }
    if (req & CPU_INTERRUPT_SIPI) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_SIPI);
        if (cpu->wait_for_sipi) {
            cpu->wait_for_sipi = false;
            cpu->halted = false;
            cpu_load_seg_real(cpu, R_CS, (uint16_t)(cpu->sipi_vector << 8));
            cpu->eip = 0;
        }
    }
    if (req & CPU_INTERRUPT_SMI) {
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_SMI);
        log_mask_printf(LOG_UNIMP, "unimp: SMI ignored (no SMM)\n");
    }
    if (cpu->wait_for_sipi) {
        return CPU_EXIT_HALTED;
    }
    if (!cpu->inhibit_irq) {
        if ((req & CPU_INTERRUPT_NMI) && !cpu->nmi_blocked) {
            cpu_reset_interrupt(cpu, CPU_INTERRUPT_NMI);
            deliver(cpu, EXC_NMI, EXC_KIND_NMI);
            *deliver_now = true;
            return EXEC_CONTINUE;
        }
        if ((req & CPU_INTERRUPT_HARD) && (cpu->eflags & EF_IF)) {
            int vector = cpu->bus->intr_ack(cpu->bus_opaque, cpu->cpu_index);

            deliver(cpu, vector & 0xff, EXC_KIND_EXTINT);
            *deliver_now = true;
            return EXEC_CONTINUE;
        }
    }
    if (cpu->halted) {
        return CPU_EXIT_HALTED;
    }
    return EXEC_CONTINUE;
}

static inline bool debug_active(const X86CPU *cpu)
{
    return (cpu->single_step | (cpu->nb_bps > 0) | ((cpu->eflags & (EF_TF | EF_RF)) != 0) |
            ((cpu->dr[7] & 0xff) != 0) | (cpu->dr6_pending != 0));
}

static void log_exec(X86CPU *cpu, const Block *b)
{
    if (log_enabled(LOG_CPU)) {
        cpu_dump_state(cpu, log_file ? log_file : stderr);
    }
    log_mask_printf(LOG_EXEC, "exec: %04x:%08x lin %08x phys %08llx\n",
                    cpu->seg[R_CS].selector, cpu->eip, cpu->seg[R_CS].base + cpu->eip,
                    (unsigned long long)b->phys);
}

/*
 * Run one instruction. Returns after the instruction retires. Only icount counts here
 * (the virtual clock reads it during a slice); the budget is charged by the callers.
 */
static inline void run_insn(X86CPU *cpu, const DecodedInsn *i)
{
    cpu->insn_start_eip = cpu->eip;
    cpu->eip += i->len;
    i->handler(cpu, i);
    cpu->icount++;
}

/*
 * Budget accounting. cpu->budget is exact outside exec_blocks(). exec_blocks() instead
 * runs up to an icount limit (bc->icount_limit, bc->limit_active) and converts it back
 * when it leaves, normally or by an exception (budget_sync() in exec_exception()).
 */
static inline void budget_sync(X86CPU *cpu, BlockCache *bc)
{
    if (bc->limit_active) {
        cpu->budget = (int64_t)(bc->icount_limit - cpu->icount);
        bc->limit_active = false;
    }
}

/* Debug mode: one instruction with breakpoint, single-step and trap checks. */
static int exec_one_debug(X86CPU *cpu, BlockCache *bc)
{
    uint32_t lin = cpu->seg[R_CS].base + cpu->eip;
    uint32_t pending;
    bool tf;
    Block *b;

    for (int k = 0; k < cpu->nb_bps; k++) {
        const CPUBreakpoint *bp = &cpu->bps[k];

        if ((bp->type == BP_SOFT || bp->type == BP_HARD) && bp->addr == lin &&
            !(bc->bp_skip && bc->bp_skip_lin == lin)) {
            bc->bp_skip = true;
            bc->bp_skip_lin = lin;
            return CPU_EXIT_DEBUG;
        }
    }
    bc->bp_skip = false;
    cpu->insn_start_eip = cpu->eip;
    if ((cpu->dr[7] & 0xff) && !(cpu->eflags & EF_RF)) {
        uint32_t hits = cpu_dr_insn_match(cpu, lin);

        if (hits) {
            cpu_raise_debug(cpu, hits, false, 0);
        }
    }
    b = block_lookup(cpu);
    log_exec(cpu, b);
    tf = (cpu->eflags & EF_TF) != 0;
    cpu->inhibit_irq = false;
    /*
     * RF is cleared at the start of the instruction, after the instruction-breakpoint
     * check (SDM vol. 3 17.3.1.1); IRET and an interrupted REP string instruction may
     * set it again.
     */
    cpu->eflags &= ~EF_RF;
    bc->cur = b;
    bc->stop = false;
    run_insn(cpu, &b->insns[0]);
    cpu->budget--;
    bc->cur = NULL;
    pending = cpu->dr6_pending;
    cpu->dr6_pending = 0;
    /* After MOV SS/POP SS/STI the single-step trap waits for the next instruction. */
    if (tf && !cpu->inhibit_irq) {
        pending |= DR6_BS;
    }
    if (pending) {
        cpu->insn_start_eip = cpu->eip;
        cpu_raise_debug(cpu, pending, true, cpu->eip);
    }
    if (cpu->watchpoint_hit || cpu->single_step) {
        return CPU_EXIT_DEBUG;
    }
    return EXEC_CONTINUE;
}

/* An exception/interrupt was raised (cpu->exc_*): deliver it. False on triple fault. */
static bool exec_exception(X86CPU *cpu, BlockCache *bc)
{
    int kind = cpu->exc_kind;

    budget_sync(cpu, bc);
    bc->cur = NULL;
    bc->stop = false;
    /*
     * INT n, INT3, INTO and INT1 retire; a fault does not, so it leaves icount alone. It
     * still uses one unit of budget: a handler whose first instruction faults again
     * (a livelock the guest may legitimately be in) then ends cpu_exec with
     * CPU_EXIT_BUDGET instead of delivering the same fault forever inside it.
     */
    if (kind == EXC_KIND_SOFT || kind == EXC_KIND_INT3 || kind == EXC_KIND_INTO ||
        kind == EXC_KIND_ICEBP) {
        cpu->icount++;
    }
    cpu->budget--;
    cpu->inhibit_irq = false;
    return cpu_deliver_event(cpu);
}

/*
 * The block to run next after prev (NULL: none to chain from). A link of prev (see
 * Block.link) is followed when it is current; otherwise the block is looked up and, if
 * nothing was flushed meanwhile, recorded as a link of prev.
 */
static inline Block *exec_next_block(X86CPU *cpu, BlockCache *bc, Block *prev)
{
    uint32_t cs_base = cpu->seg[R_CS].base;
    uint32_t lin = cs_base + cpu->eip;
    uint32_t key = cpu->hflags & HF_BLOCK_KEY_MASK;
    uint32_t gen = bc->link_gen;
    Block *b;

    if (prev && prev->link_gen == gen) {
        int k = prev->link_lin[0] == lin ? 0 : prev->link_lin[1] == lin ? 1 : -1;

        if (k >= 0) {
            b = prev->link[k];
            if (likely(b && b->valid && block_cs_match(b, &cpu->seg[R_CS]) && b->key == key)) {
                return b;
            }
        }
    }
    b = block_lookup_fast(cpu, bc);
    if (prev && bc->link_gen == gen && b->phys2 == BLOCK_NO_PAGE && b->valid) {
        unsigned k = prev->link_next++ & 1;

        if (prev->link_gen != gen) {
            prev->link[0] = prev->link[1] = NULL;
            prev->link_gen = gen;
            k = 0;
        }
        prev->link[k] = b;
        prev->link_lin[k] = lin;
    }
    return b;
}

/*
 * The fast path: run one block (the caller has just checked events, budget and debug
 * state), then more while no event is pending, budget is left and no debug feature is
 * active. Returns EXEC_CONTINUE when the outer loop must look at events, budget or debug
 * state, or an exit reason. Kept apart from cpu_exec(), whose sigsetjmp() forces its
 * locals into memory, so that this loop keeps its state in registers; exceptions leave
 * it through the same siglongjmp.
 */
static __attribute__((noinline)) int exec_blocks(X86CPU *cpu, BlockCache *bc)
{
    uint64_t limit = cpu->icount + (uint64_t)cpu->budget;
    /* Neither changes while cpu_exec runs (gdb and the monitor act between calls). */
    bool hooks = (log_mask & (LOG_EXEC | LOG_CPU)) || block_jit_hook;
    bool gdb_debug = cpu->single_step || cpu->nb_bps > 0;
    Block *prev = NULL;
    int r = EXEC_CONTINUE;

    bc->icount_limit = limit;
    bc->limit_active = true;
    do {
        const DecodedInsn *i, *end;
        uint64_t left, ic;
        uint32_t eip;
        Block *b;

        b = exec_next_block(cpu, bc, prev);
        b->exec_count++;
#ifdef CONFIG_HOST_X87
        if (unlikely(b->exec_count == BLOCK_HOT_COUNT) && (fpu_host_x87 | fpu_host_sse) &&
            b->valid) {
            hostx87_fuse(cpu, b);
        }
#endif
        if (unlikely(hooks)) {
            if (log_mask & (LOG_EXEC | LOG_CPU)) {
                log_exec(cpu, b);
            }
            if (block_jit_hook) {
                block_jit_hook(cpu, b);
            }
        }
        /*
         * The interrupt shadow of STI/MOV SS/POP SS (which end their block) covers the
         * first instruction of the next block. No event was pending when this block was
         * chosen (the loop condition), so the shadow ends here; with an event pending,
         * cpu_exec() runs that one instruction alone (exec_one_debug) and then delivers.
         */
        cpu->inhibit_irq = false;
        bc->cur = b;
        bc->stop = false;
        prev = b;
        i = b->insns;
        ic = cpu->icount;
        eip = cpu->eip;
        left = limit - ic;
        end = i + (b->n_insns <= left ? b->n_insns : left);
        for (; i < end; i++) {
            /*
             * run_insn() with EIP and icount carried in registers: reloading them from
             * memory after every handler would chain each instruction to the store of
             * the previous one (a store-to-load forwarding delay per instruction).
             * Handlers see both in cpu as always. EIP is read back and compared, so a
             * handler that changes it (a branch) is followed; on straight-line code the
             * predicted compare keeps the next instruction off the load.
             */
            uint32_t next = eip + i->len;

            cpu->insn_start_eip = eip;
            cpu->eip = next;
            i->handler(cpu, i);
            cpu->icount = ++ic;
            eip = next;
            OPAQUE(eip); /* else the test below becomes eip = cpu->eip, a load again */
            if (unlikely(cpu->eip != next)) {
                eip = cpu->eip;
                if (cpu->insn_skip) { /* the handler also ran the next insn_skip entries */
                    ic += cpu->insn_skip;
                    i += cpu->insn_skip;
                    cpu->icount = ic;
                    cpu->insn_skip = 0;
                }
            }
            if (unlikely(bc->stop)) {
                /* Also set with watchpoint hits and pending debug traps (cpu/block.h). */
                if (cpu->dr6_pending) {
                    uint32_t pending = cpu->dr6_pending;

                    budget_sync(cpu, bc);
                    bc->cur = NULL;
                    cpu->dr6_pending = 0;
                    cpu->insn_start_eip = cpu->eip;
                    cpu_raise_debug(cpu, pending, true, cpu->eip);
                }
                if (cpu->watchpoint_hit) {
                    r = CPU_EXIT_DEBUG;
                    goto out;
                }
                /* The block may have been invalidated or the cache flushed: no link. */
                prev = NULL;
                break;
            }
        }
        /* debug_active(), less what cannot change inside cpu_exec; dr6_pending stopped. */
    } while (likely(!(cpu->interrupt_request | cpu->halted | cpu->wait_for_sipi) &&
                    cpu->icount < limit &&
                    !((cpu->eflags & (EF_TF | EF_RF)) | (cpu->dr[7] & 0xff) | gdb_debug)));
out:
    budget_sync(cpu, bc);
    bc->cur = NULL;
    return r;
}

static CPUExitReason exec_loop(X86CPU *cpu, int64_t max_insns)
{
    BlockCache *bc = block_cache_get(cpu);
    bool deliver_now;

    cpu->budget = max_insns;
    cpu->watchpoint_hit = false;
    bc->cur = NULL;
    bc->limit_active = false;
    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        if (!exec_exception(cpu, bc)) {
            return CPU_EXIT_SHUTDOWN;
        }
        if (cpu->single_step) {
            return CPU_EXIT_DEBUG;
        }
    }
    for (;;) {
        int r;

        if (unlikely(cpu->interrupt_request || cpu->halted || cpu->wait_for_sipi)) {
            r = exec_events(cpu, &deliver_now);
            if (r != EXEC_CONTINUE) {
                return (CPUExitReason)r;
            }
            if (deliver_now) {
                /* Budget, not icount: see exec_exception(). */
                cpu->budget--;
                if (!cpu_deliver_event(cpu)) {
                    return CPU_EXIT_SHUTDOWN;
                }
            }
        }
        if (cpu->budget <= 0) {
            return CPU_EXIT_BUDGET;
        }
        /*
         * One instruction at a time while debugging, and for the one instruction in the
         * shadow of STI/MOV SS/POP SS when an event is pending (exec_events left it there):
         * "sti; nop; cli" takes a pending interrupt after the NOP.
         */
        if (unlikely(debug_active(cpu) || cpu->inhibit_irq)) {
            r = exec_one_debug(cpu, bc);
        } else {
            r = exec_blocks(cpu, bc);
        }
        if (r != EXEC_CONTINUE) {
            return (CPUExitReason)r;
        }
    }
}

CPUExitReason cpu_exec(X86CPU *cpu, int64_t max_insns)
{
    CPUExitReason r = exec_loop(cpu, max_insns);

    fpu_sync(cpu); /* the x87 state back from the host unit (cpu/fpu.h) */
    return r;
}
