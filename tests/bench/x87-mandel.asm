; x87-mandel: x87 floating-point benchmark guest (see tests/bench/README.md).
;
; The "mandel" workload of ../shared/bench/gbench.c as a bare-metal image: REPS frames of a
; 320x200 Mandelbrot set, at most 256 iterations per point, in double arithmetic as
; `gcc -O2 -mfpmath=387` compiles it (the same x87 instruction sequence: values stay in the
; 80-bit registers, FCW 0x37F as after FNINIT). checksum = checksum * 33 + iterations over
; every point of every frame, so REPS=1 gives gbench's mandel checksum 93383594.
; Output and exits as int-loop (tests/bench/bench.inc).
;
; Instruction count, by construction, from the first RDTSC (included) to the second
; (excluded): per point, set-up 9, then per iteration a body of 9 and a test of 10, and the
; exit: escaping after `it` iterations costs 9 + 19 * it + 10 (the last test) + 5 + 8 =
; 32 + 19 * it; reaching 256 iterations costs 9 + 19 * 256 + 5 + 8 = 22 + 19 * 256. Per row
; 10 more, per frame 2 + 3 (the CALL, DEC, JNZ of the round loop). ESI counts iterations,
; EDI the points that reached 256, both multiplied out after the timed part:
;   N = 4 + REPS * (5 + 200 * 10 + 64000 * 32) + 19 * iterations - 10 * maxed.
;
; Build: nasm -f bin -I tests/guests/ -I tests/bench/ [-DREPS=n] -o x87-mandel.bin x87-mandel.asm
%define TEST_NAME "x87-mandel"
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
FRAME_N         equ 5 + HEIGHT * 10 + WIDTH * HEIGHT * 32

test_main32:
                mov eax, cr0
                and eax, ~0x0C                          ; EM = TS = 0: x87 instructions run
                or eax, 0x22                            ; MP, NE
                mov cr0, eax
                fninit                                  ; FCW 0x37F: 64-bit precision, RN
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
                imul edi, edi, 10
                sub eax, edi
                add eax, PROLOGUE_N + REPS * FRAME_N
                mov edx, ebx
                mov ecx, [tsc1]
                sub ecx, [tsc0]
                jmp bench_report

; frame: one picture. EBX checksum, ESI iterations, EDI maxed points (all accumulated).
; Stack at .test: ST0 = zi, ST1 = zr, ST2 = cr, ST3 = ci.
frame:          xor ecx, ecx                            ; 1  y
.row:           mov [tmp], ecx                          ; 1
                fild dword [tmp]                        ; 1
                fmul qword [c_2_4]                      ; 1
                fdiv dword [c_200]                      ; 1
                fsub qword [c_1_2]                      ; 1  ci = -1.2 + 2.4 * y / 200
                xor edx, edx                            ; 1  x  (6 per row so far)
.col:           mov [tmp], edx                          ; 1
                fild dword [tmp]                        ; 1
                fmul dword [c_3]                        ; 1
                fdiv dword [c_320]                      ; 1
                fsub dword [c_2]                        ; 1  cr = -2.0 + 3.0 * x / 320
                xor eax, eax                            ; 1  it
                fldz                                    ; 1  zr
                fld st0                                 ; 1  zi
                jmp .test                               ; 1  (set-up: 9)
.body:          fsubp st1, st0                          ; 1  zr*zr - zi*zi
                add eax, 1                              ; 1
                fadd st0, st3                           ; 1  t = zr*zr - zi*zi + cr
                fxch st2                                ; 1
                fadd st0, st0                           ; 1  2 * zr
                fmulp st1, st0                          ; 1  2 * zr * zi
                fadd st0, st3                           ; 1  zi = 2 * zr * zi + ci
                cmp eax, MAX_IT                         ; 1
                je .maxed                               ; 1  (body: 9)
.test:          fld st1                                 ; 1
                fmul st0, st2                           ; 1  zr * zr
                fld st1                                 ; 1
                fmul st0, st2                           ; 1  zi * zi
                fld st1                                 ; 1
                fadd st0, st1                           ; 1  zr * zr + zi * zi
                fld dword [c_4]                         ; 1
                fcomip st0, st1                         ; 1
                fstp st0                                ; 1
                ja .body                                ; 1  (test: 10) while 4 > |z|^2
                fstp st0                                ; 1
                fstp st0                                ; 1
                fstp st0                                ; 1
                fstp st0                                ; 1
                fstp st0                                ; 1  (escape: 5) ci left
.point_done:    mov ebp, ebx                            ; 1
                shl ebp, 5                              ; 1
                add ebx, ebp                            ; 1
                add ebx, eax                            ; 1  checksum = checksum * 33 + it
                add esi, eax                            ; 1
                inc edx                                 ; 1
                cmp edx, WIDTH                          ; 1
                jne .col                                ; 1  (8)
                fstp st0                                ; 1  drop ci
                inc ecx                                 ; 1
                cmp ecx, HEIGHT                         ; 1
                jne .row                                ; 1  (row: 6 + 4 = 10)
                ret                                     ; 1  (frame: 2 + rows)
.maxed:         fstp st0                                ; 1
                fstp st0                                ; 1
                fstp st0                                ; 1  ci left
                inc edi                                 ; 1
                jmp .point_done                         ; 1  (maxed: 5)

                align 8
c_2_4:          dq 2.4
c_1_2:          dq 1.2
c_200:          dd 200.0
c_3:            dd 3.0
c_320:          dd 320.0
c_2:            dd 2.0
c_4:            dd 4.0
