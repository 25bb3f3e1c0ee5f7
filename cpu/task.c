/*
 * Hardware task switching (SDM vol. 3 ch. 7): 16- and 32-bit TSS, switches caused by
 * JMP, CALL, INT (task gate) and IRET (NT), busy bits, NT and the back link, CR3 and
 * LDT of the new task, and segment loads that fault with #TS in the new task.
 *
 * Order: every check on the new TSS and the reads of its whole image come first (a
 * fault there leaves the old task untouched); then the old task's state is saved, the
 * busy bits and back link are updated and the new state is committed; the segment
 * descriptor loads come last and fault in the context of the new task, as on hardware.
 */
#include "cpu/seg.h"

typedef struct TSSImage {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[SEG_COUNT];
    uint16_t ldt;
    bool trap; /* T bit: #DB after the switch */
} TSSImage;

static void tss_read(X86CPU *cpu, uint32_t base, bool tss32, TSSImage *t)
{
    memset(t, 0, sizeof(*t));
    if (tss32) {
        t->cr3 = cpu_ld32_lin(cpu, base + 0x1c, true);
        t->eip = cpu_ld32_lin(cpu, base + 0x20, true);
        t->eflags = cpu_ld32_lin(cpu, base + 0x24, true);
        for (int i = 0; i < 8; i++) {
            t->regs[i] = cpu_ld32_lin(cpu, base + 0x28 + 4 * i, true);
        }
        for (int i = 0; i < SEG_COUNT; i++) {
            t->segs[i] = cpu_ld16_lin(cpu, base + 0x48 + 4 * i, true);
        }
        t->ldt = cpu_ld16_lin(cpu, base + 0x60, true);
        t->trap = cpu_ld16_lin(cpu, base + 0x64, true) & 1;
    } else {
        t->eip = cpu_ld16_lin(cpu, base + 0x0e, true);
        t->eflags = cpu_ld16_lin(cpu, base + 0x10, true);
        for (int i = 0; i < 8; i++) {
            /* 16-bit TSS: the upper halves of the registers are unchanged. */
            t->regs[i] = (cpu->regs[i] & 0xffff0000u) |
                         cpu_ld16_lin(cpu, base + 0x12 + 2 * i, true);
        }
        for (int i = 0; i < 4; i++) {
            t->segs[i] = cpu_ld16_lin(cpu, base + 0x22 + 2 * i, true);
        }
        t->segs[R_FS] = 0;
        t->segs[R_GS] = 0;
        t->ldt = cpu_ld16_lin(cpu, base + 0x2a, true);
    }
}

static void tss_save(X86CPU *cpu, uint32_t base, bool tss32, uint32_t eip, uint32_t eflags)
{
    if (tss32) {
        cpu_st32_lin(cpu, base + 0x20, eip, true);
        cpu_st32_lin(cpu, base + 0x24, eflags, true);
        for (int i = 0; i < 8; i++) {
            cpu_st32_lin(cpu, base + 0x28 + 4 * i, cpu->regs[i], true);
        }
        for (int i = 0; i < SEG_COUNT; i++) {
            cpu_st16_lin(cpu, base + 0x48 + 4 * i, cpu->seg[i].selector, true);
        }
    } else {
        cpu_st16_lin(cpu, base + 0x0e, (uint16_t)eip, true);
        cpu_st16_lin(cpu, base + 0x10, (uint16_t)eflags, true);
        for (int i = 0; i < 8; i++) {
            cpu_st16_lin(cpu, base + 0x12 + 2 * i, (uint16_t)cpu->regs[i], true);
        }
        for (int i = 0; i < 4; i++) {
            cpu_st16_lin(cpu, base + 0x22 + 2 * i, cpu->seg[i].selector, true);
        }
    }
}

static void set_busy(X86CPU *cpu, uint16_t sel, bool busy)
{
    Desc d;

    if (!desc_fetch(cpu, sel & ~4u, &d)) {
        return;
    }
    if (busy) {
        d.hi |= 2u << DESC_TYPE_SHIFT;
    } else {
        d.hi &= ~(2u << DESC_TYPE_SHIFT);
    }
    cpu_st32_lin(cpu, d.addr + 4, d.hi, true);
}

/* Segment loads of the new task (after the commit): errors are #TS(selector). */
static void load_task_segments(X86CPU *cpu, const TSSImage *t)
{
    uint16_t cs = t->segs[R_CS];
    Desc d;

    /* LDT first: the other selectors may refer to it. */
    if ((t->ldt & 0xfffc) == 0) {
        seg_set_null(&cpu->ldt, t->ldt);
    } else {
        if ((t->ldt & 4) || !desc_fetch(cpu, t->ldt, &d) || !desc_is_system(&d) ||
            desc_type(&d) != DESC_LDT) {
            cpu_raise_exception(cpu, EXC_TS, t->ldt & 0xfffc);
        }
        if (!desc_present(&d)) {
            cpu_raise_exception(cpu, EXC_TS, t->ldt & 0xfffc);
        }
        desc_to_cache(&cpu->ldt, t->ldt, &d);
    }
    if (cpu->eflags & EF_VM) {
        for (int i = 0; i < SEG_COUNT; i++) {
            cpu_load_seg_real(cpu, i, t->segs[i]);
        }
        cpu_update_hflags(cpu);
        return;
    }

    /* CS: its RPL is the new CPL. */
    if ((cs & 0xfffc) == 0 || !desc_fetch(cpu, cs, &d) || desc_is_system(&d) ||
        !(d.hi & DESC_CS_MASK)) {
        cpu_raise_exception(cpu, EXC_TS, cs & 0xfffc);
    }
    if ((d.hi & DESC_C_MASK) ? desc_dpl(&d) > (cs & 3) : desc_dpl(&d) != (cs & 3)) {
        cpu_raise_exception(cpu, EXC_TS, cs & 0xfffc);
    }
    if (!desc_present(&d)) {
        cpu_raise_exception(cpu, EXC_NP, cs & 0xfffc);
    }
    desc_set_accessed(cpu, &d);
    desc_to_cache(&cpu->seg[R_CS], cs, &d);

    seg_check_new_ss(cpu, t->segs[R_SS], cs & 3, EXC_TS, 0, &d);
    desc_set_accessed(cpu, &d);
    desc_to_cache(&cpu->seg[R_SS], t->segs[R_SS], &d);
    cpu_update_hflags(cpu);

    seg_load_pm(cpu, R_ES, t->segs[R_ES], EXC_TS);
    seg_load_pm(cpu, R_DS, t->segs[R_DS], EXC_TS);
    seg_load_pm(cpu, R_FS, t->segs[R_FS], EXC_TS);
    seg_load_pm(cpu, R_GS, t->segs[R_GS], EXC_TS);
}

void cpu_task_switch(X86CPU *cpu, uint16_t sel, int source, uint32_t next_eip, bool has_err,
                     uint32_t err)
{
    static const char *const src_names[] = {"jmp", "call", "iret", "int"};
    int vec = source == TASK_SWITCH_IRET ? EXC_TS : EXC_GP;
    uint32_t serr = sel & 0xfffc;
    SegmentCache ntr;
    TSSImage t;
    Desc nd;
    int type;
    bool tss32, old32;
    uint32_t old_eflags;

    log_mask_printf(LOG_PCALL, "pcall: task switch (%s) %04x -> %04x eip=%08x\n",
                    src_names[source & 3], cpu->tr.selector, sel, next_eip);
    if ((sel & 4) || (sel & 0xfffc) == 0 || !desc_fetch(cpu, sel, &nd) || !desc_is_system(&nd)) {
        cpu_raise_exception(cpu, vec, serr);
    }
    type = desc_type(&nd);
    if (source == TASK_SWITCH_IRET) {
        if (type != DESC_TSS16_BUSY && type != DESC_TSS32_BUSY) {
            cpu_raise_exception(cpu, EXC_TS, serr);
        }
    } else if (type != DESC_TSS16_AVAIL && type != DESC_TSS32_AVAIL) {
        cpu_raise_exception(cpu, EXC_GP, serr);
    }
    if (!desc_present(&nd)) {
        cpu_raise_exception(cpu, EXC_NP, serr);
    }
    tss32 = (type & 8) != 0;
    desc_to_cache(&ntr, sel, &nd);
    if (ntr.limit < (tss32 ? 0x67u : 0x2bu)) {
        cpu_raise_exception(cpu, EXC_TS, serr);
    }
    tss_read(cpu, ntr.base, tss32, &t);

    /* Save the old task. */
    old32 = (((cpu->tr.flags >> DESC_TYPE_SHIFT) & 0xf) & 8) != 0;
    old_eflags = cpu_get_eflags(cpu);
    if (source == TASK_SWITCH_IRET) {
        old_eflags &= ~(uint32_t)EF_NT;
    }
    tss_save(cpu, cpu->tr.base, old32, next_eip, old_eflags);
    if (source == TASK_SWITCH_JMP || source == TASK_SWITCH_IRET) {
        set_busy(cpu, cpu->tr.selector, false);
    }
    if (source == TASK_SWITCH_CALL || source == TASK_SWITCH_INT) {
        cpu_st16_lin(cpu, ntr.base, cpu->tr.selector, true);
        t.eflags |= EF_NT;
    }
    if (source != TASK_SWITCH_IRET) {
        set_busy(cpu, sel, true);
        ntr.flags |= 2u << DESC_TYPE_SHIFT;
    }

    /* Commit the new task. */
    cpu->cr[0] |= CR0_TS;
    cpu->tr = ntr;
    if (tss32 && (cpu->cr[0] & CR0_PG)) {
        cpu->cr[3] = t.cr3;
        if ((cpu->cr[4] & CR4_PAE) && !mmu_load_pdptes(cpu)) {
            log_mask_printf(LOG_GUEST_ERRORS, "task: new CR3 has bad PDPTEs\n");
            cpu_raise_exception(cpu, EXC_GP, 0);
        }
        tlb_flush_all(cpu, false);
    }
    memcpy(cpu->regs, t.regs, sizeof(t.regs));
    cpu->eip = tss32 ? t.eip : (t.eip & 0xffff);
    cpu_set_eflags(cpu, (tss32 ? t.eflags : ((old_eflags & 0xffff0000u & ~(uint32_t)EF_VM) |
                                             (t.eflags & 0xffff))) | EF_FIXED1);
    cpu->dr[7] &= ~0x155u; /* local breakpoint enables L0-L3 and LE */
    for (int i = 0; i < SEG_COUNT; i++) {
        seg_set_null(&cpu->seg[i], t.segs[i]);
    }
    /* Until CS/SS load, keep the CPL of the new CS selector for the checks. */
    cpu->seg[R_SS].flags = (uint32_t)(t.segs[R_CS] & 3) << DESC_DPL_SHIFT;
    cpu_update_hflags(cpu);
    cpu_end_block(cpu);
    /* From here on, faults belong to the new task and restart at its first instruction. */
    cpu->insn_start_eip = cpu->eip;

    load_task_segments(cpu, &t);

    if (cpu->eip > cpu->seg[R_CS].limit) {
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    if (has_err) {
        if (tss32) {
            cpu_push32(cpu, err);
        } else {
            cpu_push16(cpu, (uint16_t)err);
        }
    }
    if (t.trap) {
        cpu->dr6_pending |= DR6_BT;
    }
}
