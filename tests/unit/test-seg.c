/*
 * Segmentation, control transfer, exception delivery and task switch tests against a
 * fake bus (RAM only). A GDT, IDT and two 32-bit TSSs are built in RAM by hand; the
 * helpers of cpu/helper.h are called directly and faults are caught with sigsetjmp.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/seg.h"
#include "tests/unit/cpu-test.h"

#define RAM_SIZE (8u << 20)

static uint8_t *fb_map_page(void *opaque, uint64_t paddr, bool write)
{
    return paddr < RAM_SIZE ? ram + paddr : NULL;
}

static void fb_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
}

static int64_t fb_clock_ns(void *opaque)
{
    return 0;
}

static uint64_t fb_mem_read_ones(void *opaque, uint64_t paddr, unsigned size)
{
    return fb_ones(size);
}

static const CPUBusOps fake_bus = {
    .map_page = fb_map_page,
    .mem_read = fb_mem_read_ones,
    .mem_write = fb_mem_write,
    .io_read = fb_io_read,
    .io_write = fb_io_write,
    .intr_ack = fb_intr_ack,
    .clock_ns = fb_clock_ns,
};

#define GDT 0x10000u
#define IDT 0x11000u
#define TSS1 0x30000u
#define TSS2 0x31000u

/* Selectors */
#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x18
#define SEL_DATA3 0x20
#define SEL_EXPDN 0x28
#define SEL_RODATA 0x30
#define SEL_XCODE 0x38
#define SEL_CGATE 0x40
#define SEL_TSS1 0x48
#define SEL_TSS2 0x50
#define SEL_NP 0x58
#define SEL_EXPDN16 0x60
#define SEL_LDT 0x68

static void gdt_set(uint16_t sel, uint32_t lo, uint32_t hi)
{
    set32(GDT + sel, lo);
    set32(GDT + sel + 4, hi);
}

static void idt_set(int vec, uint16_t sel, uint32_t off, uint32_t type_dpl_p)
{
    set32(IDT + vec * 8, ((uint32_t)sel << 16) | (off & 0xffff));
    set32(IDT + vec * 8 + 4, (off & 0xffff0000u) | type_dpl_p);
}

static X86CPU *new_pm_cpu(void)
{
    X86CPU *cpu = cpu_new(cpu_model_find("pentium2"), 0, &fake_bus, NULL);

    memset(ram, 0, RAM_SIZE);
    gdt_set(SEL_CODE0, 0x0000ffff, 0x00cf9a00);
    gdt_set(SEL_DATA0, 0x0000ffff, 0x00cf9200);
    gdt_set(SEL_CODE3, 0x0000ffff, 0x00cffa00);
    gdt_set(SEL_DATA3, 0x0000ffff, 0x00cff200);
    gdt_set(SEL_EXPDN, 0x00000fff, 0x00409602);    /* base 0x20000, limit 0xfff, B=1 */
    gdt_set(SEL_RODATA, 0x0000ffff, 0x00cf9000);
    gdt_set(SEL_XCODE, 0x0000ffff, 0x00cf9800);
    gdt_set(SEL_CGATE, (SEL_CODE0 << 16) | 0x5678, 0x1234ec02); /* 32-bit, DPL 3, 2 params */
    gdt_set(SEL_TSS1, 0x00002069, 0x00008903);     /* base 0x30000, limit 0x2069 */
    gdt_set(SEL_TSS2, 0x10000067, 0x00008903);     /* base 0x31000 */
    gdt_set(SEL_NP, 0x0000ffff, 0x00cf1200);
    gdt_set(SEL_EXPDN16, 0x00000fff, 0x00009600);
    gdt_set(SEL_LDT, 0x2000000f, 0x00008203);
    cpu->gdt.base = GDT;
    cpu->gdt.limit = 0x6f;
    cpu->idt.base = IDT;
    cpu->idt.limit = 0x7ff;
    cpu->cr[0] |= CR0_PE;
    cpu_update_hflags(cpu);
    cpu_set_seg_debug(cpu, R_CS, SEL_CODE0);
    cpu_set_seg_debug(cpu, R_SS, SEL_DATA0);
    cpu_set_seg_debug(cpu, R_DS, SEL_DATA0);
    cpu_set_seg_debug(cpu, R_ES, SEL_DATA0);
    cpu->regs[R_ESP] = 0x8000;
    /* TSS1: ring-0 stack 0x10:0x9000, I/O bitmap at 0x68. */
    set32(TSS1 + 4, 0x9000);
    set32(TSS1 + 8, SEL_DATA0);
    set16(TSS1 + 0x66, 0x68);
    memset(ram + TSS1 + 0x68, 0, 8192);
    ram[TSS1 + 0x68 + 0x61 / 8] |= 1u << (0x61 & 7);
    ram[TSS1 + 0x68 + 8192] = 0xff;
    cpu_ltr(cpu, SEL_TSS1);
    /* IDT: 0x80 trap gate DPL 3, 0x81 interrupt gate DPL 0, #GP handler. */
    idt_set(0x80, SEL_CODE0, 0x00401000, 0xef00);
    idt_set(0x81, SEL_CODE0, 0x00401100, 0x8e00);
    idt_set(EXC_GP, SEL_CODE0, 0x00500000, 0x8e00);
    idt_set(EXC_DF, SEL_CODE0, 0x00600000, 0x8e00);
    return cpu;
}

/* Switch to ring 3 with flat user segments. */
static void enter_ring3(X86CPU *cpu, uint32_t esp)
{
    Desc d;

    CHECK(desc_fetch(cpu, SEL_CODE3, &d));
    desc_to_cache(&cpu->seg[R_CS], SEL_CODE3 | 3, &d);
    CHECK(desc_fetch(cpu, SEL_DATA3, &d));
    desc_to_cache(&cpu->seg[R_SS], SEL_DATA3 | 3, &d);
    desc_to_cache(&cpu->seg[R_DS], SEL_DATA3 | 3, &d);
    desc_to_cache(&cpu->seg[R_ES], SEL_DATA3 | 3, &d);
    cpu->regs[R_ESP] = esp;
    cpu_update_hflags(cpu);
}

static void test_seg_loads(void)
{
    X86CPU *cpu = new_pm_cpu();
    volatile int v;

    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 0);
    CHECK(cpu->hflags & HF_CS32);
    /* Accessed bit written on load. */
    CHECK_EQ(ram32(GDT + SEL_DATA3 + 4) & DESC_A_MASK, 0);
    cpu_load_seg(cpu, R_FS, SEL_DATA3 | 3);
    CHECK_EQ(ram32(GDT + SEL_DATA3 + 4) & DESC_A_MASK, DESC_A_MASK);
    /* Null selector: loads, but any access is #GP(0). */
    v = TRY(cpu, cpu_load_seg(cpu, R_GS, 0));
    CHECK_EQ(v, -1);
    v = TRY(cpu, cpu_ld8(cpu, R_GS, 0));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, 0);
    v = TRY(cpu, cpu_load_seg(cpu, R_SS, 0));
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_load_seg(cpu, R_SS, SEL_RODATA));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, SEL_RODATA);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, SEL_NP));
    CHECK_EQ(v, EXC_NP);
    CHECK_EQ(cpu->exc_error, SEL_NP);
    v = TRY(cpu, cpu_load_seg(cpu, R_SS, SEL_NP));
    CHECK_EQ(v, EXC_SS);
    CHECK_EQ(cpu->exc_error, SEL_NP);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, SEL_XCODE));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, SEL_XCODE);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, 0x70));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, 0x70);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, 0x0c)); /* LDT selector with no LDT */
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, SEL_CODE0)); /* readable code is fine */
    CHECK_EQ(v, -1);

    /* Types: write to read-only data, read of execute-only code. */
    cpu_load_seg(cpu, R_DS, SEL_RODATA);
    v = TRY(cpu, cpu_ld8(cpu, R_DS, 0x1000));
    CHECK_EQ(v, -1);
    v = TRY(cpu, cpu_st8(cpu, R_DS, 0x1000, 1));
    CHECK_EQ(v, EXC_GP);
    cpu_set_seg_debug(cpu, R_CS, SEL_XCODE);
    v = TRY(cpu, cpu_ld8(cpu, R_CS, 0x1000));
    CHECK_EQ(v, EXC_GP);
    cpu_set_seg_debug(cpu, R_CS, SEL_CODE0);
    v = TRY(cpu, cpu_st8(cpu, R_CS, 0x1000, 1));
    CHECK_EQ(v, EXC_GP);

    /* Expand-down, 32-bit: valid offsets are limit+1 .. 0xffffffff. */
    cpu_load_seg(cpu, R_ES, SEL_EXPDN);
    v = TRY(cpu, cpu_st32(cpu, R_ES, 0x1000, 0x11223344));
    CHECK_EQ(v, -1);
    CHECK_EQ(ram32(0x21000), 0x11223344);
    v = TRY(cpu, cpu_st8(cpu, R_ES, 0xfff, 1));
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_ld32(cpu, R_ES, 0xffe));
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_ld32(cpu, R_ES, 0x7ffffc));
    CHECK_EQ(v, -1);
    /* Expand-down, 16-bit: upper bound 0xffff. */
    cpu_load_seg(cpu, R_ES, SEL_EXPDN16);
    v = TRY(cpu, cpu_ld16(cpu, R_ES, 0xfffe));
    CHECK_EQ(v, -1);
    v = TRY(cpu, cpu_ld16(cpu, R_ES, 0xffff));
    CHECK_EQ(v, EXC_GP);
    /* SS limit violations are #SS. */
    cpu_load_seg(cpu, R_SS, SEL_EXPDN);
    v = TRY(cpu, cpu_ld8(cpu, R_SS, 0x10));
    CHECK_EQ(v, EXC_SS);

    /* Ring 3: data segments of DPL 0 are out of reach. */
    cpu_free(cpu);
    cpu = new_pm_cpu();
    enter_ring3(cpu, 0x7000);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 3);
    v = TRY(cpu, cpu_load_seg(cpu, R_DS, SEL_DATA0));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, SEL_DATA0);
    v = TRY(cpu, cpu_load_seg(cpu, R_SS, SEL_DATA3)); /* RPL 0 != CPL 3 */
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_lldt(cpu, SEL_LDT));
    CHECK_EQ(v, EXC_GP);
    cpu_free(cpu);
}

static void test_call_gate(void)
{
    X86CPU *cpu = new_pm_cpu();
    volatile int v;

    enter_ring3(cpu, 0x7000);
    cpu_push32(cpu, 0xaaaa0001);
    cpu_push32(cpu, 0xaaaa0002);
    CHECK_EQ(cpu->regs[R_ESP], 0x6ff8);
    v = TRY(cpu, cpu_far_call(cpu, SEL_CGATE | 3, 0, true, 0x401234));
    CHECK_EQ(v, -1);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE0);
    CHECK_EQ(cpu->eip, 0x12345678);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 0);
    CHECK_EQ(cpu->seg[R_SS].selector, SEL_DATA0);
    CHECK_EQ(cpu->regs[R_ESP], 0x9000 - 24);
    CHECK_EQ(ram32(0x9000 - 24), 0x401234);
    CHECK_EQ(ram32(0x9000 - 20), SEL_CODE3 | 3);
    CHECK_EQ(ram32(0x9000 - 16), 0xaaaa0002);
    CHECK_EQ(ram32(0x9000 - 12), 0xaaaa0001);
    CHECK_EQ(ram32(0x9000 - 8), 0x6ff8);
    CHECK_EQ(ram32(0x9000 - 4), SEL_DATA3 | 3);

    /* Far return to ring 3 releasing the two parameters; DS (DPL 0) becomes null. */
    cpu_load_seg(cpu, R_DS, SEL_DATA0);
    v = TRY(cpu, cpu_far_ret(cpu, true, 8));
    CHECK_EQ(v, -1);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE3 | 3);
    CHECK_EQ(cpu->eip, 0x401234);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 3);
    CHECK_EQ(cpu->seg[R_SS].selector, SEL_DATA3 | 3);
    CHECK_EQ(cpu->regs[R_ESP], 0x7000);
    CHECK_EQ(cpu->seg[R_DS].selector, 0);
    CHECK_EQ(cpu->seg[R_ES].selector, SEL_DATA3 | 3);

    /* Direct far call to a more privileged code segment: #GP(sel). */
    v = TRY(cpu, cpu_far_call(cpu, SEL_CODE0, 0, true, 0));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, SEL_CODE0);
    /* A failed transfer changed nothing. */
    CHECK_EQ(cpu->regs[R_ESP], 0x7000);
    /* Call gate DPL below CPL. */
    set32(GDT + SEL_CGATE + 4, 0x12348c02);
    v = TRY(cpu, cpu_far_call(cpu, SEL_CGATE, 0, true, 0));
    CHECK_EQ(v, EXC_GP);
    CHECK_EQ(cpu->exc_error, SEL_CGATE);
    cpu_free(cpu);
}

static void test_interrupts(void)
{
    X86CPU *cpu = new_pm_cpu();
    bool ok;

    /* INT 0x80 from ring 3 through a DPL 3 trap gate: stack switch to TSS ring 0. */
    enter_ring3(cpu, 0x7000);
    cpu_set_eflags(cpu, EF_FIXED1 | EF_IF);
    cpu->eip = 0x400ffe;
    cpu->exc_vector = 0x80;
    cpu->exc_kind = EXC_KIND_SOFT;
    cpu->exc_next_eip = 0x401000 - 0x10;
    ok = cpu_deliver_event(cpu);
    CHECK(ok);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE0);
    CHECK_EQ(cpu->eip, 0x401000);
    CHECK_EQ(cpu->regs[R_ESP], 0x9000 - 20);
    CHECK_EQ(ram32(0x9000 - 20), 0x401000 - 0x10);
    CHECK_EQ(ram32(0x9000 - 16), SEL_CODE3 | 3);
    CHECK_EQ(ram32(0x9000 - 12) & EF_IF, EF_IF);
    CHECK_EQ(ram32(0x9000 - 8), 0x7000);
    CHECK_EQ(ram32(0x9000 - 4), SEL_DATA3 | 3);
    CHECK(cpu_get_eflags(cpu) & EF_IF); /* trap gate keeps IF */
    /* IRET back to ring 3. */
    cpu_iret(cpu, true);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE3 | 3);
    CHECK_EQ(cpu->eip, 0x401000 - 0x10);
    CHECK_EQ(cpu->regs[R_ESP], 0x7000);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 3);

    /* INT 0x81 hits a DPL 0 gate from ring 3: #GP(0x81*8+2) delivered to the #GP handler. */
    cpu->eip = 0x400ffe;
    cpu->exc_vector = 0x81;
    cpu->exc_kind = EXC_KIND_SOFT;
    cpu->exc_next_eip = 0x401000;
    ok = cpu_deliver_event(cpu);
    CHECK(ok);
    CHECK_EQ(cpu->eip, 0x500000);
    CHECK_EQ(ram32(0x9000 - 24), 0x81 * 8 + 2); /* error code */
    CHECK_EQ(ram32(0x9000 - 20), 0x400ffe);     /* fault: EIP of the INT */
    CHECK(!(cpu_get_eflags(cpu) & EF_IF));      /* interrupt gate clears IF */

    /* #GP while the #GP gate is not present: #NP -> #DF handler; then no #DF: triple. */
    cpu_free(cpu);
    cpu = new_pm_cpu();
    set32(IDT + EXC_GP * 8 + 4, 0x00000e00); /* not present */
    cpu->eip = 0x1234;
    cpu->exc_vector = EXC_GP;
    cpu->exc_error = 0;
    cpu->exc_kind = EXC_KIND_FAULT;
    ok = cpu_deliver_event(cpu);
    CHECK(ok);
    CHECK_EQ(cpu->eip, 0x600000);
    CHECK_EQ(ram32(0x8000 - 16), 0); /* #DF error code */
    cpu->eip = 0x1234;
    cpu->regs[R_ESP] = 0x8000;
    set32(IDT + EXC_DF * 8 + 4, 0x00000e00);
    cpu->exc_vector = EXC_GP;
    cpu->exc_kind = EXC_KIND_FAULT;
    ok = cpu_deliver_event(cpu);
    CHECK(!ok);
    cpu_free(cpu);

    /* Real mode: IVT vector 0x10 -> 1234:5678, FLAGS/CS/IP pushed, IF cleared. */
    cpu = cpu_new(cpu_model_find("pentium2"), 0, &fake_bus, NULL);
    memset(ram, 0, RAM_SIZE);
    set16(0x40, 0x5678);
    set16(0x42, 0x1234);
    cpu_load_seg_real(cpu, R_CS, 0x2000);
    cpu_load_seg_real(cpu, R_SS, 0);
    cpu->regs[R_ESP] = 0x1000;
    cpu_set_eflags(cpu, EF_FIXED1 | EF_IF | CC_C);
    cpu->eip = 0x100;
    cpu->exc_vector = 0x10;
    cpu->exc_kind = EXC_KIND_SOFT;
    cpu->exc_next_eip = 0x102;
    CHECK(cpu_deliver_event(cpu));
    CHECK_EQ(cpu->seg[R_CS].selector, 0x1234);
    CHECK_EQ(cpu->seg[R_CS].base, 0x12340);
    CHECK_EQ(cpu->eip, 0x5678);
    CHECK_EQ(cpu->regs[R_ESP], 0xffa);
    CHECK_EQ(ram16(0xffa), 0x102);
    CHECK_EQ(ram16(0xffc), 0x2000);
    CHECK_EQ(ram16(0xffe), EF_FIXED1 | EF_IF | CC_C);
    CHECK(!(cpu_get_eflags(cpu) & EF_IF));
    cpu_iret(cpu, false);
    CHECK_EQ(cpu->seg[R_CS].selector, 0x2000);
    CHECK_EQ(cpu->eip, 0x102);
    CHECK(cpu_get_eflags(cpu) & EF_IF);
    CHECK_EQ(cpu->regs[R_ESP], 0x1000);
    cpu_free(cpu);
}

static void test_task_switch(void)
{
    X86CPU *cpu = new_pm_cpu();
    volatile int v;

    /* TSS2: a ring-0 task. */
    set32(TSS2 + 0x20, 0x00402000);
    set32(TSS2 + 0x24, 0x00000202);
    set32(TSS2 + 0x28, 0x11111111);
    set32(TSS2 + 0x38, 0x00008800);
    set16(TSS2 + 0x48, SEL_DATA0);
    set16(TSS2 + 0x4c, SEL_CODE0);
    set16(TSS2 + 0x50, SEL_DATA0);
    set16(TSS2 + 0x54, SEL_DATA0);
    cpu->regs[R_EAX] = 0xaaaaaaaa;
    cpu->regs[R_EBX] = 0xbbbbbbbb;
    CHECK_EQ((ram32(GDT + SEL_TSS1 + 4) >> 8) & 0xf, DESC_TSS32_BUSY);

    v = TRY(cpu, cpu_far_jmp(cpu, SEL_TSS2, 0, 0x400100));
    CHECK_EQ(v, -1);
    CHECK_EQ(cpu->tr.selector, SEL_TSS2);
    CHECK_EQ(cpu->eip, 0x402000);
    CHECK_EQ(cpu->regs[R_EAX], 0x11111111);
    CHECK_EQ(cpu->regs[R_ESP], 0x8800);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE0);
    CHECK(cpu->cr[0] & CR0_TS);
    CHECK(cpu_get_eflags(cpu) & EF_IF);
    CHECK_EQ(ram32(TSS1 + 0x20), 0x400100);         /* old EIP saved */
    CHECK_EQ(ram32(TSS1 + 0x28), 0xaaaaaaaa);       /* old EAX */
    CHECK_EQ(ram32(TSS1 + 0x34), 0xbbbbbbbb);       /* old EBX */
    CHECK_EQ(ram16(TSS1 + 0x4c), SEL_CODE0);        /* old CS */
    CHECK_EQ((ram32(GDT + SEL_TSS1 + 4) >> 8) & 0xf, DESC_TSS32_AVAIL);
    CHECK_EQ((ram32(GDT + SEL_TSS2 + 4) >> 8) & 0xf, DESC_TSS32_BUSY);
    /* Jumping to a busy TSS is #GP. */
    v = TRY(cpu, cpu_far_jmp(cpu, SEL_TSS2, 0, 0));
    CHECK_EQ(v, EXC_GP);

    /* CALL back to task 1: back link and NT; IRET returns to task 2. */
    cpu->regs[R_ECX] = 0xcccccccc;
    v = TRY(cpu, cpu_far_call(cpu, SEL_TSS1, 0, true, 0x402222));
    CHECK_EQ(v, -1);
    CHECK_EQ(cpu->tr.selector, SEL_TSS1);
    CHECK_EQ(cpu->eip, 0x400100);
    CHECK_EQ(cpu->regs[R_EAX], 0xaaaaaaaa);
    CHECK(cpu_get_eflags(cpu) & EF_NT);
    CHECK_EQ(ram16(TSS1), SEL_TSS2);
    CHECK_EQ((ram32(GDT + SEL_TSS2 + 4) >> 8) & 0xf, DESC_TSS32_BUSY);
    cpu->eip = 0x400200; /* next EIP of the IRET */
    v = TRY(cpu, cpu_iret(cpu, true));
    CHECK_EQ(v, -1);
    CHECK_EQ(cpu->tr.selector, SEL_TSS2);
    CHECK_EQ(cpu->eip, 0x402222);
    CHECK_EQ(cpu->regs[R_ECX], 0xcccccccc);
    CHECK_EQ((ram32(GDT + SEL_TSS1 + 4) >> 8) & 0xf, DESC_TSS32_AVAIL);
    CHECK_EQ(ram32(TSS1 + 0x24) & EF_NT, 0); /* NT cleared in the saved image */

    /* A task with a bad CS faults #TS in the new task. */
    set16(TSS1 + 0x4c, SEL_DATA0);
    v = TRY(cpu, cpu_far_jmp(cpu, SEL_TSS1, 0, 0x402300));
    CHECK_EQ(v, EXC_TS);
    CHECK_EQ(cpu->exc_error, SEL_DATA0);
    CHECK_EQ(cpu->tr.selector, SEL_TSS1);
    cpu_free(cpu);
}

static void test_misc(void)
{
    X86CPU *cpu = new_pm_cpu();
    uint32_t out = 0;
    volatile int v;

    CHECK(cpu_lar(cpu, SEL_DATA0, &out));
    CHECK_EQ(out & 0xff00, 0x9200); /* debug loads do not set A */
    CHECK(cpu_lsl(cpu, SEL_EXPDN, &out));
    CHECK_EQ(out, 0xfff);
    CHECK(!cpu_lsl(cpu, SEL_CGATE, &out));
    CHECK(cpu_lar(cpu, SEL_CGATE, &out));
    CHECK(cpu_verr(cpu, SEL_CODE0));
    CHECK(!cpu_verr(cpu, SEL_XCODE));
    CHECK(!cpu_verw(cpu, SEL_RODATA));
    CHECK(cpu_verw(cpu, SEL_DATA0));
    CHECK(!cpu_lar(cpu, 0x78, &out));
    cpu_lldt(cpu, SEL_LDT);
    CHECK_EQ(cpu->ldt.base, 0x32000);
    CHECK_EQ(cpu->ldt.limit, 0xf);
    set32(0x32008, 0x0000ffff);
    set32(0x3200c, 0x00cff200);
    enter_ring3(cpu, 0x7000);
    CHECK(cpu_verw(cpu, 0x0f));
    CHECK(!cpu_verw(cpu, SEL_DATA0));

    /* I/O permission bitmap: ring 3 with IOPL 0. */
    v = TRY(cpu, cpu_check_io(cpu, 0x60, 1));
    CHECK_EQ(v, -1);
    v = TRY(cpu, cpu_check_io(cpu, 0x61, 1));
    CHECK_EQ(v, EXC_GP);
    v = TRY(cpu, cpu_check_io(cpu, 0x60, 2)); /* covers 0x61 */
    CHECK_EQ(v, EXC_GP);
    cpu_set_eflags(cpu, EF_FIXED1 | (3u << EF_IOPL_SHIFT));
    v = TRY(cpu, cpu_check_io(cpu, 0x61, 1));
    CHECK_EQ(v, -1);

    /* Unprivileged system reads at CPL 3: smsw eax; str ax; sldt ax (0F 01 E0, 0F 00 C8,
     * 0F 00 C0). MOV EAX,CR0 (0F 20 C0) is #GP(0) there. */
    memcpy(ram + 0x400000, "\x0f\x01\xe0\x0f\x00\xcb\x0f\x00\xc1\x0f\x20\xc0", 12);
    cpu->regs[R_EAX] = cpu->regs[R_EBX] = cpu->regs[R_ECX] = 0xdeadbeef;
    cpu->eip = 0x400000;
    cpu->exc_vector = -1;
    cpu_exec(cpu, 3);
    CHECK_EQ(cpu->exc_vector, -1);
    CHECK_EQ(cpu->regs[R_EAX], cpu->cr[0]);
    CHECK_EQ(cpu->regs[R_EBX], SEL_TSS1); /* r32: zero-extended on P6 */
    CHECK_EQ(cpu->regs[R_ECX], SEL_LDT);
    CHECK_EQ(cpu->eip, 0x400009);
    cpu_exec(cpu, 1);
    CHECK_EQ(cpu->exc_vector, EXC_GP);

    /* ARPL ax, cx (63 C8): raises AX's RPL to CX's with ZF = 1, else ZF = 0. */
    memcpy(ram + 0x400100, "\x63\xc8\x63\xc8", 4);
    cpu->eip = 0x400100;
    cpu->regs[R_EAX] = 0xabcd0010;
    cpu->regs[R_ECX] = 0x00000023;
    cpu->exc_vector = -1;
    cpu_exec(cpu, 1);
    CHECK_EQ(cpu->exc_vector, -1);
    CHECK_EQ(cpu->regs[R_EAX], 0xabcd0013);
    CHECK(cpu_get_eflags(cpu) & CC_Z);
    cpu->regs[R_ECX] = 0x00000020;
    cpu_exec(cpu, 1);
    CHECK_EQ(cpu->regs[R_EAX], 0xabcd0013);
    CHECK(!(cpu_get_eflags(cpu) & CC_Z));
    cpu_free(cpu);

    /* SYSENTER / SYSEXIT */
    cpu = new_pm_cpu();
    v = TRY(cpu, cpu_sysenter(cpu));
    CHECK_EQ(v, EXC_GP); /* SYSENTER_CS = 0 */
    CHECK(cpu_wrmsr(cpu, 0x174, SEL_CODE0));
    CHECK(cpu_wrmsr(cpu, 0x175, 0x9000));
    CHECK(cpu_wrmsr(cpu, 0x176, 0xc0001000));
    cpu->regs[R_ECX] = 0xbfff0000;
    cpu->regs[R_EDX] = 0x08048000;
    cpu_sysexit(cpu);
    CHECK_EQ(cpu->seg[R_CS].selector, SEL_CODE3 | 3);
    CHECK_EQ(cpu->seg[R_SS].selector, SEL_DATA3 | 3);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 3);
    CHECK_EQ(cpu->eip, 0x08048000);
    v = TRY(cpu, cpu_sysexit(cpu));
    CHECK_EQ(v, EXC_GP);
    cpu_sysenter(cpu);
    CHECK_EQ(cpu->hflags & HF_CPL_MASK, 0);
    CHECK_EQ(cpu->eip, 0xc0001000);
    CHECK_EQ(cpu->regs[R_ESP], 0x9000);
    CHECK_EQ(cpu->seg[R_SS].selector, SEL_DATA0);
    cpu_free(cpu);
}

int main(void)
{
    ram = xalloc_pages(RAM_SIZE);
    test_seg_loads();
    test_call_gate();
    test_interrupts();
    test_task_switch();
    test_misc();
    xfree_pages(ram, RAM_SIZE);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
