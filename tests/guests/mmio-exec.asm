; x86pc-test: timeout=10 qemu=unsupported
; mmio-exec: code fetched from MMIO runs, and a CPU write to that MMIO page drops what
; was decoded from it, as for RAM: the HPET's timer 0 comparator (0xFED00108, a 64-bit
; register that reads back what was written while the timer is off) holds a short
; routine, changed between calls.
%define TEST_NAME "mmio-exec"
%include "lib.inc"

HPET_T0_CMP     equ 0xFED00108

test_main32:
                ; 1: RET alone
                mov dword [HPET_T0_CMP], 0x000000C3             ; ret
                mov dword [HPET_T0_CMP + 4], 0
                mov eax, 100
                call HPET_T0_CMP
                CHECK_EQ eax, 100, 1, "EAX after RET from MMIO"
                ; 2: INC EAX; RET at the same address
                mov dword [HPET_T0_CMP], 0x0000C340             ; inc eax; ret
                call HPET_T0_CMP
                CHECK_EQ eax, 101, 2, "EAX after INC EAX; RET from MMIO (stale code?)"
                ; 3: ADD EAX, 0x10; RET in a loop of calls
                mov dword [HPET_T0_CMP], 0xC310C083             ; add eax, byte 0x10; ret
                mov ecx, 4
.loop:          call HPET_T0_CMP
                dec ecx
                jnz .loop
                CHECK_EQ eax, 101 + 4 * 0x10, 3, "EAX after 4 calls of ADD EAX, 0x10; RET"
                ; 4: and back to RET alone
                mov dword [HPET_T0_CMP], 0x000000C3
                call HPET_T0_CMP
                CHECK_EQ eax, 101 + 4 * 0x10, 4, "EAX after RET from MMIO again"
                PASS
