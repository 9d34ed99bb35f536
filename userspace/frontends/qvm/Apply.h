// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Apply.h
// Putting a compiled program in force.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pfw::qvm {

enum class ApplyResult { Written, Unchanged, Failed };

// Writes blob (its raw bytes, host order) atomically to path,
// STATE_DIR/program.pfw, unless the file already holds exactly these bytes
// and force (--reload) is not set.  The file is what the boot-time load
// puts in force.
ApplyResult applyProgram(const std::vector<uint32_t>& blob, const std::string& path, bool force, std::string& error);

// Whether qvm-firewall talks to the kernel: Auto loads the program when the
// polyfw module is there and says so when it is not; Off never tries
// ($POLYFW_KERNEL=off, for tests and for preparing rules offline).
enum class KernelMode { Auto, Off };

// The kernel side of a change, in two steps around the compile: begin()
// reads the generation of the kernel's table "qvm", commit() loads the new
// program into it only if nobody changed it in between, as one atomic swap.
// Other tables (a host policy beside the VMs') are left alone.
class KernelLoad {
public:
    explicit KernelLoad(KernelMode mode) : mode_(mode) {}
    // "" or an error; sets available() when the module answered.
    std::string begin();
    bool available() const { return available_; }
    std::string commit(const std::vector<uint32_t>& blob);
    uint32_t generation() const { return generation_; }

private:
    KernelMode mode_;
    bool available_ = false;
    uint32_t generation_ = 0;
    std::optional<int32_t> priority_;  // when the load creates the table
};

}  // namespace pfw::qvm
