; sse-mandel: SSE2 floating-point benchmark guest (see tests/bench/README.md).
;
; The "mandel" workload of ../shared/bench/gbench.c as a bare-metal image, as x87-mandel,
; but in scalar SSE2 double arithmetic as `gcc -O2 -msse2 -mfpmath=sse` compiles it for
; i686 (the same instruction sequence in the iteration loop: ADDSD/SUBSD/MULSD, MOVAPD
; between registers, MOVSD load and COMISD). It needs a CPU with SSE2 (x86pc: -cpu x86pc)
; and sets CR4.OSFXSR. checksum = checksum * 33 + iterations over every point of every
; frame; REPS=1 gives gbench's mandel checksum 93383594, as for the x87 version.
; Output and exits as int-loop (tests/bench/bench.inc).
;
; Instruction count, by construction, from the first RDTSC (included) to the second
; (excluded): per point, set-up 8, then the test (9), and per further iteration a body of
; 10 and the test again (19), then 8 to finish the point: escaping after `it` iterations
; costs 8 + 9 + 19 * it + 8 = 25 + 19 * it; reaching 256 iterations leaves the last body
; after 9 of its instructions for the 2 of .maxed: 25 + 19 * 256 - 8. Per row 8 more, per
; frame 2 + 3 (the CALL, DEC, JNZ of the round loop). ESI counts iterations, EDI the
; points that reached 256, both multiplied out after the timed part:
;   N = 4 + REPS * (5 + 200 * 8 + 64000 * 25) + 19 * iterations - 8 * maxed.
;
; Build: nasm -f bin -I tests/guests/ -I tests/bench/ [-DREPS=n] -o sse-mandel.bin sse-mandel.asm
%define TEST_NAME "sse-mandel"
%include "lib.inc"
%include "bench.inc"

%ifndef REPS
%define REPS 4
%endif

VARS            equ 0x50000
tmp             equ VARS + 0x00
rep_left        equ VARS + 0x04
tsc0            equ VARS + 0x10
tsc1            equ VARS + 0x18

WIDTH           equ 320
HEIGHT          equ 200
MAX_IT          equ 256
FRAME_N         equ 5 + HEIGHT * 8 + WIDTH * HEIGHT * 25

test_main32:
                mov eax, cr0
                and eax, ~0x0C                          ; EM = TS = 0: SSE instructions run
                or eax, 0x22                            ; MP, NE
                mov cr0, eax
                mov eax, cr4
                or eax, 1 << 9                          ; OSFXSR (MXCSR 0x1F80 from reset)
                mov cr4, eax
                xor ebx, ebx                            ; checksum
                xor esi, esi                            ; iterations
                xor edi, edi                            ; points that reached MAX_IT

                ; ---- timed and counted part (bench.inc) ----
                BENCH_BEGIN
                call frame                              ; 1
                BENCH_END
                ; ---- end of the counted part ----

                mov eax, esi
                imul eax, eax, 19
                imul edi, edi, 8
                sub eax, edi
                add eax, PROLOGUE_N + REPS * FRAME_N
                mov edx, ebx
                mov ecx, [tsc1]
                sub ecx, [tsc0]
                jmp bench_report

; frame: one picture. EBX checksum, ESI iterations, EDI maxed points (all accumulated).
; XMM2 = cr, XMM3 = ci, XMM0 = zr, XMM4 = zi (the registers gcc chose).
frame:          xor ecx, ecx                            ; 1  y
.row:           cvtsi2sd xmm3, ecx                      ; 1
                mulsd xmm3, [c_2_4]                     ; 1
                divsd xmm3, [c_200]                     ; 1
                subsd xmm3, [c_1_2]                     ; 1  ci = -1.2 + 2.4 * y / 200
                xor edx, edx                            ; 1  x  (5 per row so far)
.col:           cvtsi2sd xmm2, edx                      ; 1
                mulsd xmm2, [c_3]                       ; 1
                divsd xmm2, [c_320]                     ; 1
                subsd xmm2, [c_2]                       ; 1  cr = -2.0 + 3.0 * x / 320
                xor eax, eax                            ; 1  it
                pxor xmm4, xmm4                         ; 1  zi
                movapd xmm0, xmm4                       ; 1  zr
                jmp .test                               ; 1  (set-up: 8)
.body:          subsd xmm1, xmm5                        ; 1  zr*zr - zi*zi
                addsd xmm1, xmm2                        ; 1  + cr
                addsd xmm0, xmm0                        ; 1  2 * zr
                mulsd xmm0, xmm4                        ; 1  2 * zr * zi
                movapd xmm4, xmm0                       ; 1
                addsd xmm4, xmm3                        ; 1  zi = 2 * zr * zi + ci
                add eax, 1                              ; 1
                cmp eax, MAX_IT                         ; 1
                je .maxed                               ; 1
                movapd xmm0, xmm1                       ; 1  zr  (body: 10)
.test:          movapd xmm1, xmm0                       ; 1
                mulsd xmm1, xmm0                        ; 1  zr * zr
                movapd xmm5, xmm4                       ; 1
                mulsd xmm5, xmm4                        ; 1  zi * zi
                movapd xmm7, xmm1                       ; 1
                addsd xmm7, xmm5                        ; 1  zr * zr + zi * zi
                movsd xmm6, [c_4]                       ; 1
                comisd xmm6, xmm7                       ; 1
                ja .body                                ; 1  (test: 9) while 4 > |z|^2
.point_done:    mov ebp, ebx                            ; 1
                shl ebp, 5                              ; 1
                add ebx, ebp                            ; 1
                add ebx, eax                            ; 1  checksum = checksum * 33 + it
                add esi, eax                            ; 1
                inc edx                                 ; 1
                cmp edx, WIDTH                          ; 1
                jne .col                                ; 1  (8)
                inc ecx                                 ; 1
                cmp ecx, HEIGHT                         ; 1
                jne .row                                ; 1  (row: 5 + 3 = 8)
                ret                                     ; 1  (frame: 2 + rows)
.maxed:         inc edi                                 ; 1
                jmp .point_done                         ; 1  (maxed: 2)

                align 8
c_2_4:          dq 2.4
c_1_2:          dq 1.2
c_200:          dq 200.0
c_3:            dq 3.0
c_320:          dq 320.0
c_2:            dq 2.0
c_4:            dq 4.0
