; x86pc-test: selftest=fail
; selftest-fail: deliberately fails with code 0x2A (exit status 85) so that the runner can
; prove a failing guest is reported as failed.  Never counted as a normal test.
%define TEST_NAME "selftest-fail"
%include "lib.inc"

test_main32:
                FAIL 0x2A, "deliberate"
