// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// verify/Verify.cpp
// The shared C verifier, seen from C++.
//------------------------------------------------------------------------------
#include "verify/Verify.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

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
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return path + ": " + std::strerror(errno);
    // Straight into words, and never much more than the largest program.
    constexpr size_t kCap = PFW_MAX_PROG_BYTES + 4ul;
    std::vector<uint32_t> words(1024);
    size_t bytes = 0;
    int err = 0;
    for (;;) {
        if (bytes == words.size() * 4) {
            if (bytes >= kCap)
                break;
            words.resize(std::min(words.size() * 2, kCap / 4));
        }
        errno = 0;
        size_t got = std::fread(reinterpret_cast<char*>(words.data()) + bytes, 1, words.size() * 4 - bytes, f);
        bytes += got;
        if (got == 0) {
            if (std::ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    std::fclose(f);
    if (err)
        return path + ": " + std::strerror(err);
    if (bytes < 4) {
        // the start of a magic number (either byte order), or nothing
        uint32_t magic = PFW_PROG_MAGIC, swapped = __builtin_bswap32(PFW_PROG_MAGIC);
        bool start = !std::memcmp(words.data(), &magic, bytes) || !std::memcmp(words.data(), &swapped, bytes);
        return path + ": not a polyfw program: " + (start ? "truncated" : "bad magic");
    }
    if (words[0] == __builtin_bswap32(PFW_PROG_MAGIC))
        return path + ": not a polyfw program: wrong byte order";
    if (words[0] != PFW_PROG_MAGIC)
        return path + ": not a polyfw program: bad magic";
    if (bytes > PFW_MAX_PROG_BYTES)
        return path + ": oversize program: more than " + std::to_string(PFW_MAX_PROG_BYTES) + " bytes";
    if (bytes % 4)
        return path + ": not a polyfw program: length " + std::to_string(bytes) + " is not a multiple of 4";
    words.resize(bytes / 4);
    blob = std::move(words);
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
