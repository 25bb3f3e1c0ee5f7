; linuxboot.asm - x86pc's option ROM for booting a Linux -kernel through the firmware.
;
; x86pc offers this ROM to the firmware as the fw_cfg file "genroms/linuxboot.bin" (and
; lists it first in "bootorder"); SeaBIOS runs its init entry at offset 3 (which only
; returns) and boots it through the bootstrap entry vector (BEV) of its PnP header.
;
; The BEV loads, with the fw_cfg DMA interface (ports 0x514-0x51B), each of the setup code,
; the protected-mode kernel, the initrd and the command line to the address x86pc put in
; FW_CFG_*_ADDR (x86pc has already filled in the setup header for these addresses: see
; hw/boot/linux.c), then enters the real-mode setup code as the Linux boot protocol says:
; interrupts off, DS = ES = FS = GS = SS = setup segment, SP = heap end (0xFE00), and a far
; jump to setup segment + 0x20, offset 0.
;
; The last byte of the image is its checksum; x86pc sets it when it loads the ROM.
; Without the DMA interface (not x86pc's fw_cfg) the ROM prints a message and gives the
; boot back to the firmware with INT 18h.

bits 16
org 0

FW_CFG_PORT_SEL         equ 0x510
FW_CFG_PORT_DATA        equ 0x511
FW_CFG_PORT_DMA         equ 0x514
FW_CFG_ID               equ 0x01
FW_CFG_KERNEL_ADDR      equ 0x07
FW_CFG_KERNEL_SIZE      equ 0x08
FW_CFG_INITRD_ADDR      equ 0x0a
FW_CFG_INITRD_SIZE      equ 0x0b
FW_CFG_KERNEL_DATA      equ 0x11
FW_CFG_INITRD_DATA      equ 0x12
FW_CFG_CMDLINE_ADDR     equ 0x13
FW_CFG_CMDLINE_SIZE     equ 0x14
FW_CFG_CMDLINE_DATA     equ 0x15
FW_CFG_SETUP_ADDR       equ 0x16
FW_CFG_SETUP_SIZE       equ 0x17
FW_CFG_SETUP_DATA       equ 0x18
DMA_CTL_ERROR           equ 0x01
DMA_CTL_READ            equ 0x02
DMA_CTL_SELECT          equ 0x08
HEAP_END                equ 0xFE00
ROM_SIZE                equ 1024

rom_header:
        db 0x55, 0xAA
        db ROM_SIZE / 512                       ; size in 512-byte blocks
        jmp init                                ; offset 3: initialisation entry (far call)
        times 0x1A - ($ - $$) db 0
        dw pnp_header                           ; offset 0x1A: PnP expansion header

pnp_header:
        db "$PnP"
        db 1                                    ; revision
        db 2                                    ; length in 16-byte units
        dw 0                                    ; next header: none
        db 0                                    ; reserved
        db 0                                    ; checksum (not checked by the firmware)
        dd 0                                    ; device identifier
        dw manufacturer                         ; manufacturer string
        dw product                              ; product name string (boot menu entry)
        db 0, 0, 0                              ; device type code
        db 0                                    ; device indicators
        dw 0                                    ; boot connection vector: none
        dw 0                                    ; disconnect vector
        dw bev                                  ; bootstrap entry vector
        dw 0                                    ; reserved
        dw 0                                    ; static resource information vector

manufacturer:   db "x86pc", 0
product:        db "Linux -kernel (x86pc linuxboot)", 0
no_dma_msg:     db "linuxboot: fw_cfg has no DMA interface", 13, 10, 0
dma_err_msg:    db "linuxboot: fw_cfg DMA transfer failed", 13, 10, 0

init:
        retf

; fw_read32: ax = legacy fw_cfg key -> eax = its first 4 bytes (little-endian).
fw_read32:
        push cx
        push dx
        mov dx, FW_CFG_PORT_SEL
        out dx, ax
        mov dx, FW_CFG_PORT_DATA
        mov cx, 4
.byte:  in al, dx
        ror eax, 8
        loop .byte
        pop dx
        pop cx
        ret

; dma_read: ax = key, ebx = guest-physical destination, ecx = length. The 16-byte
; descriptor (big-endian control, length, 64-bit address) is built on the stack.
; Returns CF = 1 on a transfer error.
dma_read:
        test ecx, ecx
        jz .done
        push bp
        mov bp, sp
        sub sp, 16
        movzx eax, ax
        shl eax, 16
        or eax, DMA_CTL_SELECT | DMA_CTL_READ
        bswap eax
        mov [bp - 16], eax                      ; control
        mov eax, ecx
        bswap eax
        mov [bp - 12], eax                      ; length
        mov dword [bp - 8], 0                   ; address, high half
        mov eax, ebx
        bswap eax
        mov [bp - 4], eax                       ; address, low half
        xor eax, eax
        mov ax, ss
        shl eax, 4
        movzx edx, bp
        lea eax, [eax + edx - 16]               ; physical address of the descriptor
        bswap eax
        mov dx, FW_CFG_PORT_DMA + 4
        out dx, eax                             ; low half written last: starts the transfer
.wait:  mov eax, [bp - 16]
        bswap eax
        test eax, ~DMA_CTL_ERROR
        jnz .wait
        mov sp, bp
        pop bp
        test eax, DMA_CTL_ERROR
        jnz .error
.done:  clc
        ret
.error: stc
        ret

; print: si = message in this ROM (BIOS teletype).
print:
        push ax
        push bx
.next:  cs lodsb
        test al, al
        jz .done
        mov ah, 0x0E
        mov bx, 7
        int 0x10
        jmp .next
.done:  pop bx
        pop ax
        ret

; LOAD addr_key, size_key, data_key: copy one blob to where fw_cfg says it goes.
%macro LOAD 3
        mov ax, %1
        call fw_read32
        mov ebx, eax
        mov ax, %2
        call fw_read32
        mov ecx, eax
        mov ax, %3
        call dma_read
        jc dma_error
%endmacro

bev:
        cli
        cld
        mov ax, FW_CFG_ID
        call fw_read32
        test al, 2
        jz no_dma
        LOAD FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
        LOAD FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
        LOAD FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
        LOAD FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA

        mov ax, FW_CFG_SETUP_ADDR
        call fw_read32
        shr eax, 4                              ; the setup segment
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov sp, HEAP_END
        add ax, 0x20
        push ax
        push word 0
        retf                                    ; setup segment + 0x20 : 0

no_dma:
        mov si, no_dma_msg
        jmp give_up
dma_error:
        mov si, dma_err_msg
give_up:
        call print
        int 0x18

        times ROM_SIZE - ($ - $$) db 0          ; the last byte is the checksum
