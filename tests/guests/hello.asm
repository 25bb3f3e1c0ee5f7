; x86pc-test: timeout=10 expect="Hello from x86pc guest"
; hello: smallest guest; prints a greeting on COM1 from protected mode and passes.
%define TEST_NAME "hello"
%include "lib.inc"

test_main32:
                PRINT "Hello from x86pc guest", 10
                PASS
