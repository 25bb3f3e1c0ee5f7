; Guest for tests/debug/gdb-test.sh: a 64 KiB "BIOS" image (-bios) that
;   1. copies a boot sector to 0000:7C00 and jumps there, like a BIOS handing over to a
;      boot sector;
;   2. the boot sector loads known values into AX/BX, writes AX+1 to [0x600] (the watchpoint
;      test) and enters 32-bit protected mode with flat segments;
;   3. in protected mode it copies the program built from gdb-pm.c (a flat binary linked at
;      1 MiB, embedded below) to 0x100000 and jumps to its entry _start, whose address the
;      build passes in PM_ENTRY (read from gdb-pm.elf with nm: gdb uses the same ELF for its
;      symbols, so symbols and code agree by construction). The same ELF also boots on its
;      own as a Multiboot kernel (x86pc -kernel gdb-pm.elf).
;
; Build (gdb-test.sh does this):
;   nasm -f bin -DPM_BIN='"gdb-pm.bin"' -DPM_ENTRY=0x1000xx -o gdb-guest.bin gdb-guest.asm
; Without PM_BIN/PM_ENTRY the image still builds; the boot sector then halts after the
; watched write.
;
; Runs unchanged on qemu-system-i386 -bios (A20 is enabled at reset there as here).

%ifndef PM_ENTRY
%define PM_ENTRY 0
%endif

        bits 16

section bios start=0 vstart=0
start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov es, ax
        mov ax, cs                  ; 0xF000: the image
        mov ds, ax
        mov si, section.boot.start
        mov di, 0x7c00
        mov cx, boot_end - boot_begin
        rep movsb
        xor ax, ax
        mov ds, ax
        jmp 0x0000:0x7c00

; ---- the boot sector (runs at 0000:7C00; addresses in the comments are linear) ----
section boot follows=bios vstart=0x7c00 align=16
boot_begin:
        mov ax, 0x1234              ; 7C00
        mov bx, 0x5678              ; 7C03
        inc ax                      ; 7C06
        mov [0x600], ax             ; 7C07: the write the watchpoint catches (0x1235)
        nop                         ; 7C0A
%if PM_ENTRY
        lgdt [gdt_desc]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm_entry

        bits 32
pm_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, 0x9f000
        mov esi, 0xf0000 + section.pm.start ; the BIOS image is also mapped at 0xF0000
        mov edi, 0x100000
        mov ecx, pm_end - pm_begin
        rep movsb
        xor eax, eax                ; not a Multiboot loader: no magic in EAX
        mov ecx, PM_ENTRY
        jmp ecx
%endif
halt:
        hlt
        jmp halt

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff       ; 0x08: flat 32-bit code
        dq 0x00cf92000000ffff       ; 0x10: flat 32-bit data
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt
boot_end:

; ---- the protected-mode program, linked at 0x100000 (copied there by the boot sector) ----
section pm follows=boot vstart=0x100000 align=16
pm_begin:
%ifdef PM_BIN
        incbin PM_BIN
%endif
pm_end:

; ---- reset vector: F000:FFF0 ----
section reset start=0xfff0 vstart=0xfff0
        bits 16
        jmp 0xf000:start
        times 16 - ($ - $$) db 0
