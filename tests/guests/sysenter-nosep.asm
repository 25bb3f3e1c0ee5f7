; x86pc-test: timeout=10 args="-cpu pentiumpro" qemu=unsupported
; sysenter-nosep: SYSENTER and SYSEXIT on the Pentium Pro, which has no SEP: #UD at CPL 0
; and at CPL 3 (where a CPU with SEP gives #GP(0) for SYSEXIT). Checks in sysenter.inc.
%define TEST_NAME "sysenter-nosep"
%define NO_SEP
%include "sysenter.inc"
