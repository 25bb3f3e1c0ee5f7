; x86pc-test: timeout=10 expect="tick 8"
; clock: prints values that depend on virtual time -- the TSC, PIT channel 0's latched
; count, the RTC time and the TSC at each of 8 PIT interrupts taken through HLT -- and
; checks they move forward.  Under -icount the output must be byte-identical from run to
; run and from host to host (tests/scripts/determinism.sh compares them).
%define TEST_NAME "clock"
%include "lib.inc"

TICKS           equ TEST_RAM + 0x00
LAST_TSC        equ TEST_RAM + 0x04
LOOP_BOUND      equ 5000000

test_main32:
                ; Virtual-wire mode if a local APIC is present (LINT0 = ExtINT), as a BIOS does.
                mov eax, 1
                cpuid
                test edx, 1 << 9
                jz .no_apic
                mov ecx, 0x1B
                rdmsr
                test eax, 1 << 11
                jz .no_apic
                and eax, 0xFFFFF000
                mov dword [eax + 0xF0], 0x1FF
                mov dword [eax + 0x350], 0x700
.no_apic:
                ; 8259 pair: vectors 0x20/0x28, only IRQ0 unmasked.
                mov al, 0x11
                out 0x20, al
                out 0xA0, al
                mov al, 0x20
                out 0x21, al
                mov al, 0x28
                out 0xA1, al
                mov al, 0x04
                out 0x21, al
                mov al, 0x02
                out 0xA1, al
                mov al, 0x01
                out 0x21, al
                out 0xA1, al
                mov al, 0xFE
                out 0x21, al
                mov al, 0xFF
                out 0xA1, al
                SET_GATE 0x20, irq0_handler
                mov dword [TICKS], 0

                ; PIT channel 0, mode 2, divisor 11932 (~100 Hz).
                mov al, 0x34
                out 0x43, al
                mov al, 11932 & 0xFF
                out 0x40, al
                mov al, 11932 >> 8
                out 0x40, al

                rdtsc
                mov [LAST_TSC], eax
                PRINT "tsc "
                call puthex32
                PRINT 10
                ; Latch and read channel 0.
                mov al, 0x00
                out 0x43, al
                in al, 0x40
                mov ah, al
                in al, 0x40
                xchg al, ah
                PRINT "pit "
                call puthex16
                PRINT 10
                ; RTC: wait until no update is in progress, then read h:m:s (BCD by default).
                mov ecx, LOOP_BOUND
.uip:           mov al, 0x0A
                out 0x70, al
                in al, 0x71
                test al, 0x80
                jz .read_rtc
                loop .uip
                FAIL 1, "RTC update-in-progress never clears"
.read_rtc:      PRINT "rtc "
                mov al, 0x04
                call rtc_print
                PRINT ":"
                mov al, 0x02
                call rtc_print
                PRINT ":"
                mov al, 0x00
                call rtc_print
                PRINT 10

                sti
.wait:          hlt
                mov eax, [TICKS]
                cmp eax, 8
                jb .wait
                cli
                PASS

; rtc_print: AL = CMOS index; prints the byte in hex.
rtc_print:
                out 0x70, al
                in al, 0x71
                call puthex8
                ret

irq0_handler:
                pushad
                inc dword [TICKS]
                rdtsc
                mov ebx, eax
                sub ebx, [LAST_TSC]
                mov [LAST_TSC], eax
                PRINT "tick "
                mov eax, [TICKS]
                call putdec32
                PRINT " tsc "
                mov eax, [LAST_TSC]
                call puthex32
                PRINT 10
                ; 2: the TSC must advance between ticks (it follows the virtual clock).
                test ebx, ebx
                jnz .advanced
                FAIL 2, "TSC did not advance between PIT ticks"
.advanced:      mov al, 0x20                ; non-specific EOI
                out 0x20, al
                popad
                iretd
