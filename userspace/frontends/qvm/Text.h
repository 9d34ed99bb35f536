// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Text.h
// Words, lines and whole files: the text plumbing every qvm parser shares.
//------------------------------------------------------------------------------
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pfw::qvm {

// A word of a line and its 1-based column, so diagnostics can point at it.
struct Word {
    std::string_view text;
    int column = 0;
};

// Splits at runs of blanks (space, tab, CR, vertical tab, form feed).
// firstColumn is the column of line[0].
std::vector<Word> splitWords(std::string_view line, int firstColumn = 1);

// The text with every run of blanks made one space and no blank at either end:
// the canonical form of a comment, which must survive a round trip through a
// one-rule-a-line state file and argv splitting alike.
std::string collapseBlanks(std::string_view text);

bool isBlank(char c);

// The lines of a file, without their '\n'.
std::vector<std::string_view> splitLines(std::string_view text);

enum class ReadStatus { Ok, Missing, Error };

// Reads a whole file.  A missing file is reported apart from other failures
// because several qvm files are optional; error gets strerror's text.
ReadStatus readFile(const std::string& path, std::string& out, std::string& error);

// Replaces path with data so that readers see either the old or the new file,
// never a mix: a temporary file in the same directory, fsync, rename.  The
// directory must exist.  mode is the new file's permission bits.
bool writeFileAtomic(const std::string& path, std::string_view data, std::string& error, unsigned mode = 0644);

}  // namespace pfw::qvm
