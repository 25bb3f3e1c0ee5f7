; clock-stall: a -bios image for tests/scripts/clock-stall.sh (built on the guest library,
; tests/guests/lib.inc). It reads the TSC (1 tick = 1 ns of virtual time) back to back for
; 3 s of virtual time and prints the largest step between two consecutive reads, in
; microseconds: "max-step-us N". The script stops the emulator process for a while in
; the middle; what the guest may see of that is at most a few milliseconds.
%define TEST_NAME "clock-stall"
%include "lib.inc"

RUN_NS          equ 3000000000

test_main32:
                rdtsc
                mov esi, eax                ; start (low 32 bits: 3 s fits)
                mov edi, eax                ; previous read
                xor ebp, ebp                ; largest step
.loop:          rdtsc
                mov ebx, eax
                sub ebx, edi
                mov edi, eax
                cmp ebx, ebp
                jbe .no_max
                mov ebp, ebx
.no_max:        sub eax, esi
                cmp eax, RUN_NS
                jb .loop
                PRINT "max-step-us "
                mov eax, ebp
                xor edx, edx
                mov ecx, 1000
                div ecx
                call putdec32
                PRINT 13, 10
                PASS
