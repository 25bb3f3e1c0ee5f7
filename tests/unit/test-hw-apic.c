/*
 * Local APICs, I/O APIC and HPET on a board without CPUs (two local APICs): the LAPIC timer
 * in one-shot and periodic mode against the virtual clock, TPR/PPR priority and EOI, IPIs
 * between the two local APICs (fixed physical and logical, INIT, Start-Up, NMI, illegal
 * vector and ESR), I/O APIC edge and level redirection with remote IRR and EOI broadcast,
 * masking and the IRQ0 -> pin 2 override, and the HPET main counter, legacy replacement
 * timer 0 (one-shot and periodic) and a level-triggered timer on an I/O APIC pin; then the
 * TSC-deadline timer, the divider change, APR, LINT1 NMI and level-triggered LINT with
 * remote IRR, TMR after EOI, the error LVT and ESR, lowest priority, the all-including-self
 * shorthand, software disable, and IA32_APIC_BASE relocation and hardware disable.
 */
#include "hw-test.h"
#include "hw/intc/apic.h"

#define LAPIC APIC_DEFAULT_BASE
#define IOWIN (IOAPIC_BASE + 0x10)

static Board b;
static IRQRecorder rec;
static int cur_cpu;
static int intr[2];
static int events[2][4];
static uint8_t sipi_vec[2];
static struct ApicState *apic;

static void h_set_intr(void *opaque, int cpu, bool level)
{
    intr[cpu] = level;
}

static void h_event(void *opaque, int cpu, ApicEvent ev, uint8_t vector)
{
    events[cpu][ev]++;
    if (ev == APIC_EV_SIPI) {
        sipi_vec[cpu] = vector;
    }
}

static int h_pic_ack(void *opaque)
{
    return 0x08; /* what a PIC would answer for IRQ0 */
}

static int h_current(void *opaque)
{
    return cur_cpu;
}

static uint32_t lr(int cpu, uint32_t reg)
{
    cur_cpu = cpu;
    return (uint32_t)mem_read(b.mem, LAPIC + reg, 4);
}

static void lw(int cpu, uint32_t reg, uint32_t v)
{
    cur_cpu = cpu;
    mem_write(b.mem, LAPIC + reg, v, 4);
}

static uint32_t ioapic_read(unsigned reg)
{
    mem_write(b.mem, IOAPIC_BASE, reg, 4);
    return (uint32_t)mem_read(b.mem, IOWIN, 4);
}

static void ioapic_write(unsigned reg, uint32_t v)
{
    mem_write(b.mem, IOAPIC_BASE, reg, 4);
    mem_write(b.mem, IOWIN, v, 4);
}

static uint64_t hpet_read(uint32_t reg)
{
    return mem_read(b.mem, HPET_BASE + reg, 8);
}

static void hpet_write(uint32_t reg, uint64_t v)
{
    mem_write(b.mem, HPET_BASE + reg, v, 8);
}

/* INTA + EOI on cpu: returns the vector taken. */
static int take(int cpu)
{
    return apic_intr_ack(apic, cpu);
}

static void eoi(int cpu)
{
    lw(cpu, 0xb0, 0);
}

static void test_timer(void)
{
    int n;

    lw(0, 0xf0, 0x1ff);         /* software enable, spurious 0xff */
    lw(0, 0x3e0, 0xb);          /* divide by 1 */
    lw(0, 0x320, 0x30);         /* one-shot, vector 0x30 */
    lw(0, 0x380, 1000);
    clock_step(500);
    CHECK(lr(0, 0x390) == 500, "current count 500 half way, got %u", lr(0, 0x390));
    clock_step(499);
    CHECK(!intr[0], "one-shot: no interrupt before the count runs out");
    clock_step(1);
    CHECK(intr[0], "one-shot: interrupt at count 0");
    CHECK(take(0) == 0x30, "one-shot vector");
    CHECK(!intr[0], "INTR drops once the vector is in service");
    CHECK(lr(0, 0x110) & (1u << 16), "ISR bit 0x30 set");
    eoi(0);
    CHECK(!(lr(0, 0x110) & (1u << 16)), "ISR bit 0x30 clear after EOI");
    CHECK(lr(0, 0x390) == 0, "one-shot count stays 0");
    clock_step(10000);
    CHECK(!intr[0], "one-shot fires once");

    /* Periodic, divide by 16, count 100: one interrupt per 1600 ns. */
    lw(0, 0x3e0, 0x3);
    lw(0, 0x320, 0x20031);
    lw(0, 0x380, 100);
    n = 0;
    for (int i = 0; i < 10; i++) {
        clock_step(1600);
        if (intr[0] && take(0) == 0x31) {
            n++;
            eoi(0);
        }
    }
    CHECK(n == 10, "periodic: 10 interrupts in 16 us, got %d", n);
    clock_step(800);
    CHECK(lr(0, 0x390) == 50, "periodic: count reloads (50 half way), got %u", lr(0, 0x390));
    /* Masked: counts but does not interrupt. */
    lw(0, 0x320, 0x30031);
    clock_step(3200);
    CHECK(!intr[0], "masked timer does not interrupt");
    lw(0, 0x380, 0);
    lw(0, 0x320, 0x10000);
}

static void test_priority(void)
{
    lw(0, 0x80, 0x60);                         /* TPR class 6 */
    lw(0, 0x300, 0x40050);                     /* self IPI, vector 0x50 */
    CHECK(!intr[0], "vector 0x50 held below TPR 0x60");
    CHECK(lr(0, 0x200 + 0x20) & (1u << 16), "IRR bit 0x50 set");
    CHECK(lr(0, 0xa0) == 0x60, "PPR = TPR 0x60, got 0x%x", lr(0, 0xa0));
    lw(0, 0x80, 0x40);
    CHECK(intr[0], "TPR 0x40 lets vector 0x50 through");
    CHECK(take(0) == 0x50, "vector 0x50 taken");
    CHECK(lr(0, 0xa0) == 0x50, "PPR = ISR class 0x50, got 0x%x", lr(0, 0xa0));
    lw(0, 0x300, 0x40045);                     /* lower class than in service */
    CHECK(!intr[0], "0x45 waits while 0x50 is in service");
    lw(0, 0x300, 0x40065);
    CHECK(intr[0], "0x65 preempts 0x50");
    CHECK(take(0) == 0x65, "nested vector 0x65");
    eoi(0);                                    /* ends 0x65 */
    CHECK(!intr[0], "after EOI of 0x65, 0x45 still waits for 0x50");
    lw(0, 0x80, 0);
    eoi(0);                                    /* ends 0x50 */
    CHECK(intr[0] && take(0) == 0x45, "0x45 delivered after EOI of 0x50");
    eoi(0);
    CHECK(lr(0, 0xa0) == 0, "PPR 0 when idle");
}

static void test_ipi(void)
{
    lw(1, 0xf0, 0x1ff);
    CHECK(lr(1, 0x20) == 1u << 24, "cpu 1 APIC ID 1");
    CHECK(lr(0, 0x20) == 0, "cpu 0 APIC ID 0");
    lw(0, 0x310, 1u << 24);
    lw(0, 0x300, 0x4060);                      /* fixed, physical, vector 0x60 */
    CHECK(intr[1] && !intr[0], "fixed IPI reaches cpu 1 only");
    CHECK(take(1) == 0x60, "cpu 1 takes 0x60");
    eoi(1);

    /* Logical flat: cpu 1 has logical ID 0x02. */
    lw(1, 0xe0, 0xffffffffu);
    lw(1, 0xd0, 0x02000000u);
    lw(0, 0xd0, 0x01000000u);
    lw(0, 0x310, 0x02u << 24);
    lw(0, 0x300, 0x4861);                      /* fixed, logical */
    CHECK(intr[1] && !intr[0], "logical flat IPI to ID 0x02 reaches cpu 1");
    CHECK(take(1) == 0x61, "cpu 1 takes 0x61");
    eoi(1);
    lw(0, 0x310, 0x03u << 24);
    lw(0, 0x300, 0x4862);
    CHECK(intr[1] && intr[0], "logical 0x03 reaches both");
    CHECK(take(0) == 0x62 && take(1) == 0x62, "both take 0x62");
    eoi(0);
    eoi(1);
    /* Cluster model: cluster 1 member 1 for cpu 1. */
    lw(1, 0xe0, 0x0fffffffu);
    lw(0, 0xe0, 0x0fffffffu);
    lw(1, 0xd0, 0x11000000u);
    lw(0, 0xd0, 0x21000000u);
    lw(0, 0x310, 0x11u << 24);
    lw(0, 0x300, 0x4863);
    CHECK(intr[1] && !intr[0], "cluster IPI to 0x11 reaches cpu 1 only");
    take(1);
    eoi(1);

    /* Shorthand all-excluding-self, NMI. */
    lw(1, 0x300, 0xc0400);
    CHECK(events[0][APIC_EV_NMI] == 1 && events[1][APIC_EV_NMI] == 0, "NMI to all but self");
    /* INIT and Start-Up to cpu 1. */
    lw(0, 0x310, 1u << 24);
    lw(0, 0x300, 0xc500);
    CHECK(events[1][APIC_EV_INIT] == 1, "INIT delivered");
    CHECK(!(lr(1, 0xf0) & 0x100), "INIT resets the target APIC (software disabled)");
    lw(0, 0x300, 0x8500);                      /* INIT level de-assert: no effect */
    CHECK(events[1][APIC_EV_INIT] == 1, "INIT de-assert is not an INIT");
    lw(0, 0x300, 0x4608);
    CHECK(events[1][APIC_EV_SIPI] == 1 && sipi_vec[1] == 0x08, "Start-Up with vector 0x08");
    CHECK(!(lr(0, 0x300) & (1u << 12)), "delivery status idle");

    /* Illegal vector: ESR after the write-before-read. */
    lw(0, 0x280, 0);
    lw(0, 0x300, 0x4005);
    CHECK(lr(0, 0x280) == 0, "ESR not updated before a write");
    lw(0, 0x280, 0);
    CHECK(lr(0, 0x280) == 0x20, "ESR send illegal vector, got 0x%x", lr(0, 0x280));
    lw(0, 0x280, 0);
    CHECK(lr(0, 0x280) == 0, "ESR cleared by the next write");
}

static void test_ioapic(void)
{
    uint32_t v;

    CHECK((ioapic_read(1) & 0xff) == 0x11 && ((ioapic_read(1) >> 16) & 0xff) == 23,
          "I/O APIC version 0x11, 24 entries: 0x%x", ioapic_read(1));
    CHECK(ioapic_read(0) == (uint32_t)IOAPIC_ID(2) << 24, "I/O APIC ID");
    CHECK(ioapic_read(0x10 + 2 * 4) & (1u << 16), "entries masked at reset");

    /* ISA IRQ4, edge, vector 0x34 to APIC 0. */
    ioapic_write(0x10 + 2 * 4 + 1, 0);
    ioapic_write(0x10 + 2 * 4, 0x34);
    irq_raise(&b.isa_irq[4]);
    CHECK(rec.rises[4] == 1, "IRQ4 still reaches the 8259 input");
    CHECK(intr[0] && take(0) == 0x34, "IRQ4 -> vector 0x34");
    eoi(0);
    irq_lower(&b.isa_irq[4]);

    /* IRQ0 -> pin 2. */
    ioapic_write(0x10 + 2 * 2, 0x20);
    irq_raise(&b.isa_irq[0]);
    irq_lower(&b.isa_irq[0]);
    CHECK(intr[0] && take(0) == 0x20, "ISA IRQ0 arrives on pin 2");
    eoi(0);

    /* Level-triggered pin 9 to APIC 1 (software-enabled again after its INIT): remote IRR
     * until EOI, then sent again while asserted. */
    lw(1, 0xf0, 0x1ff);
    ioapic_write(0x10 + 2 * 9 + 1, 1u << 24);
    ioapic_write(0x10 + 2 * 9, 0x8039);
    irq_raise(&b.isa_irq[9]);
    CHECK(intr[1], "level IRQ9 delivered to cpu 1");
    v = ioapic_read(0x10 + 2 * 9);
    CHECK(v & (1u << 14), "remote IRR set");
    CHECK(take(1) == 0x39, "vector 0x39");
    CHECK(lr(1, 0x180 + 0x10) & (1u << 25), "TMR bit 0x39 set (level)");
    eoi(1);
    CHECK(intr[1], "still asserted: sent again after EOI");
    CHECK(take(1) == 0x39, "vector 0x39 again");
    irq_lower(&b.isa_irq[9]);
    eoi(1);
    CHECK(!intr[1], "deasserted: nothing after EOI");
    CHECK(!(ioapic_read(0x10 + 2 * 9) & (1u << 14)), "remote IRR cleared by EOI");

    /* Masked pin: a level input is delivered when unmasked. */
    ioapic_write(0x10 + 2 * 10, 0x1803a);
    irq_raise(&b.isa_irq[10]);
    CHECK(!intr[0] && !intr[1], "masked pin not delivered");
    ioapic_write(0x10 + 2 * 10, 0x803a);
    CHECK(intr[0] && take(0) == 0x3a, "unmasking delivers the asserted level pin");
    irq_lower(&b.isa_irq[10]);
    eoi(0);
}

static void test_hpet(void)
{
    uint64_t cap = hpet_read(0x000), c0, c1;
    int n;

    CHECK((cap >> 32) == 10000000, "HPET period 10 ns (10^7 fs)");
    CHECK(((cap >> 8) & 0x1f) == 2 && (cap & (1u << 15)), "3 timers, legacy capable");
    hpet_write(0x0f0, 0);
    hpet_write(0x010, 1);                      /* enable */
    c0 = hpet_read(0x0f0);
    clock_step(1000);
    c1 = hpet_read(0x0f0);
    CHECK(c1 - c0 == 100, "100 ticks in 1 us, got %llu", (unsigned long long)(c1 - c0));

    /* Legacy replacement: timer 0 one-shot -> IRQ0 (8259 input and pin 2). */
    hpet_write(0x010, 3);
    ioapic_write(0x10 + 2 * 2, 0x10020);       /* pin 2 masked: count on the 8259 side */
    rec.rises[0] = 0;
    hpet_write(0x100, 1u << 2);                /* edge, interrupt enabled */
    hpet_write(0x108, hpet_read(0x0f0) + 500);
    clock_step(4990);
    CHECK(rec.rises[0] == 0, "timer 0: nothing before the comparator");
    clock_step(20);
    CHECK(rec.rises[0] == 1, "timer 0 one-shot on IRQ0, got %d", rec.rises[0]);

    /* Periodic: every 1000 ticks (10 us). */
    hpet_write(0x100, (1u << 2) | (1u << 3) | (1u << 6));
    hpet_write(0x108, hpet_read(0x0f0) + 1000);
    hpet_write(0x108, 1000);
    rec.rises[0] = 0;
    clock_step(100000 + 5);
    CHECK(rec.rises[0] == 10, "periodic timer 0: 10 in 100 us, got %d", rec.rises[0]);
    hpet_write(0x100, 0);

    /* Non-legacy timer 2, level, on pin 20. */
    hpet_write(0x010, 1);
    ioapic_write(0x10 + 2 * 20 + 1, 0);
    ioapic_write(0x10 + 2 * 20, 0x8044);
    hpet_write(0x140, (1u << 1) | (1u << 2) | (20u << 9));
    hpet_write(0x148, (uint32_t)(hpet_read(0x0f0) + 100));
    clock_step(1005);
    CHECK(hpet_read(0x020) & 4, "timer 2 level status set");
    CHECK(intr[0] && take(0) == 0x44, "timer 2 -> pin 20 -> vector 0x44");
    hpet_write(0x020, 4);                      /* clear status: line drops */
    eoi(0);
    CHECK(!intr[0], "no re-delivery after the status is cleared");
    CHECK(!(hpet_read(0x020) & 4), "status cleared");
    n = (int)((hpet_read(0x140) >> 32) >> 20) & 0xf;
    CHECK(n == 0xf, "timer 2 may route to pins 20-23");
    hpet_write(0x010, 0);
    c0 = hpet_read(0x0f0);
    clock_step(1000);
    CHECK(hpet_read(0x0f0) == c0, "halted counter does not move");
}

static void test_ioapic_more(void)
{
    struct IOAPICState *io = board_find_device(&b, ioapic_device.name, 0);

    /* Pin 0 in ExtINT mode: the CPU's INTA goes to the 8259. */
    ioapic_write(0x10 + 1, 0);
    ioapic_write(0x10, APIC_DM_EXTINT << 8);
    ioapic_set_gsi(io, 0, 1);
    CHECK(intr[0] && take(0) == 0x08, "ExtINT through pin 0: the 8259 answers the INTA");
    ioapic_set_gsi(io, 0, 0);
    ioapic_write(0x10, 0x10000);
    /* NMI delivery mode. */
    events[1][APIC_EV_NMI] = 0;
    ioapic_write(0x10 + 2 * 5 + 1, 1u << 24);
    ioapic_write(0x10 + 2 * 5, APIC_DM_NMI << 8);
    irq_raise(&b.isa_irq[5]);
    irq_lower(&b.isa_irq[5]);
    CHECK(events[1][APIC_EV_NMI] == 1 && !intr[1], "pin 5 in NMI mode: an NMI to cpu 1");
    ioapic_write(0x10 + 2 * 5, 0x10000);
    /* Logical destination (cpu 1's logical ID is 0x02, flat). */
    ioapic_write(0x10 + 2 * 6 + 1, 0x02u << 24);
    ioapic_write(0x10 + 2 * 6, (1u << 11) | 0x46);
    irq_raise(&b.isa_irq[6]);
    irq_lower(&b.isa_irq[6]);
    CHECK(intr[1] && !intr[0] && take(1) == 0x46, "logical destination 0x02: cpu 1");
    eoi(1);
    /* An edge arriving while the pin is masked is lost. */
    ioapic_write(0x10 + 2 * 6, (1u << 16) | (1u << 11) | 0x46);
    irq_raise(&b.isa_irq[6]);
    irq_lower(&b.isa_irq[6]);
    ioapic_write(0x10 + 2 * 6, (1u << 11) | 0x46);
    CHECK(!intr[1] && !intr[0], "a masked edge is not delivered on unmask");
    /* Remote IRR and delivery status are read-only; the ID register keeps 4 bits. */
    ioapic_write(0x10 + 2 * 6, (1u << 14) | (1u << 12) | (1u << 15) | (1u << 16) | 0x46);
    CHECK((ioapic_read(0x10 + 2 * 6) & ((1u << 14) | (1u << 12))) == 0,
          "remote IRR and delivery status not writable");
    ioapic_write(0, 0xff000000u);
    CHECK(ioapic_read(0) == 0x0f000000u, "I/O APIC ID is 4 bits: 0x%x", ioapic_read(0));
    ioapic_write(0, (uint32_t)IOAPIC_ID(2) << 24);
    /* Save and restore of the redirection table. */
    {
        ByteBuf st = {0};
        size_t pos = 0;

        ioapic_write(0x10 + 2 * 7, 0x10047);
        vmstate_save(ioapic_device.vmsd, io, &st);
        ioapic_write(0x10 + 2 * 7, 0x10000);
        CHECK(vmstate_load(ioapic_device.vmsd, io, st.data, st.len, &pos) &&
                  ioapic_read(0x10 + 2 * 7) == 0x10047,
              "redirection entry restored");
        bytebuf_free(&st);
    }
}

static uint32_t hpet_read32(uint32_t reg)
{
    return (uint32_t)mem_read(b.mem, HPET_BASE + reg, 4);
}

static void hpet_write32(uint32_t reg, uint32_t v)
{
    mem_write(b.mem, HPET_BASE + reg, v, 4);
}

static void test_hpet_more(void)
{
    uint64_t c;

    /* Linux's periodic set-up in 32-bit accesses: SETVAL with the first comparator, then
     * the period. */
    hpet_write32(0x010, 0);
    hpet_write32(0x0f0, 0);
    hpet_write32(0x0f4, 0);
    hpet_write32(0x010, 3);
    ioapic_write(0x10 + 2 * 2, 0x10020);
    hpet_write32(0x100, (1u << 2) | (1u << 3) | (1u << 6) | (1u << 8));
    hpet_write32(0x108, hpet_read32(0x0f0) + 500);
    hpet_write32(0x108, 500);
    CHECK(!(hpet_read32(0x100) & (1u << 6)), "VAL_SET clears itself");
    rec.rises[0] = 0;
    clock_step(50000 + 5);
    CHECK(rec.rises[0] == 10, "32-bit periodic timer 0: 10 in 50 us, got %d", rec.rises[0]);
    hpet_write32(0x100, 0);

    /* Legacy replacement cuts the PIT's IRQ0 and the RTC's IRQ8 off; leaving it gives the
     * lines back. */
    irq_raise(&b.isa_irq[0]);
    CHECK(rec.level[0] == 0, "legacy mode: the PIT output does not reach IRQ0");
    hpet_write32(0x010, 1);
    CHECK(rec.level[0] == 1, "legacy mode off: IRQ0 follows the PIT again");
    irq_lower(&b.isa_irq[0]);
    CHECK(rec.level[0] == 0, "and drops with it");
    hpet_write32(0x010, 3);
    irq_raise(&b.isa_irq[8]);
    CHECK(rec.level[8] == 0, "legacy mode: the RTC output does not reach IRQ8");
    irq_lower(&b.isa_irq[8]);
    /* Timer 1 -> IRQ8 in legacy mode. */
    rec.rises[8] = 0;
    hpet_write32(0x120, 1u << 2);
    hpet_write32(0x128, hpet_read32(0x0f0) + 200);
    clock_step(2000 + 5);
    CHECK(rec.rises[8] == 1, "timer 1 one-shot on IRQ8, got %d", rec.rises[8]);
    hpet_write32(0x120, 0);
    CHECK(!(hpet_read(0x120) & (1u << 3)) && !(hpet_read(0x120) & (1u << 4)),
          "timer 1: no periodic capability");

    /* The 64-bit main counter read as halves, while halted. */
    hpet_write32(0x010, 0);
    hpet_write(0x0f0, 0x123456789abcdef0ull);
    c = (uint64_t)hpet_read32(0x0f4) << 32 | hpet_read32(0x0f0);
    CHECK(c == 0x123456789abcdef0ull, "halves of the halted counter: %016llx",
          (unsigned long long)c);
    /* A 32-bit comparator match after the counter's low half wraps. */
    hpet_write(0x0f0, 0xfffffff0ull);
    hpet_write32(0x010, 1);
    ioapic_write(0x10 + 2 * 21 + 1, 0);
    ioapic_write(0x10 + 2 * 21, 0x45);
    hpet_write32(0x140, (1u << 2) | (21u << 9));
    hpet_write32(0x148, 0x10);
    clock_step(310);
    CHECK(!intr[0], "timer 2: not before the wrap");
    clock_step(20);
    CHECK(intr[0] && take(0) == 0x45, "timer 2 matches after the 32-bit wrap");
    eoi(0);
    hpet_write32(0x140, 0);
    hpet_write32(0x010, 0);
    ioapic_write(0x10 + 2 * 21, 0x10000);
}

static uint64_t msr_read(int cpu, uint32_t msr)
{
    uint64_t v = 0;

    CHECK(apic_msr_read(apic, cpu, msr, &v), "MSR %x readable", msr);
    return v;
}

/* TSC-deadline mode (the TSC is the virtual clock in ns here: no tsc hook). */
static void test_tsc_deadline(void)
{
    int64_t t0;

    lw(0, 0xf0, 0x1ff);
    lw(0, 0x80, 0);
    lw(0, 0x320, (2u << 17) | 0x31);
    lw(0, 0x380, 1000);
    CHECK(lr(0, 0x380) == 0, "TSC-deadline: initial count writes are ignored");
    CHECK(lr(0, 0x390) == 0, "TSC-deadline: current count reads 0");
    t0 = vclock_ns();
    CHECK(apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, (uint64_t)t0 + 5000), "arm");
    CHECK(msr_read(0, MSR_IA32_TSC_DEADLINE) == (uint64_t)t0 + 5000, "deadline reads back");
    clock_step(4999);
    CHECK(!intr[0], "TSC-deadline: nothing before the deadline");
    clock_step(1);
    CHECK(intr[0] && take(0) == 0x31, "TSC-deadline: vector 0x31 at the deadline");
    eoi(0);
    CHECK(msr_read(0, MSR_IA32_TSC_DEADLINE) == 0, "deadline cleared once it fired");
    clock_step(100000);
    CHECK(!intr[0], "TSC-deadline fires once");
    /* A deadline already past fires at once; zero disarms. */
    apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, 1);
    clock_step(0);
    CHECK(intr[0] && take(0) == 0x31, "past deadline fires at once");
    eoi(0);
    apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, (uint64_t)vclock_ns() + 100);
    apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, 0);
    clock_step(1000);
    CHECK(!intr[0], "writing 0 disarms");
    /* Leaving TSC-deadline mode disarms a pending deadline. */
    apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, (uint64_t)vclock_ns() + 100);
    lw(0, 0x320, 0x31);
    clock_step(1000);
    CHECK(!intr[0], "switching to one-shot disarms the deadline");
    CHECK(msr_read(0, MSR_IA32_TSC_DEADLINE) == 0, "the MSR reads 0 outside TSC-deadline mode");
    apic_msr_write(apic, 0, MSR_IA32_TSC_DEADLINE, (uint64_t)vclock_ns() + 100);
    clock_step(1000);
    CHECK(!intr[0], "MSR writes are ignored outside TSC-deadline mode");

    /* Changing the divider keeps the current count. */
    lw(0, 0x3e0, 0xb); /* divide by 1 */
    lw(0, 0x380, 1000);
    t0 = vclock_ns();
    clock_step(400);
    CHECK(lr(0, 0x390) == 600, "600 left after 400 ns at /1, got %u", lr(0, 0x390));
    lw(0, 0x3e0, 0x0); /* divide by 2 */
    CHECK(lr(0, 0x390) == 600, "count kept across the divider change, got %u", lr(0, 0x390));
    clock_step(200);
    CHECK(lr(0, 0x390) == 500, "then one per 2 ns: 500, got %u", lr(0, 0x390));
    clock_step(t0 + 400 + 1200 - 1 - vclock_ns());
    CHECK(!intr[0], "not yet at 1599 ns");
    clock_step(1);
    CHECK(intr[0] && take(0) == 0x31, "fires at 400 + 600 * 2 ns");
    eoi(0);
    lw(0, 0x320, 0x10000);
}

static void test_lapic_misc(void)
{
    uint32_t v;

    lw(0, 0xf0, 0x1ff);
    lw(1, 0xf0, 0x1ff);
    lw(0, 0x80, 0);
    lw(1, 0x80, 0);

    /* Spurious: an INTA with nothing deliverable returns the SVR vector, no ISR bit. */
    CHECK(take(1) == 0xff && lr(1, 0x100 + 0x70) == 0, "spurious vector 0xff");

    /* APR (SDM 10.8.3.1): TPR only while its class exceeds the one in service. */
    lw(0, 0x300, 0x40052);
    CHECK(take(0) == 0x52, "0x52 in service");
    lw(0, 0x80, 0x55);
    CHECK(lr(0, 0x90) == 0x50, "APR with TPR 0x55 and ISR class 5: 0x50, got 0x%x",
          lr(0, 0x90));
    lw(0, 0x80, 0x65);
    CHECK(lr(0, 0x90) == 0x65, "APR with TPR 0x65 above: TPR, got 0x%x", lr(0, 0x90));
    lw(0, 0x80, 0x35);
    lw(0, 0x300, 0x40074);
    CHECK(lr(0, 0x90) == 0x70, "APR with IRR class 7 above TPR: 0x70, got 0x%x", lr(0, 0x90));
    CHECK(take(0) == 0x74, "0x74");
    eoi(0);
    eoi(0);
    lw(0, 0x80, 0);

    /* LINT1 as NMI: a rising edge. */
    events[0][APIC_EV_NMI] = events[1][APIC_EV_NMI] = 0;
    lw(1, 0x360, APIC_DM_NMI << 8);
    apic_set_lint1(apic, true);
    apic_set_lint1(apic, false);
    CHECK(events[1][APIC_EV_NMI] == 1 && events[0][APIC_EV_NMI] == 0,
          "LINT1 NMI on cpu 1 only (cpu 0's LINT1 masked)");

    /* LINT1 level-triggered fixed: remote IRR, and again after EOI while still high. */
    lw(1, 0x360, (1u << 15) | 0x70);
    apic_set_lint1(apic, true);
    v = lr(1, 0x360);
    CHECK(intr[1] && (v & (1u << 14)), "level LINT1: delivered, remote IRR set (0x%x)", v);
    CHECK(take(1) == 0x70, "vector 0x70");
    CHECK(!intr[1], "nothing more while remote IRR is set");
    eoi(1);
    CHECK(intr[1] && take(1) == 0x70, "still asserted: delivered again after EOI");
    apic_set_lint1(apic, false);
    eoi(1);
    CHECK(!intr[1] && !(lr(1, 0x360) & (1u << 14)), "deasserted: remote IRR clear, quiet");
    lw(1, 0x360, (1u << 16) | (1u << 15) | 0x70);
    apic_set_lint1(apic, true);
    CHECK(!intr[1], "masked level LINT1 not delivered");
    lw(1, 0x360, (1u << 15) | 0x70);
    CHECK(intr[1] && take(1) == 0x70, "unmasking an asserted level LINT1 delivers it");
    apic_set_lint1(apic, false);
    eoi(1);
    lw(1, 0x360, 0x10000);

    /* The TMR bit of a level vector survives its EOI (it follows the next acceptance). */
    CHECK(lr(1, 0x180 + 0x30) & (1u << 16), "TMR bit 0x70 still set after EOI");
    lw(0, 0x310, 1u << 24);
    lw(0, 0x300, 0x4070);
    CHECK(!(lr(1, 0x180 + 0x30) & (1u << 16)), "an edge 0x70 accepted clears it");
    take(1);
    eoi(1);

    /* Error LVT: an illegal register access interrupts and shows in ESR. */
    lw(0, 0x370, 0x3e);
    lw(0, 0x280, 0);
    (void)lr(0, 0x3f0);
    CHECK(intr[0] && take(0) == 0x3e, "error LVT vector 0x3e");
    eoi(0);
    lw(0, 0x280, 0);
    CHECK(lr(0, 0x280) == 0x80, "ESR illegal register address, got 0x%x", lr(0, 0x280));
    /* Receive illegal vector. */
    apic_bus_deliver(apic, 0, false, APIC_DM_FIXED, 0x05, false);
    CHECK(intr[0] && take(0) == 0x3e, "receive illegal vector raises the error LVT");
    eoi(0);
    lw(0, 0x280, 0);
    CHECK(lr(0, 0x280) == 0x40, "ESR receive illegal vector, got 0x%x", lr(0, 0x280));
    lw(0, 0x370, 0x10000);

    /* Lowest priority: the APIC with the lower priority takes it. */
    lw(0, 0xe0, 0xffffffffu);
    lw(1, 0xe0, 0xffffffffu);
    lw(0, 0xd0, 0x01000000u);
    lw(1, 0xd0, 0x02000000u);
    lw(0, 0x80, 0x20);
    lw(1, 0x80, 0x40);
    lw(0, 0x310, 0x03u << 24);
    lw(0, 0x300, 0x4941);
    CHECK(intr[0] && !intr[1], "lowest priority to cpu 0 (TPR 0x20 < 0x40)");
    take(0);
    eoi(0);
    lw(0, 0x80, 0x50);
    lw(0, 0x300, 0x4962);
    CHECK(intr[1] && !intr[0], "lowest priority to cpu 1 once cpu 0's TPR is higher");
    take(1);
    eoi(1);
    lw(0, 0x80, 0);
    lw(1, 0x80, 0);

    /* Shorthand all including self. */
    lw(1, 0x300, 0x84043);
    CHECK(intr[0] && intr[1], "all-including-self reaches both");
    CHECK(take(0) == 0x43 && take(1) == 0x43, "both take 0x43");
    eoi(0);
    eoi(1);

    /* Software disable: LVTs stay masked; interrupts in IRR wait. */
    lw(1, 0xf0, 0x0ff);
    lw(1, 0x350, 0x55);
    CHECK(lr(1, 0x350) & (1u << 16), "software-disabled: LVT writes keep the mask");
    lw(1, 0xf0, 0x1ff);
    lw(1, 0x350, 0x10000);

    /* IA32_APIC_BASE: relocation, then hardware disable (the 8259 reaches the BSP
     * directly; the window is gone). */
    CHECK(apic_msr_write(apic, 0, MSR_IA32_APIC_BASE, 0xfee10000u | (1u << 11)), "move");
    cur_cpu = 0;
    CHECK(mem_read(b.mem, 0xfee10000u + 0x20, 4) == 0, "cpu 0's APIC at 0xfee10000 (ID 0)");
    CHECK(mem_read(b.mem, 0xfee10000u + 0x30, 4) == 0x00050014u, "version at the new base");
    CHECK(!apic_msr_write(apic, 0, MSR_IA32_APIC_BASE, 0xfee00000u | (1u << 11) | (1u << 10)),
          "x2APIC enable is refused (#GP)");
    CHECK(apic_msr_write(apic, 0, MSR_IA32_APIC_BASE, 0xfee00000u), "hardware disable");
    CHECK(!apic_hw_enabled(apic, 0) && msr_read(0, MSR_IA32_APIC_BASE) == 0xfee00100u,
          "disabled, BSP bit kept");
    apic_set_pic_intr(apic, true);
    CHECK(intr[0], "disabled APIC: the 8259 INTR is the BSP's INTR pin");
    CHECK(take(0) == 0x08, "INTA goes to the 8259");
    apic_set_pic_intr(apic, false);
    CHECK(!intr[0], "and follows it down");
    lw(1, 0x310, 0);
    lw(1, 0x300, 0x4044);
    CHECK(!intr[0], "a disabled APIC takes no IPI");
    CHECK(apic_msr_write(apic, 0, MSR_IA32_APIC_BASE, 0xfee00000u | (1u << 11)), "re-enable");
    CHECK(!(lr(0, 0xf0) & 0x100) && (lr(0, 0x320) & (1u << 16)),
          "re-enabled in the power-up state: software disabled, LVTs masked");
    lw(0, 0xf0, 0x1ff);
}

int main(void)
{
    ApicHooks hooks = {
        .set_intr = h_set_intr,
        .event = h_event,
        .pic_ack = h_pic_ack,
        .current_cpu = h_current,
    };

    vclock_init(-1);
    board_init(&b);
    b.smp = 2;
    board_wire_recorder(&b, &rec);
    apic = board_add_device(&b, &apic_device, 0);
    apic_connect(apic, &hooks);
    board_add_device(&b, &ioapic_device, 0);
    board_add_device(&b, &hpet_device, 0);

    CHECK(lr(0, 0x30) == 0x00050014u, "version 0x14 with 6 LVT entries: 0x%x", lr(0, 0x30));
    /* Reset state: the BSP's LINT0 passes the 8259 (virtual wire), the AP's is masked. */
    apic_set_pic_intr(apic, true);
    CHECK(intr[0] && !intr[1], "8259 INTR reaches the BSP through LINT0 ExtINT");
    CHECK(take(0) == 0x08, "ExtINT acknowledge asks the 8259");
    apic_set_pic_intr(apic, false);
    CHECK(!intr[0], "LINT0 level follows the 8259");

    test_timer();
    test_priority();
    test_ipi();
    test_ioapic();
    test_hpet();
    test_tsc_deadline();
    test_lapic_misc();
    test_ioapic_more();
    test_hpet_more();
    board_teardown(&b);
    return tests_finish();
}
