/*
 * The local APICs (one per vCPU, hw/intc/apic.c), the I/O APIC (hw/intc/ioapic.c) and the
 * APIC bus between them, plus the HPET (hw/timer/hpet.c).
 *
 * The "apic" device (instance 0) holds the local APICs of all board->smp CPUs. Devices never
 * see the CPUs: the board creator (hw/pc.c) connects them with apic_connect(), and device
 * tests connect recorders instead.
 *
 * Interrupt wiring of the PC (the ACPI MADT/DSDT of hw/acpi/ describes the same):
 *   - the 8259 INTR output -> LINT0 of every local APIC and I/O APIC pin 0 (ExtINT);
 *     a local APIC disabled in IA32_APIC_BASE passes LINT0 to the BSP's INTR pin as if
 *     there were no APIC (the PC/AT wiring).
 *   - ISA IRQ n -> 8259 IRQ n and I/O APIC pin n, except IRQ0 -> pin 2 (MADT interrupt
 *     source override IRQ0 -> GSI 2; pin 0 carries the 8259 INTR). ISA IRQ2 is the cascade.
 *   - PCI: PIIX3 PIRQA..D -> I/O APIC pins 16..19 (GSI 16-19, level, active low).
 *   - HPET timers not in legacy replacement mode may use pins 20..23 (Tn_INT_ROUTE_CAP).
 *   - LINT1 of every local APIC: NMI (nothing drives it yet but apic_set_lint1()).
 */
#ifndef X86PC_HW_INTC_APIC_H
#define X86PC_HW_INTC_APIC_H

#include "hw/core/device.h"

#define APIC_DEFAULT_BASE 0xfee00000u
#define IOAPIC_BASE 0xfec00000u
#define HPET_BASE 0xfed00000u
/* The I/O APIC's ID: the first ID after the local APICs (IDs 0..smp-1), as the MADT says. */
#define IOAPIC_ID(nb_cpus) ((nb_cpus) & 0x0f)
#define IOAPIC_NUM_PINS 24
#define IOAPIC_PIRQ_FIRST_GSI 16 /* PIRQA..D -> GSI 16..19 */
#define IOAPIC_HPET_FIRST_GSI 20 /* HPET routable pins 20..23 */
#define APIC_MAX_CPUS 16

#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0

/* Delivery modes (ICR, LVT, I/O APIC redirection entries). */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* Non-maskable events a local APIC sends to its CPU. */
typedef enum ApicEvent { APIC_EV_NMI, APIC_EV_SMI, APIC_EV_INIT, APIC_EV_SIPI } ApicEvent;

/* How the local APICs reach the CPUs; set by the board creator. */
typedef struct ApicHooks {
    /* Drive the INTR pin of CPU cpu (interrupt pending for intr_ack). */
    void (*set_intr)(void *opaque, int cpu, bool level);
    /* NMI, SMI, INIT or Start-Up (vector: the SIPI page) to CPU cpu. */
    void (*event)(void *opaque, int cpu, ApicEvent ev, uint8_t vector);
    /* INTA cycle of the 8259 for an ExtINT interrupt. */
    int (*pic_ack)(void *opaque);
    /* Index of the CPU performing the current MMIO access (0 if NULL). */
    int (*current_cpu)(void *opaque);
    /* TSC of CPU cpu at virtual time now_ns, for the TSC-deadline timer (NULL: 1 GHz from 0). */
    uint64_t (*tsc)(void *opaque, int cpu, int64_t now_ns);
    void *opaque;
} ApicHooks;

struct ApicState;
struct IOAPICState;

extern const DeviceInfo apic_device;   /* instance 0: all local APICs (board->smp) */
extern const DeviceInfo ioapic_device; /* needs the apic device; splits the ISA IRQ lines */
extern const DeviceInfo hpet_device;   /* needs the ioapic device; gates ISA IRQ0 and IRQ8 */

void apic_connect(struct ApicState *s, const ApicHooks *hooks);
/* The 8259's INTR output. */
void apic_set_pic_intr(struct ApicState *s, bool level);
/* A performance-counter overflow of cpu's processor (its LVT perf entry). */
void apic_perf_interrupt(struct ApicState *s, int cpu);
/* LINT1 input of every local APIC (the NMI line of the board). */
void apic_set_lint1(struct ApicState *s, bool level);
/* INTA from CPU cpu: the vector to take (a fixed interrupt, an ExtINT from the 8259, or the
 * spurious vector). Only valid while the APIC holds that CPU's INTR pin. */
int apic_intr_ack(struct ApicState *s, int cpu);
/* IA32_APIC_BASE and IA32_TSC_DEADLINE of CPU cpu; false for other MSRs (-> #GP). */
bool apic_msr_read(struct ApicState *s, int cpu, uint32_t msr, uint64_t *val);
bool apic_msr_write(struct ApicState *s, int cpu, uint32_t msr, uint64_t val);
/* True if the local APIC of cpu is enabled in IA32_APIC_BASE (else LINT0 is the INTR pin). */
bool apic_hw_enabled(struct ApicState *s, int cpu);

/* ---- the APIC bus (used by the I/O APIC and the HPET's FSB, which is not implemented) ---- */

/* An interrupt message: deliver to the local APICs selected by dest/dest_logical. */
void apic_bus_deliver(struct ApicState *s, uint8_t dest, bool dest_logical, int delivery_mode,
                      uint8_t vector, bool level_trig);
/* Called for every EOI of a level-triggered vector (EOI broadcast to the I/O APICs). */
void apic_set_eoi_listener(struct ApicState *s, void (*eoi)(void *opaque, uint8_t vector),
                           void *opaque);

/* ---- I/O APIC ---- */

/* Level of input pin (GSI) 0..23: 1 = asserted, whatever the electrical polarity. */
void ioapic_set_gsi(struct IOAPICState *s, int gsi, int level);
/* An IRQ line driving pin gsi. */
IRQ ioapic_gsi_irq(struct IOAPICState *s, int gsi);

#endif
