// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Apply.h
// Putting a compiled program in force.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pfw::qvm {

enum class ApplyResult { Written, Unchanged, Failed };

// Puts blob in force.  Today that is: write it (its raw bytes, host order)
// atomically to path, STATE_DIR/program.pfw, unless the file already holds
// exactly these bytes and force (--reload) is not set.  Loading the program
// into the kernel module over netlink belongs here too, once that exists, so
// that every caller that changes rules also reloads the kernel.
ApplyResult applyProgram(const std::vector<uint32_t>& blob, const std::string& path, bool force, std::string& error);

}  // namespace pfw::qvm
