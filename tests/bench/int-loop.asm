; int-loop: integer benchmark guest (see tests/bench/README.md).
;
; A 64 KiB firmware image built on tests/guests/lib.inc: it enters 32-bit protected mode,
; then runs REPS rounds of a fixed mix of integer kernels:
;   fill   LCG fill of a 4 KiB buffer            (IMUL, stores, counted loop)
;   crc    bitwise CRC-32 of the buffer          (shifts, SBB, AND/XOR, nested loops)
;   sieve  sieve of Eratosthenes below 4096      (REP STOSD, byte loads/stores, branches)
;   isort  insertion sort of 256 dwords          (REP MOVSD, indexed loads/stores, branches)
;   strk   string instructions                   (REP MOVSD, REPE CMPSB, REP STOSD, LODSD/LOOP)
;   fib    recursive Fibonacci of 20             (CALL/RET, PUSH/POP, stack loads/stores)
;   alu    xorshift + DIV                        (ALU, DIV)
; and prints on COM1 and on the port-0xE9 console
;   int-loop: insns=N checksum=XXXXXXXX tsc=T
;   BENCH-DONE
; then exits through the isa-debug-exit port 0xF4 (code 0: status 1 on QEMU and x86pc) and
; writes "Shutdown" to port 0x8900 (Bochs quits there); without either device it halts.
;
; Instruction count, by construction: N counts every instruction from the first RDTSC
; (included) to the second (excluded), a REP string instruction counting once (all REP
; counts here are <= 1024). The per-kernel counts below are the numbers of instructions
; on each path; data-dependent loops (sieve marks, sort shifts, primes) count their
; iterations in a register, accumulated in RAM and multiplied out after the timed part.
; T is the TSC difference over the same range: on x86pc with `-icount shift=0` (1 ns per
; instruction, TSC = 1 GHz) it must equal N, which checks the construction; on other
; emulators it is just a clock reading.
;
; Build: nasm -f bin -I tests/guests/ [-DREPS=n] -o int-loop.bin tests/bench/int-loop.asm
%define TEST_NAME "int-loop"
%include "lib.inc"
%include "bench.inc"

%ifndef REPS
%define REPS 500
%endif

BUF             equ 0x10000                 ; 4 KiB LCG data
SIEVE           equ 0x20000                 ; 4096 flag bytes
ARR             equ 0x30000                 ; 256 dwords to sort; ARR - 4 holds the sentinel
DST             equ 0x40000                 ; 4 KiB copy target
DST2            equ 0x42000                 ; 2 KiB fill target
VARS            equ 0x50000
seed            equ VARS + 0x00
crcv            equ VARS + 0x04
checksum        equ VARS + 0x08
rep_left        equ VARS + 0x0C
primes_total    equ VARS + 0x10
marks_total     equ VARS + 0x14
shifts_total    equ VARS + 0x18
tsc0            equ VARS + 0x20
tsc1            equ VARS + 0x28

FIB_ARG         equ 20
%assign fa 0
%assign fb 1
%rep FIB_ARG
  %assign ft fa + fb
  %assign fa fb
  %assign fb ft
%endrep
; fa = fib(20), fb = fib(21): a call tree of fib(n) has fib(n+1) leaves (3 instructions:
; CMP, JB, RET) and fib(n+1) - 1 inner calls (12 instructions, including their two CALLs).
FIB_N           equ 3 * fb + 12 * (fb - 1)

; Fixed instruction counts per call, RET included, CALL excluded.
FILL_N          equ 3 + 1024 * 6 + 2
CRC_N           equ 3 + 4096 * (4 + 8 * 6 + 2) + 2
SIEVE_FIXED     equ 7 + 4094 * 5 + 4        ; + 5 per prime + 5 per mark
ISORT_FIXED     equ 7 + 255 * (2 + 3 + 4) + 3 + 256 * 4 + 2 ; + 7 per shift
STR_N           equ 18 + 256 * 3 + 2
ALU_N           equ 5 + 2000 * 15 + 2
ROUND_N         equ 11 + FILL_N + CRC_N + SIEVE_FIXED + ISORT_FIXED + STR_N + FIB_N + ALU_N

test_main32:
                mov dword [seed], 0x12345678
                mov dword [crcv], 0xFFFFFFFF
                xor eax, eax
                mov [checksum], eax
                mov [primes_total], eax
                mov [marks_total], eax
                mov [shifts_total], eax

                ; ---- timed and counted part (bench.inc) ----
                BENCH_BEGIN
                call fill                               ; 1
                call crc                                ; 1
                call sieve                              ; 1
                call isort                              ; 1
                call strk                               ; 1
                mov eax, FIB_ARG                        ; 1
                call fib                                ; 1
                xor [checksum], eax                     ; 1
                call alu                                ; 1
                BENCH_END
                ; ---- end of the counted part ----

                ; N = PROLOGUE_N + REPS * ROUND_N + 5 * (primes + marks) + 7 * shifts
                mov eax, [primes_total]
                add eax, [marks_total]
                imul eax, eax, 5
                mov ebx, [shifts_total]
                imul ebx, ebx, 7
                add eax, ebx
                add eax, PROLOGUE_N + REPS * ROUND_N
                mov ebx, eax
                mov ecx, [crcv]
                xor [checksum], ecx

                mov eax, ebx
                mov edx, [checksum]
                mov ecx, [tsc1]
                sub ecx, [tsc0]
                jmp bench_report

; fill: BUF[0..1023] = successive LCG values.                      FILL_N
fill:           mov edi, BUF                            ; 1
                mov ecx, 1024                           ; 1
                mov eax, [seed]                         ; 1
.l:             imul eax, eax, 1103515245               ; 1
                add eax, 12345                          ; 1
                mov [edi], eax                          ; 1
                add edi, 4                              ; 1
                dec ecx                                 ; 1
                jnz .l                                  ; 1  (6 per dword)
                mov [seed], eax                         ; 1
                ret                                     ; 1

; crc: CRC-32 (reflected, 0xEDB88320) of the 4 KiB, bit by bit, branch-free.   CRC_N
crc:            mov esi, BUF                            ; 1
                mov ecx, 4096                           ; 1
                mov eax, [crcv]                         ; 1
.byte:          movzx edx, byte [esi]                   ; 1
                xor eax, edx                            ; 1
                inc esi                                 ; 1
                mov ebx, 8                              ; 1
.bit:           shr eax, 1                              ; 1
                sbb edx, edx                            ; 1
                and edx, 0xEDB88320                     ; 1
                xor eax, edx                            ; 1
                dec ebx                                 ; 1
                jnz .bit                                ; 1  (6 per bit)
                dec ecx                                 ; 1
                jnz .byte                               ; 1  (4 + 48 + 2 per byte)
                mov [crcv], eax                         ; 1
                ret                                     ; 1

; sieve: primes below 4096.             SIEVE_FIXED + 5 * primes + 5 * marks
sieve:          mov edi, SIEVE                          ; 1
                mov ecx, 1024                           ; 1
                mov eax, 0x01010101                     ; 1
                rep stosd                               ; 1
                mov ebx, 2                              ; 1
                xor ebp, ebp                            ; 1  primes
                xor edx, edx                            ; 1  marks
.outer:         cmp byte [SIEVE + ebx], 0               ; 1
                je .next                                ; 1
                inc ebp                                 ; 1  prime: 5 more
                mov eax, ebx                            ; 1
                imul eax, ebx                           ; 1
                cmp eax, 4096                           ; 1
                jae .next                               ; 1
.mark:          mov byte [SIEVE + eax], 0               ; 1  mark: 5
                inc edx                                 ; 1
                add eax, ebx                            ; 1
                cmp eax, 4096                           ; 1
                jb .mark                                ; 1
.next:          inc ebx                                 ; 1
                cmp ebx, 4096                           ; 1
                jb .outer                               ; 1  (5 per candidate 2..4095)
                add [primes_total], ebp                 ; 1
                add [marks_total], edx                  ; 1
                add [checksum], ebp                     ; 1
                ret                                     ; 1

; isort: insertion sort of BUF's first 256 dwords (unsigned), sentinel 0 below the array,
; then a rotate-xor checksum of the result.              ISORT_FIXED + 7 * shifts
isort:          mov esi, BUF                            ; 1
                mov edi, ARR                            ; 1
                mov ecx, 256                            ; 1
                rep movsd                               ; 1
                mov dword [ARR - 4], 0                  ; 1
                xor ebp, ebp                            ; 1  shifts
                mov ecx, 1                              ; 1
.outer:         mov eax, [ARR + ecx * 4]                ; 1
                mov edx, ecx                            ; 1
.inner:         mov ebx, [ARR + edx * 4 - 4]            ; 1
                cmp ebx, eax                            ; 1
                jbe .place                              ; 1  (3 on the way out)
                mov [ARR + edx * 4], ebx                ; 1
                dec edx                                 ; 1
                inc ebp                                 ; 1
                jmp .inner                              ; 1  (7 per shift)
.place:         mov [ARR + edx * 4], eax                ; 1
                inc ecx                                 ; 1
                cmp ecx, 256                            ; 1
                jb .outer                               ; 1  (2 + 3 + 4 per element 1..255)
                add [shifts_total], ebp                 ; 1
                mov ecx, 256                            ; 1
                xor eax, eax                            ; 1
.ck:            rol eax, 5                              ; 1
                xor eax, [ARR + ecx * 4 - 4]            ; 1
                dec ecx                                 ; 1
                jnz .ck                                 ; 1  (4 per element)
                xor [checksum], eax                     ; 1
                ret                                     ; 1

; strk: string instructions.                                        STR_N
strk:           mov esi, BUF                            ; 1
                mov edi, DST                            ; 1
                mov ecx, 1024                           ; 1
                rep movsd                               ; 1
                mov esi, BUF                            ; 1
                mov edi, DST                            ; 1
                mov ecx, 1024                           ; 1
                repe cmpsb                              ; 1
                setz al                                 ; 1
                movzx eax, al                           ; 1
                add [checksum], eax                     ; 1
                mov edi, DST2                           ; 1
                mov eax, [seed]                         ; 1
                mov ecx, 512                            ; 1
                rep stosd                               ; 1
                mov esi, DST                            ; 1
                mov ecx, 256                            ; 1
                xor edx, edx                            ; 1  (18 so far)
.l:             lodsd                                   ; 1
                add edx, eax                            ; 1
                loop .l                                 ; 1  (3 per dword)
                xor [checksum], edx                     ; 1
                ret                                     ; 1

; fib: EAX = fib(EAX), recursively. Clobbers EDX.                   FIB_N for n = FIB_ARG
fib:            cmp eax, 2                              ; 1
                jb .ret                                 ; 1
                push eax                                ; 1
                dec eax                                 ; 1
                call fib                                ; 1
                mov edx, [esp]                          ; 1
                mov [esp], eax                          ; 1
                lea eax, [edx - 2]                      ; 1
                call fib                                ; 1
                pop edx                                 ; 1
                add eax, edx                            ; 1
.ret:           ret                                     ; 1

; alu: xorshift32 and a division per step.                          ALU_N
alu:            mov ecx, 2000                           ; 1
                mov ebx, [seed]                         ; 1
                or ebx, 1                               ; 1
                xor edi, edi                            ; 1
                mov esi, 1000003                        ; 1
.l:             mov eax, ebx                            ; 1
                shl eax, 13                             ; 1
                xor ebx, eax                            ; 1
                mov eax, ebx                            ; 1
                shr eax, 17                             ; 1
                xor ebx, eax                            ; 1
                mov eax, ebx                            ; 1
                shl eax, 5                              ; 1
                xor ebx, eax                            ; 1
                mov eax, ebx                            ; 1
                xor edx, edx                            ; 1
                div esi                                 ; 1
                add edi, edx                            ; 1
                dec ecx                                 ; 1
                jnz .l                                  ; 1  (15 per step)
                xor [checksum], edi                     ; 1
                ret                                     ; 1
