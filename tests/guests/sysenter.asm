; x86pc-test: timeout=10
; sysenter: SYSENTER and SYSEXIT on a CPU with SEP (the default model); the checks are in
; sysenter.inc.
%define TEST_NAME "sysenter"
%include "sysenter.inc"
