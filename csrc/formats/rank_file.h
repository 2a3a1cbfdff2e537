// A fast reader for tiktoken's rank files: one "<base64 token> <rank>" per line.
//
// Only the regular case is read here -- canonical base64, dense decimal ranks below 2**31, no
// duplicated rank (a duplicated token is the caller's to notice: its table of tokens comes out
// shorter than the list). At the first irregular line the reader gives up and the caller's
// exact reader (tokensmith.formats.tiktoken.parse_ranks, in Python) reads the file again and
// reports the problem with its file and line. Loading cl100k or o200k then costs a few
// milliseconds of parsing instead of a Python loop over every line.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ts::formats {

// Appends each line's token and rank, in file order. Returns false (outputs then unspecified)
// on anything but the regular case described above.
bool read_rank_file(const char* data, size_t n, std::vector<std::string>& tokens,
                    std::vector<uint32_t>& ranks);

}  // namespace ts::formats
