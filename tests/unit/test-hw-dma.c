/*
 * 8237 DMA: register programming through the ports (flip-flop, page registers), 8-bit
 * write and read transfers through the memory map, terminal count (status bit, masking,
 * autoinitialize reload), 16-bit channels' word addressing, and masked channels.
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

    /* Master clear masks everything. */
    program8(3, DMA_MODE_WRITE, 0, 0, 10);
    outb(&b, 0x0d, 0);
    CHECK(!dma_channel_ready(dma, 3) && inb(&b, 0x0f) == 0xff, "master clear masks all");
    board_teardown(&b);
    return tests_finish();
}
