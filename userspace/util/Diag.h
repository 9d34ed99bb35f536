// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// util/Diag.h
// User-facing errors: data with a location, never exceptions.
//------------------------------------------------------------------------------
#pragma once

#include <string>
#include <vector>

namespace pfw {

// Where a diagnostic points.  file is empty for command-line input; line and
// column are 1-based, 0 when unknown; token is the offending word.
struct SourceLoc {
    std::string file;
    int line = 0;
    int column = 0;
};

struct Diag {
    SourceLoc loc;
    std::string token;
    std::string message;

    // One line: "FILE:LINE:COL: error: 'TOKEN': MESSAGE", leaving out what is
    // unknown ("error: 'dstports=80': dstports needs proto=tcp or proto=udp").
    std::string format() const;
};

class Diagnostics {
public:
    void error(SourceLoc loc, std::string token, std::string message);
    bool empty() const { return diags_.empty(); }
    const std::vector<Diag>& all() const { return diags_; }
    // Every diagnostic, one a line.
    std::string format() const;

private:
    std::vector<Diag> diags_;
};

}  // namespace pfw
