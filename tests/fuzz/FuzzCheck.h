// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// fuzz/FuzzCheck.h
// CHECK(cond): a property a fuzz target asserts.  A failure names the check
// on stderr and traps, so that libFuzzer keeps the input as a crash.
//------------------------------------------------------------------------------
#pragma once

#include <stdio.h>

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            __builtin_trap();                                                                \
        }                                                                                    \
    } while (0)
