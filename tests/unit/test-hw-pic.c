/*
 * 8259A pair: initialisation, masking, priorities and EOI, rotation, automatic EOI,
 * poll mode, special mask mode, cascade, level triggering through ELCR, spurious IRQs.
 * The CPU side is a recorder on the INTR line plus pic_intr_ack() as the INTA cycle.
 */
#include "hw-test.h"

static int intr_level;

static void intr_set(void *opaque, int n, int level)
{
    intr_level = level;
}

static Board b;
static struct PICState *pic;

static void pic_init_pair(uint8_t icw4)
{
    outb(&b, 0x20, 0x11);  /* ICW1: edge, cascade, ICW4 */
    outb(&b, 0x21, 0x08);  /* ICW2: vectors 0x08-0x0f */
    outb(&b, 0x21, 0x04);  /* ICW3: slave on IR2 */
    outb(&b, 0x21, icw4);
    outb(&b, 0xa0, 0x11);
    outb(&b, 0xa1, 0x70);
    outb(&b, 0xa1, 0x02);
    outb(&b, 0xa1, icw4);
    outb(&b, 0x21, 0x00);  /* unmask all */
    outb(&b, 0xa1, 0x00);
}

static void raise(int n)
{
    irq_set(&b.isa_irq[n], 1);
}

static void lower(int n)
{
    irq_set(&b.isa_irq[n], 0);
}

static void pulse(int n)
{
    raise(n);
    lower(n);
}

int main(void)
{
    int v;

    vclock_init(-1);
    board_init(&b);
    b.cpu_intr = (IRQ){intr_set, NULL, 0};
    board_add_device(&b, &i8259_device, 0);
    pic = b.pic;
    pic_init_pair(0x01);

    /* Basic request, ack, EOI. */
    CHECK(intr_level == 0, "no request after init");
    pulse(1);
    CHECK(intr_level == 1, "IRQ1 raises INTR");
    CHECK(inb(&b, 0x20) == 0x02, "IRR shows IRQ1");
    v = pic_intr_ack(pic);
    CHECK(v == 0x09, "IRQ1 -> vector 0x09, got %#x", v);
    CHECK(intr_level == 0, "INTR drops after ack");
    outb(&b, 0x20, 0x0b); /* OCW3: read ISR */
    CHECK(inb(&b, 0x20) == 0x02, "ISR bit 1 set");
    outb(&b, 0x20, 0x20); /* non-specific EOI */
    CHECK(inb(&b, 0x20) == 0x00, "ISR clear after EOI");
    outb(&b, 0x20, 0x0a); /* back to IRR */

    /* Masking. */
    outb(&b, 0x21, 0x02);
    pulse(1);
    CHECK(intr_level == 0, "masked IRQ1 does not raise INTR");
    CHECK(inb(&b, 0x21) == 0x02, "IMR reads back");
    outb(&b, 0x21, 0x00);
    CHECK(intr_level == 1, "unmasking delivers the latched request");
    CHECK(pic_intr_ack(pic) == 0x09, "latched IRQ1");
    outb(&b, 0x20, 0x20);

    /* Priority: lower IR number first; a lower-priority request waits for EOI. */
    pulse(3);
    pulse(1);
    CHECK(pic_intr_ack(pic) == 0x09, "IRQ1 before IRQ3");
    CHECK(intr_level == 0, "IRQ3 blocked while IRQ1 in service");
    pulse(0);
    CHECK(intr_level == 1, "IRQ0 preempts IRQ1 in service");
    CHECK(pic_intr_ack(pic) == 0x08, "IRQ0 vector");
    outb(&b, 0x20, 0x20); /* EOI IRQ0 (highest in service) */
    CHECK(intr_level == 0, "IRQ1 still in service");
    outb(&b, 0x20, 0x61); /* specific EOI IRQ1 */
    CHECK(intr_level == 1 && pic_intr_ack(pic) == 0x0b, "IRQ3 after EOI");
    outb(&b, 0x20, 0x63);

    /* Rotation: set priority makes IR3 lowest, so IR4 is highest. */
    outb(&b, 0x20, 0xc3);
    pulse(1);
    pulse(5);
    CHECK(pic_intr_ack(pic) == 0x0d, "IRQ5 before IRQ1 after rotation");
    outb(&b, 0x20, 0x20);
    CHECK(pic_intr_ack(pic) == 0x09, "then IRQ1");
    outb(&b, 0x20, 0x20);
    outb(&b, 0x20, 0xc7); /* restore: IR7 lowest */

    /* Rotate on non-specific EOI: the serviced IR becomes lowest. */
    pulse(2 + 0); /* IR2 is the cascade input: ignored from outside */
    CHECK(intr_level == 0, "IR2 of the master is not an external input");
    pulse(0);
    CHECK(pic_intr_ack(pic) == 0x08, "IRQ0");
    outb(&b, 0x20, 0xa0); /* rotate on non-specific EOI */
    pulse(0);
    pulse(1);
    CHECK(pic_intr_ack(pic) == 0x09, "IRQ1 before IRQ0 after rotating IRQ0 to lowest");
    outb(&b, 0x20, 0x20);
    CHECK(pic_intr_ack(pic) == 0x08, "then IRQ0");
    outb(&b, 0x20, 0x20);
    outb(&b, 0x20, 0xc7);

    /* Cascade: IRQ10 arrives through IR2. */
    pulse(10);
    CHECK(intr_level == 1, "slave request reaches the CPU");
    CHECK(pic_intr_ack(pic) == 0x72, "IRQ10 -> 0x72");
    outb(&b, 0xa0, 0x0b);
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0xa0) == 0x04 && inb(&b, 0x20) == 0x04, "ISR on both chips");
    outb(&b, 0xa0, 0x20);
    outb(&b, 0x20, 0x20);
    CHECK(inb(&b, 0xa0) == 0 && inb(&b, 0x20) == 0, "EOI on both");
    outb(&b, 0xa0, 0x0a);
    outb(&b, 0x20, 0x0a);

    /* Poll mode. */
    pulse(4);
    outb(&b, 0x20, 0x0c);
    v = inb(&b, 0x20);
    CHECK(v == 0x84, "poll returns 0x80 | 4, got %#x", v);
    outb(&b, 0x20, 0x0c);
    CHECK(inb(&b, 0x20) == 0x00, "poll with IRQ4 in service and nothing else: 0");
    outb(&b, 0x20, 0x20);

    /* Level triggering through ELCR: IRQ9 stays pending while high. */
    outb(&b, 0x4d1, 0x02);
    CHECK(inb(&b, 0x4d1) == 0x02, "ELCR1 reads back");
    outb(&b, 0x4d0, 0x07);
    CHECK(inb(&b, 0x4d0) == 0x00, "IRQ0-2 cannot be level triggered");
    raise(9);
    CHECK(pic_intr_ack(pic) == 0x71, "IRQ9");
    outb(&b, 0xa0, 0x20);
    outb(&b, 0x20, 0x20);
    CHECK(intr_level == 1, "level IRQ9 still asserted after EOI");
    CHECK(pic_intr_ack(pic) == 0x71, "IRQ9 again");
    lower(9);
    outb(&b, 0xa0, 0x20);
    outb(&b, 0x20, 0x20);
    CHECK(intr_level == 0, "deasserted level IRQ9 is gone");

    /* Spurious: a level request that disappears before INTA gives IR7, ISR untouched. */
    outb(&b, 0x4d0, 0x20); /* IRQ5 level */
    raise(5);
    lower(5);
    CHECK(pic_intr_ack(pic) == 0x0f, "spurious IRQ7");
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0x20) == 0x00, "spurious IRQ7 sets no ISR bit");
    outb(&b, 0x20, 0x0a);
    outb(&b, 0x4d0, 0x00);
    outb(&b, 0x4d1, 0x00);

    /* Special mask mode: masking the in-service IR lets lower priorities through. */
    pulse(1);
    CHECK(pic_intr_ack(pic) == 0x09, "IRQ1 in service");
    pulse(6);
    CHECK(intr_level == 0, "IRQ6 blocked by IRQ1 in service");
    outb(&b, 0x21, 0x02);
    outb(&b, 0x20, 0x68); /* OCW3: set special mask */
    CHECK(intr_level == 1, "special mask mode allows IRQ6");
    CHECK(pic_intr_ack(pic) == 0x0e, "IRQ6 vector");
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0x20) == 0x42, "ISR: IRQ1 and IRQ6");
    outb(&b, 0x20, 0x20); /* non-specific EOI: skips the masked IRQ1 in special mask mode */
    CHECK(inb(&b, 0x20) == 0x02, "SMM non-specific EOI cleared IRQ6, not masked IRQ1: %02x",
          inb(&b, 0x20));
    outb(&b, 0x20, 0x0a);
    outb(&b, 0x20, 0x48); /* clear special mask */
    outb(&b, 0x20, 0x61);
    outb(&b, 0x21, 0x00);

    /* Rotate on specific EOI: the named IR becomes the lowest. */
    pulse(4);
    CHECK(pic_intr_ack(pic) == 0x0c, "IRQ4");
    outb(&b, 0x20, 0xe4); /* rotate on specific EOI 4: IR5 highest */
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0x20) == 0x00, "rotate on specific EOI clears ISR4");
    outb(&b, 0x20, 0x0a);
    pulse(3);
    pulse(6);
    CHECK(pic_intr_ack(pic) == 0x0e, "IRQ6 before IRQ3 once IR4 is lowest");
    outb(&b, 0x20, 0x20);
    CHECK(pic_intr_ack(pic) == 0x0b, "then IRQ3");
    outb(&b, 0x20, 0x20);
    outb(&b, 0x20, 0xc7);

    /* Poll through the cascade: the master's poll names IR2 and acknowledges it, then the
     * slave's poll names its IR. */
    pulse(12);
    outb(&b, 0x20, 0x0c);
    v = inb(&b, 0x20);
    CHECK(v == 0x82, "master poll: 0x80 | 2, got %#x", v);
    outb(&b, 0xa0, 0x0c);
    v = inb(&b, 0xa0);
    CHECK(v == 0x84, "slave poll: 0x80 | 4, got %#x", v);
    outb(&b, 0xa0, 0x0b);
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0xa0) == 0x10 && inb(&b, 0x20) == 0x04, "polls set ISR on both chips");
    outb(&b, 0xa0, 0x0a);
    outb(&b, 0x20, 0x0a);
    outb(&b, 0xa0, 0x20);
    outb(&b, 0x20, 0x20);
    CHECK(intr_level == 0, "nothing left after the polls");

    /* ELCR switched to level while the input is high: the request follows the input. */
    raise(5);
    CHECK(pic_intr_ack(pic) == 0x0d, "edge IRQ5");
    outb(&b, 0x20, 0x20);
    CHECK(intr_level == 0, "edge IRQ5 served once");
    outb(&b, 0x4d0, 0x20);
    CHECK(intr_level == 1, "switched to level while high: request again");
    lower(5);
    CHECK(intr_level == 0, "level request gone with the input");
    outb(&b, 0x4d0, 0x00);

    /* Special fully nested mode (master ICW4 bit 4): a higher slave request interrupts a
     * slave in service; a lower master request still waits for the slave's EOI. */
    for (int sfnm = 0; sfnm < 2; sfnm++) {
        outb(&b, 0x20, 0x11);
        outb(&b, 0x21, 0x08);
        outb(&b, 0x21, 0x04);
        outb(&b, 0x21, sfnm ? 0x11 : 0x01);
        outb(&b, 0x21, 0x00);
        pulse(10);
        CHECK(pic_intr_ack(pic) == 0x72, "IRQ10 in service (sfnm %d)", sfnm);
        pulse(9);
        CHECK(intr_level == sfnm, "higher slave IRQ9 during IRQ10: %s (sfnm %d)",
              sfnm ? "taken" : "blocked", sfnm);
        if (sfnm) {
            CHECK(pic_intr_ack(pic) == 0x71, "IRQ9 nested in IRQ10");
            pulse(5);
            CHECK(intr_level == 0, "SFNM: lower master IRQ5 still blocked by IR2 in service");
            pulse(1);
            CHECK(intr_level == 1 && pic_intr_ack(pic) == 0x09, "higher master IRQ1 taken");
            outb(&b, 0x20, 0x20);
            outb(&b, 0xa0, 0x20); /* IRQ9 */
            outb(&b, 0xa0, 0x20); /* IRQ10 */
            outb(&b, 0x20, 0x20); /* IR2 */
            CHECK(intr_level == 1 && pic_intr_ack(pic) == 0x0d, "IRQ5 after the slave's EOI");
            outb(&b, 0x20, 0x20);
        } else {
            outb(&b, 0xa0, 0x20);
            outb(&b, 0x20, 0x20);
            CHECK(pic_intr_ack(pic) == 0x71, "IRQ9 after IRQ10's EOI");
            outb(&b, 0xa0, 0x20);
            outb(&b, 0x20, 0x20);
        }
        CHECK(intr_level == 0, "idle after the SFNM case %d", sfnm);
    }

    /* ICW1 LTIM: every master input level triggered; an input already high at ICW1 is a
     * request at once, while an edge input already high needs a new edge. */
    raise(4);
    CHECK(pic_intr_ack(pic) == 0x0c, "edge IRQ4");
    outb(&b, 0x20, 0x20);
    outb(&b, 0x20, 0x19); /* ICW1: level, cascade, ICW4 */
    outb(&b, 0x21, 0x08);
    outb(&b, 0x21, 0x04);
    outb(&b, 0x21, 0x01);
    CHECK(intr_level == 1, "LTIM: the high IRQ4 input requests at once");
    CHECK(pic_intr_ack(pic) == 0x0c, "level IRQ4");
    outb(&b, 0x20, 0x20);
    CHECK(intr_level == 1, "still high: requested again after EOI");
    lower(4);
    CHECK(intr_level == 0, "LTIM: request drops with the input");
    raise(4);
    outb(&b, 0x20, 0x11); /* back to edge with the input high */
    outb(&b, 0x21, 0x08);
    outb(&b, 0x21, 0x04);
    outb(&b, 0x21, 0x01);
    CHECK(intr_level == 0, "edge mode after ICW1: a high input is no new request");
    lower(4);
    pulse(4);
    CHECK(intr_level == 1 && pic_intr_ack(pic) == 0x0c, "a new edge is");
    outb(&b, 0x20, 0x20);

    /* Single mode (ICW1 SNGL): no ICW3, the next data byte after ICW4 is OCW1. */
    outb(&b, 0x20, 0x13);
    outb(&b, 0x21, 0x20);
    outb(&b, 0x21, 0x01);
    outb(&b, 0x21, 0xa5);
    CHECK(inb(&b, 0x21) == 0xa5, "single mode: ICW2, ICW4, then IMR 0xa5, got %#x",
          inb(&b, 0x21));
    pulse(3);
    CHECK(pic_intr_ack(pic) == 0x23, "single mode vector base 0x20");
    outb(&b, 0x20, 0x20);
    pic_init_pair(0x01);

    /* Rotate in automatic EOI mode: each acknowledged IR becomes the lowest. */
    pic_init_pair(0x03);
    outb(&b, 0x20, 0x80); /* set rotate in AEOI */
    pulse(1);
    CHECK(pic_intr_ack(pic) == 0x09, "AEOI rotate: IRQ1");
    pulse(0);
    pulse(3);
    CHECK(pic_intr_ack(pic) == 0x0b, "IRQ3 before IRQ0 once IR1 is lowest");
    CHECK(pic_intr_ack(pic) == 0x08, "then IRQ0");
    outb(&b, 0x20, 0x00); /* clear rotate in AEOI */
    pic_init_pair(0x01);

    /* Automatic EOI: nothing stays in service. */
    pic_init_pair(0x03);
    pulse(3);
    CHECK(pic_intr_ack(pic) == 0x0b, "AEOI IRQ3");
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0x20) == 0x00, "AEOI leaves ISR clear");
    pulse(4);
    CHECK(intr_level == 1 && pic_intr_ack(pic) == 0x0c, "next IRQ without EOI");

    /* Re-initialisation clears IMR and ISR. */
    outb(&b, 0x21, 0xff);
    pic_init_pair(0x01);
    pulse(7);
    CHECK(pic_intr_ack(pic) == 0x0f, "IRQ7 real request");
    outb(&b, 0x20, 0x0b);
    CHECK(inb(&b, 0x20) == 0x80, "real IRQ7 sets ISR bit 7");

    /* Reset. */
    board_reset(&b);
    CHECK(intr_level == 0 && inb(&b, 0x21) == 0, "reset clears state");

    /* Save and restore. */
    {
        ByteBuf buf = {0};
        uint8_t imr;

        pic_init_pair(0x01);
        outb(&b, 0x21, 0x5a);
        board_save(&b, &buf);
        outb(&b, 0x21, 0x00);
        CHECK(board_load(&b, buf.data, buf.len), "state loads");
        imr = inb(&b, 0x21);
        CHECK(imr == 0x5a, "IMR restored, got %#x", imr);
        CHECK(!board_load(&b, buf.data, buf.len / 2), "truncated state is rejected");
        bytebuf_free(&buf);
    }
    board_teardown(&b);
    return tests_finish();
}
