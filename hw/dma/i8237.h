/*
 * The PC's two 8237A DMA controllers (hw/dma/i8237.c), as seen by ISA devices that move
 * data with DMA (floppy on channel 2, Sound Blaster on 1 and 5, ...).
 *
 * A device calls dma_transfer() when it has data to move: the controller moves up to len
 * bytes between buf and guest RAM in the direction programmed in the channel's mode
 * register (a "write" transfer goes device -> memory, a "read" transfer memory -> device,
 * "verify" touches no memory), advancing the channel's address and count, and stops at
 * terminal count (TC: the count wrapped), after which the channel is masked unless it is
 * in autoinitialize mode, where it reloads its base registers. Channels 4-7 move 16-bit
 * words (len is rounded down to even). All memory goes through the board's memory map.
 */
#ifndef X86PC_HW_DMA_I8237_H
#define X86PC_HW_DMA_I8237_H

#include "hw/core/device.h"

#define DMA_MODE_VERIFY 0x00
#define DMA_MODE_WRITE 0x04    /* device -> memory */
#define DMA_MODE_READ 0x08     /* memory -> device */
#define DMA_MODE_XFER_MASK 0x0c
#define DMA_MODE_AUTOINIT 0x10
#define DMA_MODE_DECREMENT 0x20
#define DMA_MODE_CASCADE 0xc0

typedef struct I8237State I8237State;

I8237State *i8237_find(Board *b); /* NULL if the board has no DMA controllers */

/* Move up to len bytes for channel (0-7). Returns the bytes moved: 0 if the channel is
 * masked, its controller disabled, or it is in cascade mode. *tc (may be NULL) is set to
 * whether terminal count was reached. */
int dma_transfer(I8237State *s, int channel, void *buf, int len, bool *tc);
/* True if a transfer on channel would move data now (unmasked, controller enabled). */
bool dma_channel_ready(I8237State *s, int channel);
uint8_t dma_channel_mode(I8237State *s, int channel);
/* Bytes left before terminal count. */
uint32_t dma_channel_remaining(I8237State *s, int channel);
/* The device's DREQ line (visible in the status register's request bits). */
void dma_set_dreq(I8237State *s, int channel, bool level);

#endif
