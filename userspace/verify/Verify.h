// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// verify/Verify.h
// The shared C verifier, seen from C++.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "polyfw/prog.h"
}

namespace pfw::verify {

// The verifier's reason for refusing blob, or "" when it is a valid program.
std::string check(const std::vector<uint32_t>& blob);
// Same, and fills *prog with views into blob (valid while blob lives).
std::string check(const std::vector<uint32_t>& blob, pfw_prog* prog);

// Reads a program file into words; "" or a one-line error naming the file.
// Only the header's magic number is checked ("FILE: not a polyfw program:
// bad magic", "... wrong byte order" for a program of the other byte order,
// "... truncated" for a file that ends inside the magic); check() does the
// rest.
std::string readProgramFile(const std::string& path, std::vector<uint32_t>& blob);
std::string writeProgramFile(const std::string& path, const std::vector<uint32_t>& blob);

}  // namespace pfw::verify
