/*
 * 8237 DMA: register programming through the ports (flip-flop, page registers), 8-bit
 * write and read transfers through the memory map, terminal count (status bit, masking,
 * autoinitialize reload), 16-bit channels' word addressing, masked channels, decrement
 * and verify modes, the address wrap inside a page, the mask register forms, controller
 * disable (and DMA2's cutting off DMA1), DREQ status bits, save/restore and reset.
 */
#include "hw-test.h"
#include "hw/dma/i8237.h"

static Board b;

static void program8(int ch, uint8_t mode, uint8_t page, uint16_t addr, uint16_t count)
{
    static const uint16_t page_port[4] = {0x87, 0x83, 0x81, 0x82};

    outb(&b, 0x0a, (uint8_t)(0x04 | ch));           /* mask */
    outb(&b, 0x0c, 0);                               /* clear flip-flop */
    outb(&b, 0x0b, (uint8_t)(mode | ch));
    outb(&b, (uint16_t)(ch * 2), (uint8_t)addr);
    outb(&b, (uint16_t)(ch * 2), (uint8_t)(addr >> 8));
    outb(&b, (uint16_t)(ch * 2 + 1), (uint8_t)count);
    outb(&b, (uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
    outb(&b, page_port[ch], page);
    outb(&b, 0x0a, (uint8_t)ch);                    /* unmask */
}

int main(void)
{
    I8237State *dma;
    uint8_t buf[1024], out[1024];
    bool tc;
    int n;

    vclock_init(-1);
    board_init(&b);
    b.ram_size = 4u << 20;
    mem_add_ram(b.mem, "ram", 0, b.ram_size, NULL, 0);
    board_add_device(&b, &i8237_device, 0);
    board_reset(&b);
    dma = i8237_find(&b);
    CHECK(dma != NULL, "found");

    for (int i = 0; i < 1024; i++) {
        buf[i] = (uint8_t)(i * 7 + 1);
    }
    CHECK(dma_transfer(dma, 2, buf, 16, &tc) == 0, "masked after reset: nothing moves");
    CHECK(!dma_channel_ready(dma, 4), "cascade channel masked after reset");
    outb(&b, 0xd4, 0x00);                           /* unmask channel 4 (cascade) */
    outb(&b, 0xd6, 0xc0);                           /* channel 4: cascade mode */

    /* Channel 2, device -> memory, 512 bytes at 0x1_1000. */
    program8(2, DMA_MODE_WRITE | 0x40, 0x01, 0x1000, 511);
    outb(&b, 0x0c, 0);
    CHECK(inb(&b, 0x04) == 0x00 && inb(&b, 0x04) == 0x10, "address reads back (flip-flop)");
    CHECK(inb(&b, 0x81) == 0x01, "page register 0x81 is channel 2");
    CHECK(dma_channel_remaining(dma, 2) == 512, "512 bytes left");
    n = dma_transfer(dma, 2, buf, 300, &tc);
    CHECK(n == 300 && !tc, "partial transfer");
    n = dma_transfer(dma, 2, buf + 300, 1000, &tc);
    CHECK(n == 212 && tc, "stops at terminal count (%d)", n);
    mem_dma_read(b.mem, 0x11000, out, 512);
    CHECK(memcmp(out, buf, 512) == 0, "data in RAM");
    CHECK(inb(&b, 0x08) & 0x04, "status: TC on channel 2");
    CHECK(!(inb(&b, 0x08) & 0x04), "status TC cleared by the read");
    CHECK(!dma_channel_ready(dma, 2), "masked at TC without autoinit");

    /* Channel 1, memory -> device, autoinit: reloads at TC. */
    program8(1, DMA_MODE_READ | DMA_MODE_AUTOINIT | 0x40, 0x01, 0x1000, 99);
    memset(out, 0, sizeof(out));
    n = dma_transfer(dma, 1, out, 100, &tc);
    CHECK(n == 100 && tc && memcmp(out, buf, 100) == 0, "read transfer");
    CHECK(dma_channel_ready(dma, 1) && dma_channel_remaining(dma, 1) == 100,
          "autoinit reloads base address and count");

    /* Channel 5 (16-bit): page 0x02, word address 0x0800 -> 0x2_1000; count in words. */
    outb(&b, 0xd4, 0x05);
    outb(&b, 0xd8, 0);
    outb(&b, 0xd6, DMA_MODE_WRITE | 0x01);
    outb(&b, 0xc4, 0x00);
    outb(&b, 0xc4, 0x08);
    outb(&b, 0xc6, 63);
    outb(&b, 0xc6, 0);
    outb(&b, 0x8b, 0x02);
    outb(&b, 0xd4, 0x01);
    CHECK(dma_channel_remaining(dma, 5) == 128, "64 words left");
    n = dma_transfer(dma, 5, buf, 200, &tc);
    CHECK(n == 128 && tc, "16-bit channel moves 64 words (%d)", n);
    mem_dma_read(b.mem, 0x21000, out, 128);
    CHECK(memcmp(out, buf, 128) == 0, "16-bit channel address = page:addr << 1");

    /* Decrement mode: bytes go to falling addresses from the start address. */
    program8(3, DMA_MODE_WRITE | DMA_MODE_DECREMENT | 0x40, 0x03, 0x2010, 15);
    n = dma_transfer(dma, 3, buf, 16, &tc);
    CHECK(n == 16 && tc, "decrement: 16 bytes to TC");
    mem_dma_read(b.mem, 0x32001, out, 16);
    for (int i = 0; i < 16; i++) {
        CHECK(out[15 - i] == buf[i], "decrement: byte %d at 0x%x", i, 0x32010 - i);
    }
    outb(&b, 0x0c, 0);
    n = inb(&b, 0x06);
    n |= inb(&b, 0x06) << 8;
    CHECK(n == 0x2000, "decrement: current address 0x2000 after 16 bytes, got 0x%x", n);

    /* The address wraps inside the 64 KiB page (the page register does not carry). */
    memset(out, 0xee, sizeof(out));
    mem_dma_write(b.mem, 0x40000, out, 16);
    mem_dma_write(b.mem, 0x50000, out, 16);
    program8(1, DMA_MODE_WRITE | 0x40, 0x04, 0xfff8, 15);
    n = dma_transfer(dma, 1, buf, 16, &tc);
    CHECK(n == 16 && tc, "wrap: 16 bytes");
    mem_dma_read(b.mem, 0x4fff8, out, 8);
    CHECK(memcmp(out, buf, 8) == 0, "wrap: first 8 bytes below the page end");
    mem_dma_read(b.mem, 0x40000, out, 8);
    CHECK(memcmp(out, buf + 8, 8) == 0, "wrap: next 8 bytes at the start of the same page");
    mem_dma_read(b.mem, 0x50000, out, 1);
    CHECK(out[0] == 0xee, "wrap: nothing written to the next page");

    /* Verify mode moves no data but counts. */
    mem_dma_read(b.mem, 0x11000, out, 32);
    program8(2, DMA_MODE_VERIFY | 0x40, 0x01, 0x1000, 31);
    memset(buf + 512, 0x55, 32);
    n = dma_transfer(dma, 2, buf + 512, 32, &tc);
    CHECK(n == 32 && tc, "verify: counts 32 bytes to TC");
    {
        uint8_t after[32];

        mem_dma_read(b.mem, 0x11000, after, 32);
        CHECK(memcmp(after, out, 32) == 0, "verify: memory untouched");
    }

    /* Mask register forms: single bit (0x0A), all (0x0F, readable), clear all (0x0E). */
    outb(&b, 0x0f, 0x05);
    CHECK((inb(&b, 0x0f) & 0x0f) == 0x05, "mask-all register reads back 0x05");
    CHECK(!dma_channel_ready(dma, 0) && dma_channel_ready(dma, 1), "mask bits 0 and 2 set");
    outb(&b, 0x0e, 0);
    CHECK((inb(&b, 0x0f) & 0x0f) == 0x00, "clear-mask unmasks all");
    outb(&b, 0x0a, 0x05);
    CHECK((inb(&b, 0x0f) & 0x0f) == 0x02, "single mask set of channel 1");
    outb(&b, 0x0a, 0x01);

    /* Command register bit 2 disables the controller; DMA2's disable cuts off DMA1 too. */
    outb(&b, 0x08, 0x04);
    CHECK(!dma_channel_ready(dma, 1) && dma_transfer(dma, 1, buf, 4, NULL) == 0,
          "controller disabled");
    outb(&b, 0x08, 0x00);
    CHECK(dma_channel_ready(dma, 1), "controller enabled again");
    outb(&b, 0xd0, 0x04);
    CHECK(!dma_channel_ready(dma, 1), "DMA2 disabled: DMA1 channels cannot reach the bus");
    outb(&b, 0xd0, 0x00);

    /* DREQ lines show in the status register's upper nibble; TC bits clear on read. */
    dma_set_dreq(dma, 2, true);
    dma_set_dreq(dma, 6, true);
    CHECK((inb(&b, 0x08) & 0xf0) == 0x40, "DMA1 status: DREQ2");
    CHECK((inb(&b, 0xd0) & 0xf0) == 0x40, "DMA2 status: DREQ6");
    dma_set_dreq(dma, 2, false);
    CHECK((inb(&b, 0x08) & 0xf0) == 0x00, "DREQ2 dropped");
    dma_set_dreq(dma, 6, false);

    /* Save and restore: the channel state comes back. */
    {
        ByteBuf st = {0};

        program8(1, DMA_MODE_WRITE | 0x40, 0x05, 0x1234, 0x0100);
        board_save(&b, &st);
        program8(1, DMA_MODE_READ, 0x06, 0x0000, 0x0010);
        CHECK(board_load(&b, st.data, st.len), "DMA state loads");
        outb(&b, 0x0c, 0);
        n = inb(&b, 0x02);
        n |= inb(&b, 0x02) << 8;
        CHECK(n == 0x1234 && inb(&b, 0x83) == 0x05 &&
                  dma_channel_mode(dma, 1) == (DMA_MODE_WRITE | 0x40 | 1) &&
                  dma_channel_remaining(dma, 1) == 0x101,
              "channel 1 restored: address 0x%x", n);
        bytebuf_free(&st);
    }

    /* Reset: everything masked. */
    board_reset(&b);
    CHECK(inb(&b, 0x0f) == 0xff && !dma_channel_ready(dma, 1), "reset masks every channel");

    /* Master clear masks everything. */
    program8(3, DMA_MODE_WRITE, 0, 0, 10);
    outb(&b, 0x0d, 0);
    CHECK(!dma_channel_ready(dma, 3) && inb(&b, 0x0f) == 0xff, "master clear masks all");
    board_teardown(&b);
    return tests_finish();
}
