; x86pc-test: timeout=10 qemu=unsupported
; mmio-exec: code fetched from MMIO runs, and is read from the device each time: the
; HPET's timer 0 comparator (0xFED00108, a 64-bit register that reads back what was
; written) holds a short routine. Checks 1-4 rewrite it from the CPU between calls (as
; self-modifying code in RAM); check 5 lets the device change it: in periodic mode the
; comparator advances by the period at each match, here inside the imm32 of
; MOV EAX, imm32; RET, so the routine must return what a data read of the register shows.
%define TEST_NAME "mmio-exec"
%include "lib.inc"

HPET_GEN_CONF   equ 0xFED00010
HPET_COUNTER    equ 0xFED000F0
HPET_T0_CONF    equ 0xFED00100
HPET_T0_CMP     equ 0xFED00108
T0_PERIODIC     equ 1 << 3
T0_VAL_SET      equ 1 << 6

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

                ; 5: comparator = B8 00 00 00 00 C3 00 00 (mov eax, 0; ret), period 0x100:
                ; each match adds 1 to the imm32.
                mov dword [HPET_GEN_CONF], 0                    ; halted
                mov dword [HPET_T0_CONF], T0_PERIODIC | T0_VAL_SET
                mov dword [HPET_T0_CMP], 0x000000B8             ; (VAL_SET clears itself)
                mov dword [HPET_T0_CONF], T0_PERIODIC | T0_VAL_SET
                mov dword [HPET_T0_CMP + 4], 0x0000C300
                mov dword [HPET_T0_CMP], 0x100                  ; the period
                mov dword [HPET_T0_CMP + 4], 0
                mov eax, [HPET_T0_CMP]
                CHECK_EQ eax, 0x000000B8, 5, "comparator low half"
                mov eax, [HPET_T0_CMP + 4]
                CHECK_EQ eax, 0x0000C300, 6, "comparator high half"
                ; the main counter 50 000 ticks (0.5 ms) before the first match
                mov dword [HPET_COUNTER], 0x000000B8 - 50000
                mov dword [HPET_COUNTER + 4], 0x0000C300 - 1
                mov eax, 12345
                call HPET_T0_CMP
                CHECK_EQ eax, 0, 7, "MOV EAX, 0; RET from the comparator"
                mov dword [HPET_GEN_CONF], 1                    ; run
                mov ecx, 200000000
.wait:          cmp dword [HPET_T0_CMP], 0x000000B8
                jne .moved
                dec ecx
                jnz .wait
                FAIL 8, "the comparator never advanced"
.moved:         mov dword [HPET_GEN_CONF], 0                    ; halted again
                mov ebx, [HPET_T0_CMP]
                mov edx, [HPET_T0_CMP + 4]
                shrd ebx, edx, 8                                ; the imm32 now
                mov eax, edx
                shr eax, 8
                CHECK_EQ eax, 0xC3, 9, "RET byte in place (set-up)"
                mov eax, 12345
                call HPET_T0_CMP
                CHECK_EQ eax, ebx, 10, "EAX from the routine the device changed (stale code?)"
                PASS
