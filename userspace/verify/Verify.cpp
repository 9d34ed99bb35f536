// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// verify/Verify.cpp
// The shared C verifier, seen from C++.
//------------------------------------------------------------------------------
#include "verify/Verify.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace pfw::verify {

std::string check(const std::vector<uint32_t>& blob, pfw_prog* prog) {
    char log[PFW_VERIFY_LOG_LEN];
    pfw_prog tmp;
    int ret = pfw_verify(blob.data(), blob.size() * 4, prog ? prog : &tmp, log, sizeof(log));
    if (ret == 0)
        return "";
    if (ret == -ENOMEM)
        return "out of memory";
    return log;
}

std::string check(const std::vector<uint32_t>& blob) { return check(blob, nullptr); }

std::string readProgramFile(const std::string& path, std::vector<uint32_t>& blob) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return path + ": " + std::strerror(errno);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() % 4)
        return path + ": not a polyfw program (length " + std::to_string(bytes.size()) +
               " is not a multiple of 4)";
    blob.assign(bytes.size() / 4, 0);
    if (!bytes.empty())
        std::memcpy(blob.data(), bytes.data(), bytes.size());
    return "";
}

std::string writeProgramFile(const std::string& path, const std::vector<uint32_t>& blob) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            return tmp + ": " + std::strerror(errno);
        out.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size() * 4));
        if (!out)
            return tmp + ": write failed";
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        return path + ": " + std::strerror(errno);
    return "";
}

}  // namespace pfw::verify
