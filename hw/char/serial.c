/*
 * 16550A UART (COM1-COM4): 16-byte receive and transmit FIFOs, all registers, the four
 * interrupt sources with the datasheet priorities, loopback, and character timing on the
 * virtual clock, so that LSR.THRE/TEMT and THRE interrupts happen at the same virtual
 * times under -icount.
 *
 * Deviations from the chip, on purpose:
 *  - The line runs UART_LINE_SPEEDUP (100) times faster than the divisor says: a character
 *    takes bits x divisor / (115200 Hz x 100), 10.4 us at 9600 baud 8N1. The divisor still
 *    reads back and scales the timing, so relative speeds stay, but a guest's console
 *    output (Linux prints to ttyS0 at 9600 baud unless told otherwise) drains about as
 *    fast as on QEMU, whose UART sends at once, instead of costing a real millisecond per
 *    character; and what a program writes just before it powers the machine off is on the
 *    wire before the power goes (at 9600 baud it would still be queued in the guest).
 *  - A byte written to THR reaches the chardev at once (the host wire is infinitely
 *    fast); only the guest-visible transmitter state follows the baud rate. A write to a
 *    full transmit FIFO is logged (LOG_GUEST_ERRORS) but the byte is still sent.
 *  - Received bytes are taken from the chardev only when the receive FIFO has room, so
 *    host input never overruns; overrun (LSR.OE) happens only in loopback.
 *  - Parity, framing and break errors never occur (no physical line).
 *  - As on a PC board, the IRQ line is driven only while MCR.OUT2 is set.
 */
#include "hw/devices.h"
#include "util/log.h"

#define UART_FIFO_SIZE 16
#define UART_CLOCK_HZ 115200 /* 1.8432 MHz / 16 */
#define UART_LINE_SPEEDUP 100 /* see the deviations above */

/* IER */
#define UART_IER_RDI 0x01  /* received data available */
#define UART_IER_THRI 0x02 /* transmitter holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI 0x08  /* modem status */
/* IIR */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_CTI 0x0c  /* character timeout */
#define UART_IIR_FIFO 0xc0 /* FIFOs enabled */
/* FCR */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER 0xc0
/* LCR */
#define UART_LCR_WLEN 0x03
#define UART_LCR_STOP 0x04
#define UART_LCR_PARITY 0x08
#define UART_LCR_DLAB 0x80
/* MCR */
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
/* LSR */
#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_FIFOERR 0x80
#define UART_LSR_INT_ANY (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)
/* MSR */
#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80
#define UART_MSR_DELTA 0x0f

static const uint16_t serial_ports[4] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
static const int serial_irqs[4] = {4, 3, 4, 3};

typedef struct SerialState {
    Board *board;
    int index;
    Chardev *chr;
    IRQ irq;
    Timer *tx_timer;      /* end of the character in the transmit shift register */
    Timer *timeout_timer; /* receive FIFO character timeout */

    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint8_t tx_count;     /* bytes waiting in THR / transmit FIFO */
    bool tsr_busy;        /* a character is being shifted out */
    bool thr_ipending;    /* THRE interrupt latched (cleared by IIR read or THR write) */
    bool timeout_ipending;
    uint8_t irq_level;
} SerialState;

static int64_t serial_char_ns(SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & UART_LCR_WLEN) + ((s->lcr & UART_LCR_PARITY) ? 1 : 0) +
                    ((s->lcr & UART_LCR_STOP) ? 2 : 1);
    uint32_t div = s->divisor ? s->divisor : 65536;

    return (int64_t)bits * div * NS_PER_SEC / ((int64_t)UART_CLOCK_HZ * UART_LINE_SPEEDUP);
}

static bool fifo_enabled(SerialState *s)
{
    return (s->fcr & UART_FCR_ENABLE) != 0;
}

static unsigned rx_trigger(SerialState *s)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};

    return fifo_enabled(s) ? levels[s->fcr >> 6] : 1;
}

/* The interrupt source with the highest priority, as IIR reports it. */
static uint8_t serial_iir_id(SerialState *s)
{
    if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_INT_ANY)) {
        return UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        return UART_IIR_CTI;
    }
    if ((s->ier & UART_IER_RDI) && s->rx_count >= rx_trigger(s)) {
        return UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTA)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    uint8_t level = serial_iir_id(s) != UART_IIR_NO_INT && (s->mcr & UART_MCR_OUT2);

    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

static void serial_update_lsr_tx(SerialState *s)
{
    s->lsr &= (uint8_t)~(UART_LSR_THRE | UART_LSR_TEMT);
    if (s->tx_count == 0) {
        s->lsr |= UART_LSR_THRE;
        if (!s->tsr_busy) {
            s->lsr |= UART_LSR_TEMT;
        }
    }
}

static void serial_arm_timeout(SerialState *s)
{
    s->timeout_ipending = false;
    if (fifo_enabled(s) && s->rx_count > 0) {
        timer_mod(s->timeout_timer, vclock_ns() + 4 * serial_char_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_receive_byte(SerialState *s, uint8_t c)
{
    unsigned cap = fifo_enabled(s) ? UART_FIFO_SIZE : 1;

    if (s->rx_count >= cap) {
        s->lsr |= UART_LSR_OE;
        log_mask_printf(LOG_GUEST_ERRORS, "serial%d: receiver overrun\n", s->index);
    } else {
        s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = c;
        s->rx_count++;
    }
    s->lsr |= UART_LSR_DR;
    serial_arm_timeout(s);
}

static void serial_tx_start(SerialState *s)
{
    s->tsr_busy = true;
    timer_mod(s->tx_timer, vclock_ns() + serial_char_ns(s));
}

static void serial_tx_done(void *opaque)
{
    SerialState *s = opaque;

    if (s->tx_count > 0) {
        /* The next byte moves from THR/FIFO into the shift register. */
        s->tx_count--;
        if (s->tx_count == 0) {
            s->thr_ipending = true;
        }
        serial_tx_start(s);
    } else {
        s->tsr_busy = false;
    }
    serial_update_lsr_tx(s);
    serial_update_irq(s);
}

static void serial_timeout(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx_count > 0) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_write_thr(SerialState *s, uint8_t c)
{
    unsigned cap = fifo_enabled(s) ? UART_FIFO_SIZE : 1;

    if (s->mcr & UART_MCR_LOOP) {
        serial_receive_byte(s, c);
    } else if (s->chr) {
        chr_write(s->chr, &c, 1);
    }
    s->thr_ipending = false;
    if (!s->tsr_busy) {
        /* THR -> TSR at once: the holding register is empty again. */
        s->thr_ipending = true;
        serial_tx_start(s);
    } else if (s->tx_count < cap) {
        s->tx_count++;
    } else {
        log_mask_printf(LOG_GUEST_ERRORS, "serial%d: write to full transmit FIFO\n", s->index);
    }
    serial_update_lsr_tx(s);
    serial_update_irq(s);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t c = 0;

    if (s->rx_count > 0) {
        c = s->rx_fifo[s->rx_head];
        s->rx_head = (uint8_t)((s->rx_head + 1) % UART_FIFO_SIZE);
        s->rx_count--;
    }
    if (s->rx_count == 0) {
        s->lsr &= (uint8_t)~(UART_LSR_DR | UART_LSR_FIFOERR);
    }
    serial_arm_timeout(s);
    serial_update_irq(s);
    return c;
}

/* Modem status inputs: with a backend, the "other end" asserts CTS, DSR and DCD. */
static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr, status;

    if (s->mcr & UART_MCR_LOOP) {
        status = (uint8_t)(((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
                           ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
                           ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
                           ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
    } else {
        status = s->chr ? (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD) : 0;
    }
    s->msr = (uint8_t)((old & UART_MSR_DELTA) | status);
    if ((old ^ status) & UART_MSR_CTS) {
        s->msr |= UART_MSR_DCTS;
    }
    if ((old ^ status) & UART_MSR_DSR) {
        s->msr |= UART_MSR_DDSR;
    }
    if ((old ^ status) & UART_MSR_DCD) {
        s->msr |= UART_MSR_DDCD;
    }
    if ((old & UART_MSR_RI) && !(status & UART_MSR_RI)) {
        s->msr |= UART_MSR_TERI; /* trailing edge of ring indicator */
    }
}

static uint32_t serial_read(void *opaque, uint16_t port, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v;

    switch (port & 7) {
    case 0:
        return (s->lcr & UART_LCR_DLAB) ? (s->divisor & 0xff) : serial_read_rbr(s);
    case 1:
        return (s->lcr & UART_LCR_DLAB) ? (s->divisor >> 8) : s->ier;
    case 2:
        v = serial_iir_id(s);
        if (v == UART_IIR_THRI) {
            s->thr_ipending = false; /* reading IIR with THRE as the source clears it */
            serial_update_irq(s);
        }
        return v | (fifo_enabled(s) ? UART_IIR_FIFO : 0);
    case 3:
        return s->lcr;
    case 4:
        return s->mcr;
    case 5:
        v = s->lsr;
        s->lsr &= (uint8_t)~(UART_LSR_INT_ANY);
        serial_update_irq(s);
        return v;
    case 6:
        v = s->msr;
        s->msr &= (uint8_t)~UART_MSR_DELTA;
        serial_update_irq(s);
        return v;
    default:
        return s->scr;
    }
}

static void serial_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = (uint8_t)val;

    switch (port & 7) {
    case 0:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
        } else {
            serial_write_thr(s, v);
        }
        break;
    case 1:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (v << 8));
        } else {
            uint8_t old = s->ier;

            s->ier = v & 0x0f;
            if (!(old & UART_IER_THRI) && (s->ier & UART_IER_THRI) &&
                (s->lsr & UART_LSR_THRE)) {
                /* Enabling THRE interrupts with an empty THR raises one at once. */
                s->thr_ipending = true;
            }
            serial_update_irq(s);
        }
        break;
    case 2:
        if ((v ^ s->fcr) & UART_FCR_ENABLE) {
            /* Switching FIFO mode on or off resets both FIFOs. */
            v |= UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX;
        }
        if (v & UART_FCR_CLEAR_RX) {
            s->rx_count = 0;
            s->rx_head = 0;
            s->lsr &= (uint8_t)~(UART_LSR_DR | UART_LSR_FIFOERR);
            s->timeout_ipending = false;
            timer_del(s->timeout_timer);
        }
        if (v & UART_FCR_CLEAR_TX) {
            s->tx_count = 0;
            s->thr_ipending = true;
            serial_update_lsr_tx(s);
        }
        if (v & UART_FCR_DMA) {
            log_mask_printf(LOG_UNIMP, "serial%d: FCR DMA mode ignored\n", s->index);
        }
        s->fcr = v & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
        serial_update_irq(s);
        break;
    case 3:
        if ((v & 0x40) && !(s->lcr & 0x40)) {
            log_mask_printf(LOG_UNIMP, "serial%d: break condition not transmitted\n", s->index);
        }
        s->lcr = v;
        break;
    case 4:
        s->mcr = v & 0x1f;
        serial_update_msr(s);
        serial_update_irq(s);
        break;
    case 5:
        log_mask_printf(LOG_GUEST_ERRORS, "serial%d: write to LSR ignored\n", s->index);
        break;
    case 6:
        log_mask_printf(LOG_GUEST_ERRORS, "serial%d: write to MSR ignored\n", s->index);
        break;
    default:
        s->scr = v;
        break;
    }
}

static const IOPortOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
};

/* Main-loop poll: take host input while the receiver has room. */
static void serial_poll(void *opaque)
{
    SerialState *s = opaque;
    uint8_t buf[UART_FIFO_SIZE];
    unsigned cap = fifo_enabled(s) ? UART_FIFO_SIZE : 1;
    size_t n;

    if (!s->chr || (s->mcr & UART_MCR_LOOP) || s->rx_count >= cap) {
        return;
    }
    n = chr_read(s->chr, buf, cap - s->rx_count);
    for (size_t i = 0; i < n; i++) {
        serial_receive_byte(s, buf[i]);
    }
    if (n) {
        serial_update_irq(s);
    }
}

static void serial_reset(void *opaque)
{
    SerialState *s = opaque;

    s->divisor = 12; /* 9600 baud */
    s->ier = 0;
    s->lcr = 0x03;
    s->mcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = 0;
    s->scr = 0;
    s->fcr = 0;
    s->rx_head = s->rx_count = 0;
    s->tx_count = 0;
    s->tsr_busy = false;
    s->thr_ipending = false;
    s->timeout_ipending = false;
    timer_del(s->tx_timer);
    timer_del(s->timeout_timer);
    serial_update_msr(s);
    s->msr &= (uint8_t)~UART_MSR_DELTA;
    s->irq_level = 0;
    irq_lower(&s->irq);
}

static void *serial_init(Board *b, int instance)
{
    SerialState *s = xzalloc(sizeof(*s));

    if (instance < 0 || instance > 3) {
        fatal("serial: no COM%d", instance + 1);
    }
    s->board = b;
    s->index = instance;
    s->chr = b->serial_chr[instance];
    s->irq = b->isa_irq[serial_irqs[instance]];
    s->tx_timer = timer_new(serial_tx_done, s);
    s->timeout_timer = timer_new(serial_timeout, s);
    io_register(b->io, serial_ports[instance], 8, &serial_ops, s);
    board_add_poll(b, serial_poll, s);
    serial_reset(s);
    return s;
}

/* The chardev belongs to the board's creator. */
static void serial_finalize(void *opaque)
{
    SerialState *s = opaque;

    timer_free(s->tx_timer);
    timer_free(s->timeout_timer);
}

static bool serial_info(void *opaque, const char *what, FILE *out)
{
    SerialState *s = opaque;

    if (strcmp(what, "serial") != 0 && strcmp(what, "chardev") != 0) {
        return false;
    }
    fprintf(out, "COM%d at 0x%03x irq %d: %u baud, lcr=%02x ier=%02x mcr=%02x lsr=%02x "
            "msr=%02x fcr=%02x rx=%u tx=%u%s\n", s->index + 1, serial_ports[s->index],
            serial_irqs[s->index], (unsigned)(UART_CLOCK_HZ / (s->divisor ? s->divisor : 65536)),
            s->lcr, s->ier, s->mcr, s->lsr, s->msr, s->fcr, s->rx_count, s->tx_count,
            s->chr ? "" : " (no backend)");
    return true;
}

static const VMStateField serial_fields[] = {
    VMS_U16(SerialState, divisor),
    VMS_U8(SerialState, ier),
    VMS_U8(SerialState, lcr),
    VMS_U8(SerialState, mcr),
    VMS_U8(SerialState, lsr),
    VMS_U8(SerialState, msr),
    VMS_U8(SerialState, scr),
    VMS_U8(SerialState, fcr),
    VMS_U8_ARRAY(SerialState, rx_fifo),
    VMS_U8(SerialState, rx_head),
    VMS_U8(SerialState, rx_count),
    VMS_U8(SerialState, tx_count),
    VMS_BOOL(SerialState, tsr_busy),
    VMS_BOOL(SerialState, thr_ipending),
    VMS_BOOL(SerialState, timeout_ipending),
    VMS_TIMER(SerialState, tx_timer),
    VMS_TIMER(SerialState, timeout_timer),
    VMS_END,
};

static int serial_post_load(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > UART_FIFO_SIZE ||
        s->tx_count > UART_FIFO_SIZE) {
        return -1;
    }
    s->irq_level = 0xff; /* force the line to be driven again */
    serial_update_irq(s);
    return 0;
}

static const VMStateDesc serial_vmsd = {
    .name = "serial",
    .version = 1,
    .fields = serial_fields,
    .post_load = serial_post_load,
};

const DeviceInfo serial_device = {
    .name = "serial",
    .init = serial_init,
    .reset = serial_reset,
    .vmsd = &serial_vmsd,
    .info = serial_info,
    .finalize = serial_finalize,
};
