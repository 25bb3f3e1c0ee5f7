/*
 * Segmentation and protected-mode control transfers: descriptor loading with all
 * protection checks, MOV/POP Sreg, far JMP/CALL/RET through code segments, call gates
 * and task gates, IRET in every mode, LLDT/LTR, LAR/LSL/VERR/VERW, stack helpers and
 * hflags.
 *
 * Invariant: in protected mode SS.DPL == CPL, so CPL is derived from SS (see
 * cpu_update_hflags()); every transfer that changes CPL loads SS with the new DPL.
 * Transfers read and check everything, then write the new stack, and commit registers
 * last, so a fault at any step leaves the architectural registers unchanged.
 */
#include "cpu/seg.h"

/* ---- descriptors ---- */

bool desc_fetch(X86CPU *cpu, uint16_t sel, Desc *d)
{
    uint32_t base, limit;
    uint32_t index = sel & ~7u;

    if (sel & 4) {
        if ((cpu->ldt.selector & ~3u) == 0 || !(cpu->ldt.flags & DESC_P_MASK)) {
            return false;
        }
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    } else {
        base = cpu->gdt.base;
        limit = cpu->gdt.limit;
    }
    if (index + 7 > limit) {
        return false;
    }
    d->addr = base + index;
    d->lo = cpu_ld32_lin(cpu, d->addr, true);
    d->hi = cpu_ld32_lin(cpu, d->addr + 4, true);
    return true;
}

void desc_to_cache(SegmentCache *sc, uint16_t sel, const Desc *d)
{
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0xf0000);

    if (d->hi & DESC_G_MASK) {
        limit = (limit << 12) | 0xfff;
    }
    sc->selector = sel;
    sc->base = (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000u);
    sc->limit = limit;
    sc->flags = d->hi & 0x00f0ff00u;
}

void desc_set_accessed(X86CPU *cpu, Desc *d)
{
    if (!(d->hi & DESC_A_MASK)) {
        d->hi |= DESC_A_MASK;
        cpu_st32_lin(cpu, d->addr + 4, d->hi, true);
    }
}

void seg_set_null(SegmentCache *sc, uint16_t sel)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0;
    sc->flags = 0;
}

void seg_set_flat(SegmentCache *sc, uint16_t sel, bool code, int dpl)
{
    sc->selector = sel;
    sc->base = 0;
    sc->limit = 0xffffffffu;
    sc->flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | DESC_W_MASK | DESC_B_MASK |
                DESC_G_MASK | ((uint32_t)dpl << DESC_DPL_SHIFT) | (code ? DESC_CS_MASK : 0);
}

/* ---- hflags ---- */

void cpu_update_hflags(X86CPU *cpu)
{
    bool pmc_on = unlikely(cpu->pmc.evtsel[0] & PMC_EVTSEL_EN) != 0;
    unsigned pmc_before = 0;
    uint32_t h = cpu->hflags & ~(HF_CPL_MASK | HF_ACCHK | HF_CS32 | HF_SS32 | HF_PE | HF_VM |
                                 HF_PG | HF_ADDSEG);

    if (pmc_on) {
        /* what ran so far ran at the old CPL (USR/OS counting) */
        pmc_before = pmc_change_begin(cpu);
    }

    if (cpu->cr[0] & CR0_PE) {
        h |= HF_PE;
        if (cpu->eflags & EF_VM) {
            h |= HF_VM | 3;
        } else {
            h |= (cpu->seg[R_SS].flags >> DESC_DPL_SHIFT) & 3;
        }
    }
    if (cpu->cr[0] & CR0_PG) {
        h |= HF_PG;
    }
    if (cpu->seg[R_CS].flags & DESC_B_MASK) {
        h |= HF_CS32;
    }
    if (cpu->seg[R_SS].flags & DESC_B_MASK) {
        h |= HF_SS32;
    }
    if (cpu->seg[R_DS].base | cpu->seg[R_ES].base | cpu->seg[R_SS].base) {
        h |= HF_ADDSEG;
    }
    cpu->hflags = h;
    cpu_update_acchk(cpu);
    if (pmc_on) {
        pmc_change_end(cpu, pmc_before);
    }
}

/* HF_ACCHK from CPL, CR0.AM and EFLAGS.AC (also in v86 mode, which runs at CPL 3). */
void cpu_update_acchk(X86CPU *cpu)
{
    bool on = (cpu->hflags & HF_CPL_MASK) == 3 && (cpu->cr[0] & CR0_AM) &&
              (cpu->eflags & EF_AC);

    cpu->hflags = (cpu->hflags & ~HF_ACCHK) | (on ? HF_ACCHK : 0);
}

/* ---- segment register loads ---- */

void cpu_load_seg_real(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *s = &cpu->seg[seg];

    s->selector = sel;
    s->base = (uint32_t)sel << 4;
    if (cpu->eflags & EF_VM) {
        /* v86: fixed 64 KiB, DPL 3 read/write segments (CS: readable code). */
        s->limit = 0xffff;
        s->flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | DESC_W_MASK | (3u << DESC_DPL_SHIFT) |
                   (seg == R_CS ? DESC_CS_MASK : 0);
    }
    /* Real mode: the cached limit and attributes stay (big-real/"unreal" mode). */
    if (seg == R_CS || seg == R_SS || seg == R_DS || seg == R_ES) {
        cpu_update_hflags(cpu);
    }
}

/*
 * Load DS/ES/FS/GS/SS in protected mode. vec is EXC_GP for instructions and EXC_TS for
 * the loads of a task switch. Not-present faults: #NP (#SS for SS).
 */
void seg_load_pm(X86CPU *cpu, int seg, uint16_t sel, int vec)
{
    int cpl = cpu_cpl(cpu);
    int rpl = sel & 3;
    uint32_t err = sel & 0xfffc;
    Desc d;

    if ((sel & 0xfffc) == 0) {
        if (seg == R_SS) {
            cpu_raise_exception(cpu, vec, 0);
        }
        seg_set_null(&cpu->seg[seg], sel);
        cpu_update_hflags(cpu);
        return;
    }
    if (!desc_fetch(cpu, sel, &d)) {
        cpu_raise_exception(cpu, vec, err);
    }
    if (seg == R_SS) {
        if (rpl != cpl || desc_is_system(&d) || (d.hi & DESC_CS_MASK) || !(d.hi & DESC_W_MASK) ||
            desc_dpl(&d) != cpl) {
            cpu_raise_exception(cpu, vec, err);
        }
        if (!desc_present(&d)) {
            cpu_raise_exception(cpu, EXC_SS, err);
        }
    } else {
        if (desc_is_system(&d) || ((d.hi & DESC_CS_MASK) && !(d.hi & DESC_R_MASK))) {
            cpu_raise_exception(cpu, vec, err);
        }
        /* Data and non-conforming code: DPL >= max(CPL, RPL). */
        if ((!(d.hi & DESC_CS_MASK) || !(d.hi & DESC_C_MASK)) &&
            (rpl > desc_dpl(&d) || cpl > desc_dpl(&d))) {
            cpu_raise_exception(cpu, vec, err);
        }
        if (!desc_present(&d)) {
            cpu_raise_exception(cpu, EXC_NP, err);
        }
    }
    desc_set_accessed(cpu, &d);
    desc_to_cache(&cpu->seg[seg], sel, &d);
    cpu_update_hflags(cpu);
}

void cpu_load_seg(X86CPU *cpu, int seg, uint16_t sel)
{
    if (!cpu_pm(cpu)) {
        cpu_load_seg_real(cpu, seg, sel);
        return;
    }
    if (seg == R_CS) {
        /* MOV CS is #UD in the decoder; nothing loads CS through here. */
        log_mask_printf(LOG_GUEST_ERRORS, "cpu_load_seg: CS load ignored\n");
        return;
    }
    seg_load_pm(cpu, seg, sel, EXC_GP);
}

void cpu_set_seg_debug(X86CPU *cpu, int seg, uint16_t sel)
{
    uint32_t table, limit;
    uint8_t raw[8];
    Desc d;

    if (seg < 0 || seg >= SEG_COUNT) {
        return;
    }
    if (!cpu_pm(cpu)) {
        cpu_load_seg_real(cpu, seg, sel);
        return;
    }
    if ((sel & 0xfffc) == 0) {
        seg_set_null(&cpu->seg[seg], sel);
        cpu_update_hflags(cpu);
        return;
    }
    table = (sel & 4) ? cpu->ldt.base : cpu->gdt.base;
    limit = (sel & 4) ? cpu->ldt.limit : cpu->gdt.limit;
    if ((sel & ~7u) + 7 > limit || cpu_memory_rw_debug(cpu, table + (sel & ~7u), raw, 8, false)) {
        /* Unreadable descriptor: change the selector only. */
        cpu->seg[seg].selector = sel;
        return;
    }
    d.lo = ldl_le_p(raw);
    d.hi = ldl_le_p(raw + 4);
    d.addr = table + (sel & ~7u);
    desc_to_cache(&cpu->seg[seg], sel, &d);
    cpu_update_hflags(cpu);
}

/* ---- stacks ---- */

void frame_init(StackFrame *f, X86CPU *cpu, const SegmentCache *ss, uint32_t sp,
                uint32_t err_sel, int cpl)
{
    f->base = ss->base;
    f->limit = ss->limit;
    f->flags = ss->flags;
    if (!cpu_pm(cpu)) {
        /* Real and v86 mode: no expand-down; the limit is still checked. */
        f->flags &= ~DESC_E_MASK;
    }
    f->sp = sp;
    f->err_sel = err_sel;
    /* A CPL 3 stack used at CPL 3 (far CALL/RET, IRET, INT to a conforming handler) is a
     * user access, alignment-checked like PUSH; an inner stack is the processor's
     * supervisor access and never is. */
    f->mmu_idx = cpl != 3 ? MMU_SUPER : (cpu->hflags & HF_ACCHK) ? MMU_USER_AC : MMU_USER;
}

static uint32_t frame_check(X86CPU *cpu, const StackFrame *f, uint32_t sp, unsigned n)
{
    uint32_t off = (f->flags & DESC_B_MASK) ? sp : (sp & 0xffff);
    uint64_t last = (uint64_t)off + n - 1;

    if (!(f->flags & DESC_CS_MASK) && (f->flags & DESC_E_MASK)) {
        uint64_t upper = (f->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;

        if (off <= f->limit || last > upper) {
            cpu_raise_exception(cpu, EXC_SS, f->err_sel);
        }
    } else if (last > f->limit) {
        cpu_raise_exception(cpu, EXC_SS, f->err_sel);
    }
    return f->base + off;
}

static uint32_t frame_move(const StackFrame *f, uint32_t delta)
{
    if (f->flags & DESC_B_MASK) {
        return f->sp + delta;
    }
    return (f->sp & 0xffff0000u) | ((f->sp + delta) & 0xffff);
}

void frame_push(X86CPU *cpu, StackFrame *f, uint32_t v, bool op32)
{
    unsigned n = op32 ? 4 : 2;
    uint32_t sp = frame_move(f, (uint32_t)-n);
    StackFrame t = *f;
    uint32_t lin;

    t.sp = sp;
    lin = frame_check(cpu, &t, sp, n);
    if (op32) {
        mmu_st32(cpu, lin, v, f->mmu_idx);
    } else {
        mmu_st16(cpu, lin, (uint16_t)v, f->mmu_idx);
    }
    f->sp = sp;
}

uint32_t frame_peek(X86CPU *cpu, StackFrame *f, uint32_t off, bool op32)
{
    unsigned n = op32 ? 4 : 2;
    uint32_t sp = frame_move(f, off);
    uint32_t lin = frame_check(cpu, f, sp, n);

    return op32 ? mmu_ld32(cpu, lin, f->mmu_idx) : mmu_ld16(cpu, lin, f->mmu_idx);
}

uint32_t frame_pop(X86CPU *cpu, StackFrame *f, bool op32)
{
    uint32_t v = frame_peek(cpu, f, 0, op32);

    f->sp = frame_move(f, op32 ? 4 : 2);
    return v;
}

void frame_commit_sp(X86CPU *cpu, const StackFrame *f)
{
    if (f->flags & DESC_B_MASK) {
        cpu->regs[R_ESP] = f->sp;
    } else {
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & 0xffff0000u) | (f->sp & 0xffff);
    }
}

static void cur_frame(X86CPU *cpu, StackFrame *f)
{
    frame_init(f, cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], 0, cpu_cpl(cpu));
}

void cpu_push16(X86CPU *cpu, uint16_t v)
{
    StackFrame f;

    cur_frame(cpu, &f);
    frame_push(cpu, &f, v, false);
    frame_commit_sp(cpu, &f);
}

void cpu_push32(X86CPU *cpu, uint32_t v)
{
    StackFrame f;

    cur_frame(cpu, &f);
    frame_push(cpu, &f, v, true);
    frame_commit_sp(cpu, &f);
}

uint16_t cpu_pop16(X86CPU *cpu)
{
    StackFrame f;
    uint16_t v;

    cur_frame(cpu, &f);
    v = (uint16_t)frame_pop(cpu, &f, false);
    frame_commit_sp(cpu, &f);
    return v;
}

uint32_t cpu_pop32(X86CPU *cpu)
{
    StackFrame f;
    uint32_t v;

    cur_frame(cpu, &f);
    v = frame_pop(cpu, &f, true);
    frame_commit_sp(cpu, &f);
    return v;
}

/* ---- TSS stacks ---- */

void tss_get_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint32_t *esp, uint32_t ext)
{
    int type = (cpu->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    bool tss32 = (type & 8) != 0;
    uint32_t off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    uint32_t size = tss32 ? 8 : 4;

    if (!(cpu->tr.flags & DESC_P_MASK) || off + size - 1 > cpu->tr.limit) {
        cpu_raise_exception(cpu, EXC_TS, (cpu->tr.selector & 0xfffc) | ext);
    }
    if (tss32) {
        *esp = cpu_ld32_lin(cpu, cpu->tr.base + off, true);
        *ss = cpu_ld16_lin(cpu, cpu->tr.base + off + 4, true);
    } else {
        *esp = cpu_ld16_lin(cpu, cpu->tr.base + off, true);
        *ss = cpu_ld16_lin(cpu, cpu->tr.base + off + 2, true);
    }
}

void seg_check_new_ss(X86CPU *cpu, uint16_t ss, int rpl, int vec, uint32_t ext, Desc *d)
{
    uint32_t err = (ss & 0xfffc) | ext;

    if ((ss & 0xfffc) == 0) {
        cpu_raise_exception(cpu, vec, ext);
    }
    if (!desc_fetch(cpu, ss, d)) {
        cpu_raise_exception(cpu, vec, err);
    }
    if ((ss & 3) != rpl || desc_is_system(d) || (d->hi & DESC_CS_MASK) || !(d->hi & DESC_W_MASK) ||
        desc_dpl(d) != rpl) {
        cpu_raise_exception(cpu, vec, err);
    }
    if (!desc_present(d)) {
        cpu_raise_exception(cpu, EXC_SS, err);
    }
}

/* ---- code segment checks ---- */

/*
 * Checks on the target code segment of a JMP/CALL (direct or through a call gate).
 * gate: target of a call gate (DPL <= CPL allowed for non-conforming, for CALL only).
 */
static void check_code_target(X86CPU *cpu, uint16_t sel, Desc *d, bool via_gate, bool is_call)
{
    int cpl = cpu_cpl(cpu);
    uint32_t err = sel & 0xfffc;

    if ((sel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!desc_fetch(cpu, sel, d)) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if (desc_is_system(d) || !(d->hi & DESC_CS_MASK)) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if (d->hi & DESC_C_MASK) {
        if (desc_dpl(d) > cpl) {
            cpu_raise_exception(cpu, EXC_GP, err);
        }
    } else if (via_gate) {
        if (is_call ? desc_dpl(d) > cpl : desc_dpl(d) != cpl) {
            cpu_raise_exception(cpu, EXC_GP, err);
        }
    } else if ((sel & 3) > cpl || desc_dpl(d) != cpl) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if (!desc_present(d)) {
        cpu_raise_exception(cpu, EXC_NP, err);
    }
}

static void load_cs(X86CPU *cpu, uint16_t sel, Desc *d, int cpl)
{
    desc_set_accessed(cpu, d);
    desc_to_cache(&cpu->seg[R_CS], (uint16_t)((sel & 0xfffc) | cpl), d);
}

static void check_eip(X86CPU *cpu, const SegmentCache *cs, uint32_t eip)
{
    if (eip > cs->limit) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

static void check_eip_desc(X86CPU *cpu, uint16_t sel, const Desc *d, uint32_t eip)
{
    SegmentCache t;

    desc_to_cache(&t, sel, d);
    check_eip(cpu, &t, eip);
}

/* ---- far JMP ---- */

void cpu_far_jmp(X86CPU *cpu, uint16_t sel, uint32_t offset, uint32_t next_eip)
{
    int cpl = cpu_cpl(cpu);
    Desc d, cd;

    if (!cpu_pm(cpu)) {
        check_eip(cpu, &cpu->seg[R_CS], offset);
        cpu_load_seg_real(cpu, R_CS, sel);
        cpu->eip = offset;
        return;
    }
    if ((sel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!desc_fetch(cpu, sel, &d)) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_is_system(&d)) {
        check_code_target(cpu, sel, &d, false, false);
        check_eip_desc(cpu, sel, &d, offset);
        load_cs(cpu, sel, &d, cpl);
        cpu->eip = offset;
        cpu_update_hflags(cpu);
        return;
    }
    switch (desc_type(&d)) {
    case DESC_CALLGATE16:
    case DESC_CALLGATE32:
    case DESC_TASKGATE:
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
        break;
    default:
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (desc_dpl(&d) < cpl || desc_dpl(&d) < (sel & 3)) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_present(&d)) {
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    }
    switch (desc_type(&d)) {
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
        cpu_task_switch(cpu, sel, TASK_SWITCH_JMP, next_eip, false, 0);
        return;
    case DESC_TASKGATE:
        cpu_task_switch(cpu, (uint16_t)(d.lo >> 16), TASK_SWITCH_JMP, next_eip, false, 0);
        return;
    default: {
        uint16_t dsel = (uint16_t)(d.lo >> 16);
        uint32_t eip = (d.lo & 0xffff) |
                       (desc_type(&d) == DESC_CALLGATE32 ? (d.hi & 0xffff0000u) : 0);

        check_code_target(cpu, dsel, &cd, true, false);
        check_eip_desc(cpu, dsel, &cd, eip);
        log_mask_printf(LOG_PCALL, "pcall: jmp gate %04x -> %04x:%08x\n", sel, dsel, eip);
        load_cs(cpu, dsel, &cd, cpl);
        cpu->eip = eip;
        cpu_update_hflags(cpu);
        return;
    }
    }
}

/* ---- far CALL ---- */

void cpu_far_call(X86CPU *cpu, uint16_t sel, uint32_t offset, bool op32, uint32_t next_eip)
{
    int cpl = cpu_cpl(cpu);
    StackFrame f;
    Desc d, cd;

    cur_frame(cpu, &f);
    if (!cpu_pm(cpu)) {
        check_eip(cpu, &cpu->seg[R_CS], offset);
        frame_push(cpu, &f, cpu->seg[R_CS].selector, op32);
        frame_push(cpu, &f, next_eip, op32);
        frame_commit_sp(cpu, &f);
        cpu_load_seg_real(cpu, R_CS, sel);
        cpu->eip = offset;
        return;
    }
    if ((sel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!desc_fetch(cpu, sel, &d)) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_is_system(&d)) {
        check_code_target(cpu, sel, &d, false, true);
        check_eip_desc(cpu, sel, &d, offset);
        frame_push(cpu, &f, cpu->seg[R_CS].selector, op32);
        frame_push(cpu, &f, next_eip, op32);
        frame_commit_sp(cpu, &f);
        load_cs(cpu, sel, &d, cpl);
        cpu->eip = offset;
        cpu_update_hflags(cpu);
        return;
    }
    switch (desc_type(&d)) {
    case DESC_CALLGATE16:
    case DESC_CALLGATE32:
    case DESC_TASKGATE:
    case DESC_TSS16_AVAIL:
    case DESC_TSS32_AVAIL:
        break;
    default:
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (desc_dpl(&d) < cpl || desc_dpl(&d) < (sel & 3)) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_present(&d)) {
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    }
    if (desc_type(&d) == DESC_TSS16_AVAIL || desc_type(&d) == DESC_TSS32_AVAIL) {
        cpu_task_switch(cpu, sel, TASK_SWITCH_CALL, next_eip, false, 0);
        return;
    }
    if (desc_type(&d) == DESC_TASKGATE) {
        cpu_task_switch(cpu, (uint16_t)(d.lo >> 16), TASK_SWITCH_CALL, next_eip, false, 0);
        return;
    }

    /* Call gate */
    bool gate32 = desc_type(&d) == DESC_CALLGATE32;
    uint16_t dsel = (uint16_t)(d.lo >> 16);
    uint32_t eip = (d.lo & 0xffff) | (gate32 ? (d.hi & 0xffff0000u) : 0);
    unsigned nparams = d.hi & 0x1f;
    int dpl;

    check_code_target(cpu, dsel, &cd, true, true);
    check_eip_desc(cpu, dsel, &cd, eip);
    dpl = desc_dpl(&cd);
    if (!(cd.hi & DESC_C_MASK) && dpl < cpl) {
        /* Inner privilege: switch to the TSS stack of the target ring, copy parameters. */
        uint16_t new_ss;
        uint32_t new_esp;
        Desc sd;
        SegmentCache ssc;
        StackFrame nf;
        uint32_t params[32];

        tss_get_stack(cpu, dpl, &new_ss, &new_esp, 0);
        seg_check_new_ss(cpu, new_ss, dpl, EXC_TS, 0, &sd);
        desc_to_cache(&ssc, new_ss, &sd);
        for (unsigned i = 0; i < nparams; i++) {
            params[i] = frame_peek(cpu, &f, i * (gate32 ? 4 : 2), gate32);
        }
        frame_init(&nf, cpu, &ssc, new_esp, new_ss & 0xfffc, dpl);
        if (!(ssc.flags & DESC_B_MASK)) {
            nf.sp &= 0xffff;
        }
        frame_push(cpu, &nf, cpu->seg[R_SS].selector, gate32);
        frame_push(cpu, &nf, cpu->regs[R_ESP], gate32);
        for (unsigned i = nparams; i-- > 0;) {
            frame_push(cpu, &nf, params[i], gate32);
        }
        frame_push(cpu, &nf, cpu->seg[R_CS].selector, gate32);
        frame_push(cpu, &nf, next_eip, gate32);
        log_mask_printf(LOG_PCALL,
                        "pcall: call gate %04x -> %04x:%08x cpl %d->%d ss:esp=%04x:%08x "
                        "params=%u\n",
                        sel, dsel, eip, cpl, dpl, new_ss, nf.sp, nparams);
        desc_set_accessed(cpu, &sd);
        ssc.flags = sd.hi & 0x00f0ff00u;
        cpu->seg[R_SS] = ssc;
        cpu->regs[R_ESP] = nf.sp;
        load_cs(cpu, dsel, &cd, dpl);
    } else {
        frame_push(cpu, &f, cpu->seg[R_CS].selector, gate32);
        frame_push(cpu, &f, next_eip, gate32);
        log_mask_printf(LOG_PCALL, "pcall: call gate %04x -> %04x:%08x same privilege\n", sel,
                        dsel, eip);
        frame_commit_sp(cpu, &f);
        load_cs(cpu, dsel, &cd, cpl);
    }
    cpu->eip = eip;
    cpu_update_hflags(cpu);
}

/* ---- returns ---- */

/* After a return to an outer ring: segments the new CPL may not use become null. */
static void null_inaccessible_segs(X86CPU *cpu, int cpl)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};

    for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
        SegmentCache *s = &cpu->seg[segs[i]];
        int dpl = (s->flags >> DESC_DPL_SHIFT) & 3;
        bool conforming_code = (s->flags & DESC_CS_MASK) && (s->flags & DESC_C_MASK);

        if ((s->selector & 0xfffc) && !conforming_code && dpl < cpl) {
            seg_set_null(s, 0);
        }
    }
}

/* Check the CS a RET/IRET returns to; returns its RPL (the new CPL). */
static int check_return_cs(X86CPU *cpu, uint16_t sel, Desc *d)
{
    int cpl = cpu_cpl(cpu);
    int rpl = sel & 3;
    uint32_t err = sel & 0xfffc;

    if ((sel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!desc_fetch(cpu, sel, d)) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if (desc_is_system(d) || !(d->hi & DESC_CS_MASK) || rpl < cpl) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if ((d->hi & DESC_C_MASK) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl) {
        cpu_raise_exception(cpu, EXC_GP, err);
    }
    if (!desc_present(d)) {
        cpu_raise_exception(cpu, EXC_NP, err);
    }
    return rpl;
}

/*
 * Common tail of RET far and IRET in protected mode: f points past the popped
 * EIP/CS(/EFLAGS); same-privilege or outer-privilege return with all checks.
 */
static void return_to(X86CPU *cpu, StackFrame *f, uint16_t cs_sel, Desc *cd, uint32_t eip,
                      bool op32, uint16_t imm, bool is_iret, uint32_t eflags)
{
    int cpl = cpu_cpl(cpu);
    int rpl = check_return_cs(cpu, cs_sel, cd);

    check_eip_desc(cpu, cs_sel, cd, eip);
    if (rpl == cpl) {
        f->sp = (f->flags & DESC_B_MASK) ? f->sp + imm : ((f->sp & 0xffff0000u) |
                                                        ((f->sp + imm) & 0xffff));
        frame_commit_sp(cpu, f);
        load_cs(cpu, cs_sel, cd, rpl);
        if (is_iret) {
            seg_write_eflags(cpu, eflags, op32 ? 0xffffffffu : 0xffff);
        }
        cpu->eip = eip;
        cpu_update_hflags(cpu);
        return;
    }
    /* Outer privilege: the caller's SS:ESP follow (after imm bytes of parameters). */
    uint32_t new_esp, new_ss;
    Desc sd;

    f->sp = (f->flags & DESC_B_MASK) ? f->sp + imm : ((f->sp & 0xffff0000u) |
                                                    ((f->sp + imm) & 0xffff));
    new_esp = frame_pop(cpu, f, op32);
    new_ss = frame_pop(cpu, f, op32) & 0xffff;
    if ((new_ss & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (!desc_fetch(cpu, (uint16_t)new_ss, &sd)) {
        cpu_raise_exception(cpu, EXC_GP, new_ss & 0xfffc);
    }
    if ((int)(new_ss & 3) != rpl || desc_is_system(&sd) || (sd.hi & DESC_CS_MASK) ||
        !(sd.hi & DESC_W_MASK) || desc_dpl(&sd) != rpl) {
        cpu_raise_exception(cpu, EXC_GP, new_ss & 0xfffc);
    }
    if (!desc_present(&sd)) {
        cpu_raise_exception(cpu, EXC_SS, new_ss & 0xfffc);
    }
    log_mask_printf(LOG_PCALL, "pcall: %s to outer ring %d: %04x:%08x ss:esp=%04x:%08x\n",
                    is_iret ? "iret" : "lret", rpl, cs_sel, eip, new_ss, new_esp);
    if (is_iret) {
        /* Privilege rules use the old CPL: apply before CS changes. */
        seg_write_eflags(cpu, eflags, op32 ? 0xffffffffu : 0xffff);
    }
    desc_set_accessed(cpu, &sd);
    load_cs(cpu, cs_sel, cd, rpl);
    desc_to_cache(&cpu->seg[R_SS], (uint16_t)new_ss, &sd);
    if (sd.hi & DESC_B_MASK) {
        cpu->regs[R_ESP] = new_esp + (is_iret ? 0 : imm);
    } else {
        cpu->regs[R_ESP] = (cpu->regs[R_ESP] & 0xffff0000u) |
                           ((new_esp + (is_iret ? 0 : imm)) & 0xffff);
    }
    cpu->eip = eip;
    cpu_update_hflags(cpu);
    null_inaccessible_segs(cpu, rpl);
    cpu_update_hflags(cpu);
}

void cpu_far_ret(X86CPU *cpu, bool op32, uint16_t imm)
{
    StackFrame f;
    uint32_t eip, cs;
    Desc cd;

    cur_frame(cpu, &f);
    eip = frame_pop(cpu, &f, op32);
    cs = frame_pop(cpu, &f, op32) & 0xffff;
    if (!cpu_pm(cpu)) {
        check_eip(cpu, &cpu->seg[R_CS], eip);
        f.sp = (f.flags & DESC_B_MASK) ? f.sp + imm : ((f.sp & 0xffff0000u) |
                                                      ((f.sp + imm) & 0xffff));
        frame_commit_sp(cpu, &f);
        cpu_load_seg_real(cpu, R_CS, (uint16_t)cs);
        cpu->eip = eip;
        return;
    }
    return_to(cpu, &f, (uint16_t)cs, &cd, eip, op32, imm, false, 0);
}

/* ---- EFLAGS ---- */

void seg_write_eflags(X86CPU *cpu, uint32_t val, uint32_t mask)
{
    uint32_t cur = cpu_get_eflags(cpu);
    int cpl = cpu_cpl(cpu);
    int iopl = (cur & EF_IOPL) >> EF_IOPL_SHIFT;
    /* Always writable: arithmetic flags, TF, DF, NT, RF, AC, ID. */
    uint32_t wmask = CC_ALL | EF_TF | EF_DF | EF_NT | EF_RF | EF_AC | EF_ID;

    if (cpu_pm(cpu) || !(cpu->cr[0] & CR0_PE)) {
        if (cpu->cr[0] & CR0_PE) {
            if (cpl == 0) {
                wmask |= EF_IOPL | EF_VIF | EF_VIP;
            }
        } else {
            wmask |= EF_IOPL;
        }
        if (cpl <= iopl || !(cpu->cr[0] & CR0_PE)) {
            wmask |= EF_IF;
        }
    } else {
        /* v86 (IOPL 3 checked by the caller): IOPL and VM stay. */
        wmask |= EF_IF;
    }
    wmask &= mask;
    cpu_set_eflags(cpu, (cur & ~wmask) | (val & wmask) | EF_FIXED1);
}

/* ---- IRET ---- */

void cpu_iret(X86CPU *cpu, bool op32)
{
    StackFrame f;
    uint32_t eip, cs, fl;
    Desc cd;

    cpu->nmi_blocked = false;
    cur_frame(cpu, &f);
    if (!(cpu->cr[0] & CR0_PE) || (cpu->eflags & EF_VM)) {
        if ((cpu->eflags & EF_VM) && ((cpu->eflags & EF_IOPL) >> EF_IOPL_SHIFT) < 3) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        eip = frame_pop(cpu, &f, op32);
        cs = frame_pop(cpu, &f, op32) & 0xffff;
        fl = frame_pop(cpu, &f, op32);
        if (!op32) {
            eip &= 0xffff;
        }
        check_eip(cpu, &cpu->seg[R_CS], eip);
        frame_commit_sp(cpu, &f);
        cpu_load_seg_real(cpu, R_CS, (uint16_t)cs);
        /* VM, VIP, VIF are never changed by a real/v86 IRET. */
        seg_write_eflags(cpu, fl, op32 ? ~(uint32_t)(EF_VM | EF_VIP | EF_VIF) : 0xffff);
        cpu->eip = eip;
        cpu_update_hflags(cpu);
        return;
    }
    if (cpu->eflags & EF_NT) {
        /* Nested task return through the back link of the current TSS. */
        uint16_t link = cpu_ld16_lin(cpu, cpu->tr.base, true);

        cpu_task_switch(cpu, link, TASK_SWITCH_IRET, cpu->eip, false, 0);
        return;
    }
    eip = frame_pop(cpu, &f, op32);
    cs = frame_pop(cpu, &f, op32) & 0xffff;
    fl = frame_pop(cpu, &f, op32);
    if (op32 && (fl & EF_VM) && cpu_cpl(cpu) == 0) {
        /* Return to virtual-8086 mode. */
        uint32_t esp = frame_pop(cpu, &f, true);
        uint32_t ss = frame_pop(cpu, &f, true) & 0xffff;
        uint32_t es = frame_pop(cpu, &f, true) & 0xffff;
        uint32_t ds = frame_pop(cpu, &f, true) & 0xffff;
        uint32_t fs = frame_pop(cpu, &f, true) & 0xffff;
        uint32_t gs = frame_pop(cpu, &f, true) & 0xffff;

        if ((eip & 0xffff0000u) != 0) {
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        log_mask_printf(LOG_PCALL, "pcall: iret to v86 %04x:%04x ss:esp=%04x:%08x\n", cs, eip,
                        ss, esp);
        cpu_set_eflags(cpu, (fl & ~(uint32_t)EF_FIXED1) | EF_FIXED1);
        cpu_load_seg_real(cpu, R_CS, (uint16_t)cs);
        cpu_load_seg_real(cpu, R_SS, (uint16_t)ss);
        cpu_load_seg_real(cpu, R_ES, (uint16_t)es);
        cpu_load_seg_real(cpu, R_DS, (uint16_t)ds);
        cpu_load_seg_real(cpu, R_FS, (uint16_t)fs);
        cpu_load_seg_real(cpu, R_GS, (uint16_t)gs);
        cpu->regs[R_ESP] = esp;
        cpu->eip = eip & 0xffff;
        cpu_update_hflags(cpu);
        return;
    }
    if (!op32) {
        eip &= 0xffff;
    }
    /* VM is only set by the path above; a 32-bit IRET at CPL>0 keeps VIF/VIP. */
    if (op32) {
        uint32_t keep = EF_VM;

        if (cpu_cpl(cpu) != 0) {
            keep |= EF_VIP | EF_VIF;
        }
        fl = (fl & ~keep) | (cpu_get_eflags(cpu) & keep & ~(uint32_t)EF_VM);
    }
    return_to(cpu, &f, (uint16_t)cs, &cd, eip, op32, 0, true, fl);
}

/* ---- LDT and TR ---- */

static void require_pm_cpl0(X86CPU *cpu)
{
    if (!cpu_pm(cpu)) {
        cpu_raise_exception(cpu, EXC_UD, 0);
    }
    if (cpu_cpl(cpu) != 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}

void cpu_lldt(X86CPU *cpu, uint16_t sel)
{
    Desc d;

    require_pm_cpl0(cpu);
    if ((sel & 0xfffc) == 0) {
        seg_set_null(&cpu->ldt, sel);
        return;
    }
    if ((sel & 4) || !desc_fetch(cpu, sel, &d) || !desc_is_system(&d) ||
        desc_type(&d) != DESC_LDT) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_present(&d)) {
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    }
    desc_to_cache(&cpu->ldt, sel, &d);
}

void cpu_ltr(X86CPU *cpu, uint16_t sel)
{
    Desc d;

    require_pm_cpl0(cpu);
    if ((sel & 0xfffc) == 0) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if ((sel & 4) || !desc_fetch(cpu, sel, &d) || !desc_is_system(&d) ||
        (desc_type(&d) != DESC_TSS16_AVAIL && desc_type(&d) != DESC_TSS32_AVAIL)) {
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    }
    if (!desc_present(&d)) {
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    }
    d.hi |= 2u << DESC_TYPE_SHIFT; /* busy */
    cpu_st32_lin(cpu, d.addr + 4, d.hi, true);
    desc_to_cache(&cpu->tr, sel, &d);
}

/* ---- LAR, LSL, VERR, VERW (never fault on a bad selector: ZF=0) ---- */

static bool desc_visible(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    bool conforming_code = !desc_is_system(d) && (d->hi & DESC_CS_MASK) && (d->hi & DESC_C_MASK);

    return conforming_code || (desc_dpl(d) >= cpu_cpl(cpu) && desc_dpl(d) >= (sel & 3));
}

bool cpu_lar(X86CPU *cpu, uint16_t sel, uint32_t *out)
{
    Desc d;

    if ((sel & 0xfffc) == 0 || !desc_fetch(cpu, sel, &d)) {
        return false;
    }
    if (desc_is_system(&d)) {
        switch (desc_type(&d)) {
        case 1: case 2: case 3: case 4: case 5: case 9: case 11: case 12:
            break;
        default:
            return false;
        }
    }
    if (!desc_visible(cpu, sel, &d)) {
        return false;
    }
    *out = d.hi & 0x00f0ff00u;
    return true;
}

bool cpu_lsl(X86CPU *cpu, uint16_t sel, uint32_t *out)
{
    Desc d;
    SegmentCache t;

    if ((sel & 0xfffc) == 0 || !desc_fetch(cpu, sel, &d)) {
        return false;
    }
    if (desc_is_system(&d)) {
        switch (desc_type(&d)) {
        case 1: case 2: case 3: case 9: case 11:
            break;
        default:
            return false;
        }
    }
    if (!desc_visible(cpu, sel, &d)) {
        return false;
    }
    desc_to_cache(&t, sel, &d);
    *out = t.limit;
    return true;
}

bool cpu_verr(X86CPU *cpu, uint16_t sel)
{
    Desc d;

    if ((sel & 0xfffc) == 0 || !desc_fetch(cpu, sel, &d) || desc_is_system(&d)) {
        return false;
    }
    if ((d.hi & DESC_CS_MASK) && !(d.hi & DESC_R_MASK)) {
        return false;
    }
    return desc_visible(cpu, sel, &d);
}

bool cpu_verw(X86CPU *cpu, uint16_t sel)
{
    Desc d;

    if ((sel & 0xfffc) == 0 || !desc_fetch(cpu, sel, &d) || desc_is_system(&d)) {
        return false;
    }
    if ((d.hi & DESC_CS_MASK) || !(d.hi & DESC_W_MASK)) {
        return false;
    }
    return desc_visible(cpu, sel, &d);
}
