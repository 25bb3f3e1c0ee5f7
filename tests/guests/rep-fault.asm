; x86pc-test: timeout=10
; rep-fault: REP MOVSD that faults in the middle.  The destination's second page is not
; present: #PF(W) with CR2 = its first byte and ECX/ESI/EDI pointing at the faulting
; element (earlier elements already copied); the handler maps the page and IRETs to the
; REP instruction, which completes the copy.  Second case: a REP MOVSD whose source element
; straddles into a not-present page (ESI at the straddling element, CR2 = page start).
%define TEST_NAME "rep-fault"
%include "lib.inc"

PD              equ 0x20000
PT0             equ 0x21000
PT1             equ 0x22000                 ; 4-8 MiB
SRC             equ 0x400000                ; 2 pages -> 0x30000
DST             equ 0x500000                ; page 0 -> 0x40000, page 1 -> 0x41000 (late)
SRC2            equ 0x600000                ; page 0 -> 0x50000, page 1 -> 0x51000 (late)
DST2            equ 0x42000                 ; identity mapped
COUNT           equ 0x800                   ; dwords = 8 KiB

%define PTE(va) (PT1 + (((va) >> 12) & 0x3FF) * 4)

PF_COUNT        equ TEST_RAM + 0x00
PF_ECX          equ TEST_RAM + 0x04
PF_ESI          equ TEST_RAM + 0x08
PF_EDI          equ TEST_RAM + 0x0C
PF_CR2          equ TEST_RAM + 0x10
PF_ERR          equ TEST_RAM + 0x14
PF_EIP          equ TEST_RAM + 0x18
PF_MAP_PTE      equ TEST_RAM + 0x1C         ; PTE address the handler fills
PF_MAP_VAL      equ TEST_RAM + 0x20         ; value it writes
PF_DST_BEFORE   equ TEST_RAM + 0x24         ; last dword of the first destination page

test_main32:
                mov edi, PD
                mov esi, PT0
                mov edx, 0x3
                call pg_identity_4k
                mov dword [PD + 4], PT1 | 0x3
                mov edi, PT1
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [PTE(SRC)], 0x30000 | 3
                mov dword [PTE(SRC + 0x1000)], 0x31000 | 3
                mov dword [PTE(DST)], 0x40000 | 3
                mov dword [PTE(SRC2)], 0x50000 | 3
                ; source pattern i * 0x01010101 ^ 0xA5A5A5A5; destinations cleared
                mov edi, 0x30000
                xor ecx, ecx
.fill:          mov eax, ecx
                imul eax, eax, 0x01010101
                xor eax, 0xA5A5A5A5
                stosd
                inc ecx
                cmp ecx, COUNT
                jb .fill
                mov edi, 0x40000
                mov ecx, 0x3000 / 4
                xor eax, eax
                rep stosd
                mov edi, 0x50000
                mov ecx, 0x2000 / 4
                mov eax, 0x01020304
.fill2:         stosd
                add eax, 0x04040404
                loop .fill2
                SET_GATE 14, pf_handler
                mov eax, PD
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                jmp .paged
.paged:
                ; ---- case 1: destination page 2 missing ----
                mov dword [PF_COUNT], 0
                mov dword [PF_MAP_PTE], PTE(DST + 0x1000)
                mov dword [PF_MAP_VAL], 0x41000 | 3
                mov esi, SRC
                mov edi, DST
                mov ecx, COUNT
                cld
.rep1:          rep movsd
                CHECK_EQ [PF_COUNT], 1, 1, "exactly one #PF"
                CHECK_EQ [PF_ERR], 2, 2, "#PF error code: write, not present"
                CHECK_EQ [PF_CR2], DST + 0x1000, 3, "CR2 = first byte of the missing page"
                CHECK_EQ [PF_EIP], .rep1, 4, "EIP = the REP MOVSD"
                CHECK_EQ [PF_ECX], COUNT - 0x400, 5, "ECX at the faulting element"
                CHECK_EQ [PF_ESI], SRC + 0x1000, 6, "ESI at the faulting element"
                CHECK_EQ [PF_EDI], DST + 0x1000, 7, "EDI at the faulting element"
                mov eax, [0x30000 + 0xFFC]
                CHECK_EQ [PF_DST_BEFORE], eax, 8, "elements before the fault were copied"
                CHECK_EQ ecx, 0, 9, "final ECX"
                CHECK_EQ esi, SRC + 4 * COUNT, 10, "final ESI"
                CHECK_EQ edi, DST + 4 * COUNT, 11, "final EDI"
                mov esi, 0x30000
                mov edi, 0x40000
                mov ecx, COUNT
                repe cmpsd
                CHECK_EQ ecx, 0, 12, "copied data matches the source"
                CHECK_EQ [0x42000], 0, 13, "nothing written past the end"

                ; ---- case 2: source element straddles into a missing page ----
                mov dword [PF_COUNT], 0
                mov dword [PF_MAP_PTE], PTE(SRC2 + 0x1000)
                mov dword [PF_MAP_VAL], 0x51000 | 3
                mov esi, SRC2 + 0xFF2       ; elements at FF2, FF6, FFA, FFE (straddles)...
                mov edi, DST2
                mov ecx, 8
.rep2:          rep movsd
                CHECK_EQ [PF_COUNT], 1, 14, "exactly one #PF (straddling source)"
                CHECK_EQ [PF_ERR], 0, 15, "#PF error code: read, not present"
                CHECK_EQ [PF_CR2], SRC2 + 0x1000, 16, "CR2 = first byte of the missing page"
                CHECK_EQ [PF_ECX], 5, 17, "ECX at the straddling element"
                CHECK_EQ [PF_ESI], SRC2 + 0xFFE, 18, "ESI at the straddling element"
                CHECK_EQ [PF_EDI], DST2 + 12, 19, "EDI at the straddling element"
                mov esi, 0x50FF2
                mov edi, DST2
                mov ecx, 8
                repe cmpsd
                CHECK_EQ ecx, 0, 20, "straddling copy matches the source"
                PASS

; #PF handler: records state at the first fault, maps [PF_MAP_PTE] = [PF_MAP_VAL], returns.
pf_handler:
                pushad                      ; [esp] EDI, +4 ESI, +8 EBP, +12 ESP, +16 EBX, +20 EDX, +24 ECX, +28 EAX
                inc dword [PF_COUNT]
                cmp dword [PF_COUNT], 1
                jne .fail
                mov eax, [esp + 24]         ; ECX
                mov [PF_ECX], eax
                mov eax, [esp + 4]          ; ESI
                mov [PF_ESI], eax
                mov eax, [esp + 0]          ; EDI
                mov [PF_EDI], eax
                mov eax, cr2
                mov [PF_CR2], eax
                mov eax, [esp + 32]
                mov [PF_ERR], eax
                mov eax, [esp + 36]
                mov [PF_EIP], eax
                mov eax, [0x40000 + 0xFFC]
                mov [PF_DST_BEFORE], eax
                mov ebx, [PF_MAP_PTE]
                mov eax, [PF_MAP_VAL]
                mov [ebx], eax
                mov eax, cr2
                invlpg [eax]
                popad
                add esp, 4
                iretd
.fail:          popad
                jmp exc_stubs + 14 * 16
