; x86pc-test: timeout=10 args="-m 32"
; paging-4m: 32-bit paging with CR4.PSE 4 MiB pages (PDE.PS = 1) mixed with a 4 KiB page
; table: translation of the whole 4 MiB range, aliasing, A/D bits written into the 4 MiB
; PDE, and a 4 KiB page table next to 4 MiB pages.
%define TEST_NAME "paging-4m"
%include "lib.inc"

PD              equ 0x20000
PT3             equ 0x21000                 ; 4 KiB table for 12-16 MiB
PDE_PS          equ 0x80
PDE_A           equ 0x20
PDE_D           equ 0x40

test_main32:
                ; 1: CPUID reports PSE.
                mov eax, 1
                cpuid
                and edx, 1 << 3
                CHECK_EQ edx, 1 << 3, 1, "CPUID.1:EDX.PSE"
                ; PDE 0: 0-4 MiB identity (4 MiB page); PDE 1: 4 MiB -> 8 MiB physical;
                ; PDE 2: 8 MiB identity (4 MiB page); PDE 3: page table, 12 MiB -> 8 MiB + 4K.
                mov edi, PD
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [PD + 0], 0x000000 | PDE_PS | 0x3
                mov dword [PD + 4], 0x800000 | PDE_PS | 0x3
                mov dword [PD + 8], 0x800000 | PDE_PS | 0x3
                mov dword [PD + 12], PT3 | 0x3
                mov edi, PT3
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [PT3], 0x801000 | 0x3
                mov eax, cr4
                or eax, 0x10                ; PSE
                mov cr4, eax
                mov eax, PD
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                jmp .paged
.paged:
                ; 2: the 4 MiB PDE of the code and stack gets A and D (stack write).
                push eax
                pop eax
                mov eax, [PD]
                and eax, PDE_A | PDE_D | PDE_PS
                CHECK_EQ eax, PDE_A | PDE_D | PDE_PS, 2, "4 MiB PDE 0: A, D set"
                ; 3: an untouched 4 MiB PDE is unchanged.
                CHECK_EQ [PD + 4], 0x800000 | PDE_PS | 0x3, 3, "untouched 4 MiB PDE"
                ; 4-5: write at the start of virtual 4 MiB, read at physical 8 MiB (PDE 2).
                mov dword [0x400000], 0x11223344
                mov eax, [0x800000]
                CHECK_EQ eax, 0x11223344, 4, "4 MiB page translation (start)"
                mov eax, [PD + 4]
                CHECK_EQ eax, 0x800000 | PDE_PS | 0x3 | PDE_A | PDE_D, 5, "write sets A and D"
                ; 6: the last dword of the 4 MiB page.
                mov dword [0x800000 + 0x3FFFFC], 0x55667788
                mov eax, [0x400000 + 0x3FFFFC]
                CHECK_EQ eax, 0x55667788, 6, "4 MiB page translation (end)"
                ; 7: PDE 2 was written through (check 6): A and D.
                mov eax, [PD + 8]
                and eax, PDE_A | PDE_D
                CHECK_EQ eax, PDE_A | PDE_D, 7, "PDE 2 written through: A and D"
                ; 8: a read as the first access sets only A.
                mov dword [PD + 16], 0xC00000 | PDE_PS | 0x3
                mov eax, [0x1000000 + 0x10]
                mov eax, [PD + 16]
                CHECK_EQ eax, 0xC00000 | PDE_PS | 0x3 | PDE_A, 8, "read sets A only in 4 MiB PDE"
                ; 9: 4 KiB page next to 4 MiB pages: 12 MiB -> 8 MiB + 4 KiB.
                mov dword [0x801000 + 0x20], 0xCAFEBABE
                mov eax, [0xC00000 + 0x20]
                CHECK_EQ eax, 0xCAFEBABE, 9, "4 KiB page mixed with 4 MiB pages"
                ; 10: the PDE pointing at a page table gets A; D is not written in it.
                mov eax, [PD + 12]
                and eax, PDE_A | PDE_D
                CHECK_EQ eax, PDE_A, 10, "page-table PDE: A only"
                ; 11-12: not-present 4 MiB PDE -> #PF, write, CR2.
                TRY .r11
                mov dword [0x1400000 + 0x123454], 0xA5A5A5A5
.r11:           CHECK_EXC 14, 2, 11, "#PF writing through a not-present PDE"
                CHECK_EQ [exc_cr2], 0x1400000 + 0x123454, 12, "CR2"
                PASS
