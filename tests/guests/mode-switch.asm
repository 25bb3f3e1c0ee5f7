; x86pc-test: timeout=10
; mode-switch: real mode -> 16-bit protected mode -> 32-bit protected mode -> back to real
; mode, then unreal (big real) mode: a 4 GiB segment limit cached while in protected mode
; survives the return to real mode and a real-mode reload of the selector.
%define TEST_NAME "mode-switch"
%define TEST_REAL_MODE
%include "lib.inc"

VAR_A           equ 0x10000                 ; written in real mode as 1000:0000
VAR_SP16        equ 0x10010
VAR_HIGH        equ 0x200000                ; above 1 MiB (needs A20)

test_main16:
                ; 1: we start in real mode.
                smsw ax
                movzx eax, ax
                and eax, 1
                RM_CHECK_EQ eax, 0, 1, "CR0.PE clear at start"
                ; 2: real-mode segmentation: 1000:0004 is linear 0x10004.
                mov ax, 0x1000
                mov ds, ax
                mov dword [4], 0x5A5A1234
                mov ax, 0x0FFF
                mov ds, ax
                mov eax, [0x14]             ; 0FFF:0014 = linear 0x10004
                RM_CHECK_EQ eax, 0x5A5A1234, 2, "real-mode segment:offset addressing"
                xor ax, ax
                mov ds, ax

                ; ---- to 16-bit protected mode ----
                cli
                mov eax, cr0
                or al, 1
                mov cr0, eax
                jmp SEL_CODE16:R(pm16)
pm16:           mov ax, SEL_DATA16
                mov ds, ax
                mov es, ax
                mov ss, ax
                mov esp, 0x9000
                ; 3: PE is set, CS is the 16-bit selector.
                smsw ax
                movzx eax, ax
                and eax, 1
                RM_CHECK_EQ eax, 1, 3, "CR0.PE set in 16-bit protected mode"
                mov ax, cs
                movzx eax, ax
                RM_CHECK_EQ eax, SEL_CODE16, 4, "CS selector in 16-bit protected mode"
                ; 5: default operand size is 16 bits: CALL pushes a 2-byte return address.
                mov [0x8000], sp
                call .probe
                jmp .probed
.probe:         mov [0x8002], sp
                ret
.probed:        movzx eax, word [0x8000]
                movzx ebx, word [0x8002]
                sub eax, ebx
                RM_CHECK_EQ eax, 2, 5, "16-bit CALL pushes 2 bytes"

                ; ---- to 32-bit protected mode ----
                jmp dword SEL_CODE32:pm32
                bits 32
pm32:           mov ax, SEL_DATA32
                mov ds, ax
                mov es, ax
                mov fs, ax
                mov gs, ax
                mov ss, ax
                mov esp, STACK_TOP
                call lib_init32
                ; 6: CS is the 32-bit selector; CALL pushes 4 bytes.
                mov ax, cs
                movzx eax, ax
                CHECK_EQ eax, SEL_CODE32, 6, "CS selector in 32-bit protected mode"
                mov ebx, esp
                call .probe32
                jmp .probed32
.probe32:       mov ecx, esp
                ret
.probed32:      sub ebx, ecx
                CHECK_EQ ebx, 4, 7, "32-bit CALL pushes 4 bytes"
                ; 8: memory above 1 MiB is distinct from memory below (A20 enabled).
                mov dword [VAR_HIGH], 0x11112222
                mov dword [VAR_HIGH & 0xFFFFF], 0x33334444
                mov dword [VAR_HIGH + 0x100000], 0x55556666
                CHECK_EQ [VAR_HIGH], 0x11112222, 8, "memory above 1 MiB (A20)"
                ; 9: exceptions work in 32-bit mode.
                TRY .r9
                ud2
.r9:            CHECK_EXC 6, 0, 9, "#UD in 32-bit protected mode"

                ; ---- back to real mode, via a 16-bit segment with real-mode-like limits ----
                ; FS gets a flat 4 GiB descriptor: that is what makes unreal mode below.
                mov ax, SEL_DATA32
                mov fs, ax
                jmp SEL_CODE16:R(back16)
                bits 16
back16:         mov ax, SEL_DATA16
                mov ds, ax
                mov es, ax
                mov gs, ax
                mov ss, ax
                mov eax, cr0
                and al, 0xFE
                mov cr0, eax
                jmp 0xF000:R(real2)
real2:          xor ax, ax
                mov ds, ax
                mov es, ax
                mov ax, RM_STACK_SEG
                mov ss, ax
                mov sp, RM_STACK_TOP
                mov si, R(idtr_real)
                o32 lidt [cs:si]
                ; 10: real mode again.
                smsw ax
                movzx eax, ax
                and eax, 1
                RM_CHECK_EQ eax, 0, 10, "CR0.PE clear after return to real mode"
                mov ax, cs
                movzx eax, ax
                RM_CHECK_EQ eax, 0xF000, 11, "real-mode CS after far jump"
                ; 12: a value written in protected mode is visible through real-mode segments.
                mov ax, 0x1000
                mov ds, ax
                mov eax, [4]
                RM_CHECK_EQ eax, 0x5A5A1234, 12, "memory via real-mode segment after return"
                xor ax, ax
                mov ds, ax
                ; 13: real-mode INT n through the IVT.
                mov word [0x60 * 4], R(int60)
                mov word [0x60 * 4 + 2], 0xF000
                xor eax, eax
                int 0x60
                RM_CHECK_EQ eax, 0x600D600D, 13, "real-mode INT 0x60 through the IVT"
                ; 14: unreal mode: FS still has the 4 GiB limit; reloading it in real mode
                ; changes only selector and base.
                xor ax, ax
                mov fs, ax
                mov eax, [fs:dword VAR_HIGH]
                RM_CHECK_EQ eax, 0x11112222, 14, "unreal mode read above 1 MiB"
                mov dword [fs:dword VAR_HIGH + 4], 0xBEEF0001
                mov ax, 0x1000
                mov fs, ax                  ; base 0x10000, limit still 4 GiB
                mov eax, [fs:dword VAR_HIGH + 4 - 0x10000]
                RM_CHECK_EQ eax, 0xBEEF0001, 15, "unreal mode keeps the limit over a reload"
                RM_PASS

int60:          mov eax, 0x600D600D
                iret
