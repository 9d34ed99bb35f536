// SPDX-License-Identifier: GPL-2.0 OR MIT
// The Catch2 runner for every unit test.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
