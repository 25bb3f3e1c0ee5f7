; x86pc-test: timeout=10 args="-m 32"
; paging-pae: PAE paging (CR4.PAE, 64-bit entries, 4-entry PDPT): 2 MiB pages and 4 KiB
; pages, translation through two PDPT entries, A/D bits written into the 64-bit entries
; (upper halves untouched), #PF for not-present entries and for WP-protected writes.
%define TEST_NAME "paging-pae"
%include "lib.inc"

PDPT            equ 0x20000
PD0             equ 0x21000                 ; 0-1 GiB
PT01            equ 0x22000                 ; 2-4 MiB, 4 KiB pages
PD1             equ 0x23000                 ; 1-2 GiB
PHYS_A          equ 0x30000
PHYS_B          equ 0x31000
E_PS            equ 0x80
E_A             equ 0x20
E_D             equ 0x40

; ENTRY addr, low : 64-bit entry with upper half 0.
%macro ENTRY 2
                mov dword [%1], %2
                mov dword [(%1) + 4], 0
%endmacro

test_main32:
                ; 1: CPUID reports PAE.
                mov eax, 1
                cpuid
                and edx, 1 << 6
                CHECK_EQ edx, 1 << 6, 1, "CPUID.1:EDX.PAE"
                mov edi, PDPT
                mov ecx, 0x4000 / 4
                xor eax, eax
                rep stosd
                ENTRY PDPT + 0, PD0 | 1
                ENTRY PDPT + 8, PD1 | 1
                ENTRY PD0 + 0, 0x000000 | E_PS | 0x3        ; 0-2 MiB identity
                ENTRY PD0 + 8, PT01 | 0x3                   ; 2-4 MiB: page table
                ENTRY PD0 + 16, 0x800000 | E_PS | 0x3       ; 4 MiB -> 8 MiB
                ENTRY PD0 + 32, 0x800000 | E_PS | 0x3       ; 8-10 MiB identity
                ENTRY PD0 + 40, 0xA00000 | E_PS | 0x3       ; 10-12 MiB identity
                ENTRY PT01 + 0, PHYS_A | 0x3                ; 2 MiB -> PHYS_A
                ENTRY PT01 + 8, PHYS_B | 0x1                ; 2 MiB + 4K -> PHYS_B, read-only
                ENTRY PD1 + 0, 0xA00000 | E_PS | 0x3        ; 1 GiB -> 10 MiB
                mov dword [PHYS_A], 0x0A0A0A0A
                mov eax, cr4
                or eax, 0x20                ; PAE
                mov cr4, eax
                mov eax, PDPT
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80010000          ; PG | WP
                mov cr0, eax
                jmp .paged
.paged:         push eax
                pop eax
                ; 2: 2 MiB PDE of code and stack: A and D.
                mov eax, [PD0]
                and eax, E_PS | E_A | E_D
                CHECK_EQ eax, E_PS | E_A | E_D, 2, "2 MiB PDE: A and D"
                ; 3-5: 4 KiB page read: A set in PTE (low half), upper half still 0; PDE A.
                mov eax, [0x200000]
                CHECK_EQ eax, 0x0A0A0A0A, 3, "read through a PAE 4 KiB page"
                CHECK_EQ [PT01], PHYS_A | 0x3 | E_A, 4, "PAE PTE after read: A only"
                CHECK_EQ [PT01 + 4], 0, 5, "PAE PTE upper half untouched"
                mov eax, [PD0 + 8]
                and eax, E_A | E_D
                CHECK_EQ eax, E_A, 6, "PAE PDE of a page table: A only"
                ; 7: write sets D.
                mov dword [0x200000 + 0x10], 0x0B0B0B0B
                CHECK_EQ [PT01], PHYS_A | 0x3 | E_A | E_D, 7, "PAE PTE after write: A and D"
                mov eax, [PHYS_A + 0x10]
                CHECK_EQ eax, 0x0B0B0B0B, 8, "write reached the physical page"
                ; 9-10: 2 MiB page 4 MiB -> 8 MiB.
                mov dword [0x400000 + 0x1FFFFC], 0x0C0C0C0C
                mov eax, [0x800000 + 0x1FFFFC]
                CHECK_EQ eax, 0x0C0C0C0C, 9, "2 MiB page translation"
                CHECK_EQ [PD0 + 16], 0x800000 | E_PS | 0x3 | E_A | E_D, 10, "2 MiB PDE A and D"
                ; 11: second PDPT entry: 1 GiB -> 10 MiB.
                mov dword [0xA00000 + 0x40], 0x0D0D0D0D
                mov eax, [0x40000000 + 0x40]
                CHECK_EQ eax, 0x0D0D0D0D, 11, "translation through PDPT entry 1"
                CHECK_EQ [PD1], 0xA00000 | E_PS | 0x3 | E_A, 12, "PD1 entry: A only after read"
                ; 13-14: not-present PDE under a present PDPT entry.
                TRY .r13
                mov eax, [0x40200000 + 0x8]
.r13:           CHECK_EXC 14, 0, 13, "#PF for a not-present PAE PDE"
                CHECK_EQ [exc_cr2], 0x40200008, 14, "CR2"
                ; 15: not-present PDPT entry 2.
                TRY .r15
                mov dword [0x80000000], 0
.r15:           CHECK_EXC 14, 2, 15, "#PF (write) for a not-present PDPT entry"
                ; 16-17: WP = 1: a supervisor write to a read-only page -> #PF(P|W); memory unchanged.
                mov dword [PHYS_B], 0x12341234
                TRY .r16
                mov dword [0x201000], 0x99999999
.r16:           CHECK_EXC 14, 3, 16, "#PF(P|W) writing a read-only page with WP=1"
                mov eax, [PHYS_B]
                CHECK_EQ eax, 0x12341234, 17, "faulting write did not happen"
                PASS
