// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// fuzz/fuzz_qvm_rule.cpp
// The qvm-firewall rule parser, pfw::qvm::parseRule (frontends/qvm/Rule.h).
//------------------------------------------------------------------------------
//
// Input: two control bytes, then the rule text.
//   control[0] bit 0   ParseOptions::allowRelativeExpire
//              bit 1   ParseOptions::rejectPastExpire
//              bit 2   the text comes from a file ("fw.qvm", line 7) rather
//                      than the command line
//              bits 3-7 the column of text[0] (1..32; 0 is "unknown")
//   control[1] which clock: 0, the tests' 1700000000, the edges of the
//              32-bit kernel clock, the largest POLYFW_NOW (12 digits)
//
// What Rule.h promises, checked (CHECK: a message, then __builtin_trap):
//   - a rule and no diagnostic, or nothing and exactly one diagnostic,
//     whose column lies inside the text;
//   - a rule is consistent: ports only with tcp/udp, 1 <= lo <= hi <= 65535,
//     an ICMP type only with icmp, expire within the kernel's clock (and not
//     past when the options say so), a comment without control characters
//     or runs of blanks;
//   - toRaw() reads back, with the same options and with a state file's
//     options (no relative expire, past expiry allowed), to an equal rule
//     (equal canonical text), and toRaw of that is the same text again.
#include <stdint.h>

#include <string>
#include <string_view>

#include "FuzzCheck.h"
#include "frontends/qvm/Rule.h"

using namespace pfw;
using namespace pfw::qvm;

namespace {

const int64_t kClocks[] = {0, 1700000000, 1, kMaxExpire - 1, kMaxExpire, kMaxExpire + 1, 999999999999LL, 86400};

void checkRule(const Rule& r, const ParseOptions& opts) {
    if (r.ports) {
        CHECK(r.proto == Proto::Tcp || r.proto == Proto::Udp);
        CHECK(r.ports->lo >= 1 && r.ports->lo <= r.ports->hi && r.ports->hi <= 65535);
    }
    if (r.icmpType)
        CHECK(r.proto == Proto::Icmp);
    if (r.expire) {
        CHECK(*r.expire >= 0 && *r.expire <= kMaxExpire);
        if (opts.rejectPastExpire)
            CHECK(*r.expire > opts.now);
    }
    if (r.dst) {
        if (r.dst->kind == DstHost::Kind::V4)
            CHECK(r.dst->prefix >= 1 && r.dst->prefix <= 32 && r.dst->addr.family == 4);
        else if (r.dst->kind == DstHost::Kind::V6)
            CHECK(r.dst->prefix >= 1 && r.dst->prefix <= 128 && r.dst->addr.family == 6);
        else
            CHECK(!r.dst->name.empty() && validHostName(r.dst->name));
    }
    const std::string& c = r.comment;
    for (size_t i = 0; i < c.size(); i++) {
        unsigned char u = static_cast<unsigned char>(c[i]);
        CHECK(u >= 0x20 && u != 0x7f);
        if (c[i] == ' ')
            CHECK(i > 0 && i + 1 < c.size() && c[i + 1] != ' ');
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2 || size > 8192)
        return 0;
    ParseOptions opts;
    opts.allowRelativeExpire = data[0] & 1;
    opts.rejectPastExpire = data[0] & 2;
    opts.now = kClocks[data[1] % (sizeof(kClocks) / sizeof(kClocks[0]))];
    SourceLoc where;
    if (data[0] & 4) {
        where.file = "fw.qvm";
        where.line = 7;
    }
    where.column = data[0] >> 3;
    std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

    Diagnostics diags;
    std::optional<Rule> r = parseRule(text, where, opts, diags);
    if (!r) {
        CHECK(diags.all().size() == 1);
        const Diag& d = diags.all().front();
        int base = where.column > 0 ? where.column : 1;
        CHECK(d.loc.column >= base && static_cast<size_t>(d.loc.column - base) <= text.size());
        CHECK(d.loc.file == where.file && d.loc.line == where.line);
        CHECK(!d.message.empty());
        (void)d.format();
        return 0;
    }
    CHECK(diags.empty());
    checkRule(*r, opts);

    std::string raw = toRaw(*r);
    ParseOptions stateOpts{opts.now, false, false};
    for (const ParseOptions& o : {opts, stateOpts}) {
        Diagnostics d2;
        std::optional<Rule> back = parseRule(raw, {}, o, d2);
        CHECK(back && d2.empty());
        CHECK(toRaw(*back) == raw);
        checkRule(*back, o);
    }
    return 0;
}
