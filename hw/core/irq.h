/*
 * An interrupt line: a device drives it with irq_set(); the receiver (PIC, CPU pin)
 * sees set(opaque, n, level). An unconnected line (set == NULL) ignores everything.
 */
#ifndef X86PC_HW_CORE_IRQ_H
#define X86PC_HW_CORE_IRQ_H

#include "util/common.h"

typedef struct IRQ {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
} IRQ;

static inline void irq_set(const IRQ *irq, int level)
{
    if (irq->set) {
        irq->set(irq->opaque, irq->n, level);
    }
}

static inline void irq_raise(const IRQ *irq)
{
    irq_set(irq, 1);
}

static inline void irq_lower(const IRQ *irq)
{
    irq_set(irq, 0);
}

/* Edge for edge-triggered receivers: a 0 -> 1 -> 0 pulse. */
static inline void irq_pulse(const IRQ *irq)
{
    irq_set(irq, 1);
    irq_set(irq, 0);
}

#endif
