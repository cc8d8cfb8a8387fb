// The all-numbers fast path of the CSV reader (main/table/csv.ts): the data lines of an unquoted file
// whose every cell is a plain decimal number, parsed on every thread. The TypeScript reader remains the
// reference: anything outside that narrow grammar (a missing token, text, spaces, a wrong cell count,
// a number out of float64's range, or non-ASCII bytes) makes this parser decline, and the file is read
// by the TypeScript path, which gives the same values or the same error as ever.
//
// Accepted cell: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, with nothing around it.
// std::from_chars rounds to nearest (ties to even), as JavaScript's Number(cell) does, so the values are
// identical. Lines end in \n, optionally preceded by \r; blank lines are skipped, as the reader does.
#include <charconv>
#include <cstring>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"

namespace milens::cpu {
namespace {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/** True when [begin, end) is one accepted cell; its value goes to `value`. */
bool parse_cell(const char* begin, const char* end, double& value) {
  const char* at = begin;
  if (at < end && (*at == '+' || *at == '-')) ++at;
  const char* digits = at;
  while (at < end && is_digit(*at)) ++at;
  bool any = at > digits;
  if (at < end && *at == '.') {
    ++at;
    const char* fraction = at;
    while (at < end && is_digit(*at)) ++at;
    any = any || at > fraction;
  }
  if (!any) return false;
  if (at < end && (*at == 'e' || *at == 'E')) {
    ++at;
    if (at < end && (*at == '+' || *at == '-')) ++at;
    const char* exponent = at;
    while (at < end && is_digit(*at)) ++at;
    if (at == exponent) return false;
  }
  if (at != end) return false;
  // from_chars takes no leading '+'.
  const char* start = *begin == '+' ? begin + 1 : begin;
  const auto [ptr, ec] = std::from_chars(start, end, value, std::chars_format::general);
  // Out of range (|v| ≥ 2^1024 or a non-zero value that rounds to 0 or a subnormal edge): leave it to the reference.
  return ec == std::errc() && ptr == end;
}

/** Parses the lines of [begin, end) into part.columns; false on the first line it declines. */
bool parse_part(const char* begin, const char* end, int64_t column_count, char delimiter, std::vector<std::vector<double>>& columns) {
  columns.assign(column_count, {});
  const int64_t estimate = (end - begin) / (column_count * 8 + 1) + 16;
  for (auto& column : columns) column.reserve(estimate);
  const char* line = begin;
  while (line < end) {
    const char* newline = static_cast<const char*>(std::memchr(line, '\n', end - line));
    const char* line_end = newline ? newline : end;
    const char* next = newline ? newline + 1 : end;
    if (line_end > line && line_end[-1] == '\r') --line_end;
    if (line_end > line) {
      const char* cell = line;
      for (int64_t c = 0; c < column_count; ++c) {
        const char* cell_end = cell;
        while (cell_end < line_end && *cell_end != delimiter) ++cell_end;
        if ((c < column_count - 1) != (cell_end < line_end)) return false;  // too few or too many cells
        double value;
        if (!parse_cell(cell, cell_end, value)) return false;
        columns[c].push_back(value);
        cell = cell_end + 1;
      }
    }
    line = next;
  }
  return true;
}

}  // namespace

bool parse_numeric_csv(const char* data, int64_t size, int64_t column_count, char delimiter, std::vector<std::vector<std::vector<double>>>& parts) {
  if (column_count < 1) return false;
  // Cut at line starts, about 4 MB per part at least, one part per thread at most.
  const int chunks = chunk_count(size, int64_t{4} << 20);
  std::vector<int64_t> cuts{0};
  for (int c = 1; c < chunks; ++c) {
    int64_t at = size * c / chunks;
    const void* newline = std::memchr(data + at, '\n', size - at);
    at = newline ? static_cast<const char*>(newline) - data + 1 : size;
    if (at > cuts.back()) cuts.push_back(at);
  }
  if (cuts.back() < size) cuts.push_back(size);
  const int64_t part_count = static_cast<int64_t>(cuts.size()) - 1;
  parts.assign(std::max<int64_t>(part_count, 0), {});
  std::vector<char> accepted(parts.size(), 0);
  parallel_for(0, part_count, 1, [&](int, int64_t from, int64_t to) {
    for (int64_t p = from; p < to; ++p) accepted[p] = parse_part(data + cuts[p], data + cuts[p + 1], column_count, delimiter, parts[p]);
  });
  for (char ok : accepted) {
    if (!ok) return false;
  }
  return true;
}

}  // namespace milens::cpu
