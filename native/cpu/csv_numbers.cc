// The all-numbers fast path of the CSV reader (main/table/csv.ts): the data lines of an unquoted file
// whose every cell is a plain decimal number or a missing word, read and parsed on every thread. The
// TypeScript reader remains the reference: anything outside that narrow grammar (a quote anywhere, text,
// spaces, a wrong cell count, a number out of float64's range, non-ASCII bytes, a line over 1 MB, or a
// file that changes while it is read) makes this path decline, and the file is read by the TypeScript
// path, which gives the same values or the same error as ever.
//
// Accepted cell: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, with nothing around it.
// std::from_chars reads exactly that once the cell starts with a digit or a point (after one sign), which
// keeps its inf/nan spellings out; it rounds to nearest (ties to even), as JavaScript's Number(cell)
// does, so the values are identical. Or a missing cell, NaN as in parseNumber (main/table/columns.ts):
// empty, or one of isMissingToken's words in any ASCII casing (na, n/a, #n/a, nan, null, none, nil,
// missing, ?, -, --, .), again with nothing around it (a word with spaces around it is declined, as is
// any non-ASCII byte). Each column reports whether it received a NaN, so that the loader can mark the
// others all finite. Lines end in \n, optionally preceded by \r; blank lines are skipped (in a one-column
// file an empty line is blank, as in the TypeScript reader, not a missing cell).
//
// Two passes over the file, each cut into parts at fixed byte offsets: a part owns the lines that start
// in its byte range (the line that straddles its end is finished by reading past it). The first pass
// counts each part's non-blank lines (and looks for quotes), so that the caller can allocate the final
// columns; the second parses each part straight into its rows of those columns. Each thread reads its
// part in blocks small enough to stay in its cache while they are parsed, so nothing holds the whole file.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"
#include "positional_file.h"

namespace milens::cpu {
namespace {

/** Below this, another part costs more (a thread, a partial line read twice) than it saves. */
constexpr int64_t kPartMinBytes = int64_t{1} << 20;
/** Parts are handed out one at a time: a thread slowed by other processes simply takes fewer. */
constexpr int64_t kPartsPerThread = 4;
/** One read: parsed while it is still in the core's cache. */
constexpr int64_t kReadBytes = int64_t{256} << 10;
/** A data line longer than this (its newline included) is declined: the parse buffer holds this much. */
constexpr int64_t kLineMaxBytes = int64_t{1} << 20;
/** Past its range, a part reads in steps of this to finish its last line. */
constexpr int64_t kOverlapStepBytes = 4096;

using Buffer = std::unique_ptr<char[]>;

/** Bytes both passes have read, process-wide and only rising: the caller's progress (numeric_csv_bytes_read). */
std::atomic<int64_t> bytes_read{0};

/** One buffer per worker thread, allocated on first use (uninitialised: every byte used is read first). */
class Buffers {
 public:
  explicit Buffers(int64_t bytes) : bytes_(bytes), buffers_(hardware_threads()) {}
  char* get(int worker) {
    if (!buffers_[worker]) buffers_[worker].reset(new char[bytes_]);
    return buffers_[worker].get();
  }

 private:
  int64_t bytes_;
  std::vector<Buffer> buffers_;
};

// --- First pass: counting rows --------------------------------------------------------------------

/**
 * Of the positions [0, n) of `text`, those holding a newline that starts a non-blank line (neither
 * "\n" nor "\r\n" follows it); text[n] and text[n + 1] must be readable. Branch-free into 16 byte-wide
 * counters, emptied before they overflow, in this exact loop shape, which GCC vectorises: a 64-bit
 * counter, the test in a helper function, or the position stepped in the loop header each kept it
 * scalar, 3 to 10 times slower than reading the file.
 */
int64_t count_row_starts(const char* text, int64_t n) {
  constexpr int64_t kLanes = 16, kRounds = 255;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text);
  int64_t rows = 0, i = 0;
  while (n - i >= kLanes) {
    const int64_t span = std::min(kRounds, (n - i) / kLanes) * kLanes;
    uint8_t lanes[kLanes] = {};
    for (int64_t j = 0; j < span; j += kLanes) {
      for (int64_t lane = 0; lane < kLanes; ++lane) {
        const unsigned char at = bytes[i + j + lane], next = bytes[i + j + lane + 1], after = bytes[i + j + lane + 2];
        lanes[lane] += (at == '\n') & (next != '\n') & !((next == '\r') & (after == '\n'));
      }
    }
    for (uint8_t count : lanes) rows += count;
    i += span;
  }
  for (; i < n; ++i) rows += (bytes[i] == '\n') & (bytes[i + 1] != '\n') & !((bytes[i + 1] == '\r') & (bytes[i + 2] == '\n'));
  return rows;
}

/**
 * The non-blank lines that start in [from, to) (a line starts after each newline), into `rows`; false
 * on a quote, a read error or a short read. Past the end of the file reads as newlines.
 */
bool count_part(const PositionalFile& file, int64_t size, int64_t from, int64_t to, char* buffer, int64_t& rows) {
  rows = 0;
  for (int64_t at = from - 1; at < to - 1;) {
    const int64_t step = std::min(kReadBytes, to - 1 - at);
    const int64_t want = std::min(step + 2, size - at);
    if (file.read(buffer, want, at) != want) return false;
    bytes_read.fetch_add(want, std::memory_order_relaxed);
    std::memset(buffer + want, '\n', static_cast<size_t>(step + 2 - want));
    if (std::memchr(buffer, '"', static_cast<size_t>(want)) != nullptr) return false;
    rows += count_row_starts(buffer, step);
    at += step;
  }
  return true;
}

// --- Second pass: parsing -------------------------------------------------------------------------

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/** The number that starts at `at` into `value`, and where it ends; nullptr when the cell does not start one. */
inline const char* parse_number(const char* at, const char* stop, double& value) {
  const char* number = at;  // from_chars takes a '-' but no '+'
  if (at < stop && *at == '+') {
    number = ++at;
  } else if (at < stop && *at == '-') {
    ++at;
  }
  if (at >= stop || !(is_digit(*at) || *at == '.')) return nullptr;
  const auto [end, error] = std::from_chars(number, stop, value, std::chars_format::general);
  // Out of range (|v| ≥ 2^1024 or a non-zero value that rounds to 0): leave it to the reference.
  return error == std::errc() ? end : nullptr;
}

/**
 * The missing cell that starts at `at` (isMissingToken's words, ASCII letters in any case, or nothing),
 * and where it ends: at the delimiter, CR or LF after it, or stop; nullptr when the cell is not one.
 */
inline const char* parse_missing(const char* at, const char* stop, char delimiter) {
  constexpr int kLongest = 7;  // "missing"
  char word[kLongest];
  int length = 0;
  for (; at < stop && *at != delimiter && *at != '\r' && *at != '\n'; ++at) {
    if (length == kLongest) return nullptr;
    const char c = *at;
    word[length++] = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
  }
  static constexpr const char* kWords[] = {"", "na", "n/a", "#n/a", "nan", "null", "none", "nil", "missing", "?", "-", "--", "."};
  for (const char* missing : kWords) {
    if (std::strlen(missing) == static_cast<size_t>(length) && std::memcmp(missing, word, static_cast<size_t>(length)) == 0) return at;
  }
  return nullptr;
}

/** Where the data is read into and the parsed values go. */
struct Destination {
  double* const* columns;
  int64_t column_count;
  char delimiter;
};

/**
 * Parses the row that starts at `at` (not blank) into row `row`, adding 1 to non_finite[c] for each
 * column c that receives a missing cell's NaN (the only value that is not finite: a number out of range
 * is declined, see parse_number); returns the start of the next line, or nullptr when the line is
 * declined. [at, stop) ends at a newline or at the end of the file.
 */
const char* parse_row(const char* at, const char* stop, const Destination& to, int64_t row, int64_t* non_finite) {
  for (int64_t c = 0;; ++c) {
    const char* end = parse_number(at, stop, to.columns[c][row]);
    if (end == nullptr) {
      end = parse_missing(at, stop, to.delimiter);
      if (end == nullptr) return nullptr;
      to.columns[c][row] = std::numeric_limits<double>::quiet_NaN();
      ++non_finite[c];
    }
    char next = end < stop ? *end : '\n';
    if (c + 1 < to.column_count) {
      if (next != to.delimiter) return nullptr;
      at = end + 1;
      continue;
    }
    if (next == '\r') next = ++end < stop ? *end : '\n';
    if (next != '\n') return nullptr;
    return std::min(end + 1, stop);
  }
}

/**
 * Parses the lines of [at, stop) that start before `limit` into rows row, row + 1, … below end_row
 * (non_finite as in parse_row); returns where it stopped (a line start, or stop), or nullptr when a line is
 * declined or there are more rows than counted. [at, stop) ends at a newline or at the end of the file.
 */
const char* parse_lines(const char* at, const char* stop, const char* limit, const Destination& to, int64_t& row, int64_t end_row,
                        int64_t* non_finite) {
  while (at < stop && at < limit) {
    if (*at == '\n') {
      ++at;
    } else if (*at == '\r' && (at + 1 == stop || at[1] == '\n')) {
      at = std::min(at + 2, stop);  // a blank CRLF line
    } else {
      if (row == end_row) return nullptr;
      at = parse_row(at, stop, to, row++, non_finite);
      if (at == nullptr) return nullptr;
    }
  }
  return at;
}

/** The last newline in [begin, stop), or nullptr (lines are short: a backward scan finds it at once). */
const char* last_newline(const char* begin, const char* stop) {
  for (const char* at = stop; at > begin;) {
    if (*--at == '\n') return at;
  }
  return nullptr;
}

/** A part's view of the file through its buffer: bytes [base, base + filled) of the file. */
class PartReader {
 public:
  PartReader(const PositionalFile& file, int64_t size, int64_t to, char* buffer, int64_t base)
      : file_(file), size_(size), to_(to), buffer_(buffer), base_(base) {}

  int64_t base() const { return base_; }
  int64_t end() const { return base_ + filled_; }
  bool at_end_of_file() const { return end() == size_; }
  char* at(int64_t offset) const { return buffer_ + (offset - base_); }

  /**
   * Drops the bytes before `keep` and reads the next block after the rest (near the part's end only a
   * step, to finish its last line); false on a read error, a short read, or a full buffer (a line too long).
   */
  bool read_more(int64_t keep) {
    const int64_t kept = end() - keep;
    std::memmove(buffer_, at(keep), static_cast<size_t>(kept));
    base_ = keep;
    filled_ = kept;
    int64_t want = std::min(kReadBytes, kLineMaxBytes - filled_);
    want = std::min(want, std::max<int64_t>(to_ - end(), 0) + kOverlapStepBytes);
    want = std::min(want, size_ - end());
    if (want <= 0 || file_.read(buffer_ + filled_, want, end()) != want) return false;
    bytes_read.fetch_add(want, std::memory_order_relaxed);
    filled_ += want;
    return true;
  }

 private:
  const PositionalFile& file_;
  int64_t size_, to_;
  char* buffer_;
  int64_t base_, filled_ = 0;
};

/** The first line start at or after `from` (after the first newline at from - 1 or later), or -1 on a read error. */
int64_t first_line_start(PartReader& reader, int64_t from) {
  for (;;) {
    const int64_t look = std::max(reader.base(), from - 1);
    if (look < reader.end()) {
      const void* newline = std::memchr(reader.at(look), '\n', static_cast<size_t>(reader.end() - look));
      if (newline != nullptr) return reader.base() + (static_cast<const char*>(newline) - reader.at(reader.base())) + 1;
    }
    if (reader.at_end_of_file()) return reader.end();
    if (!reader.read_more(reader.end())) return -1;
  }
}

/**
 * Parses the non-blank lines that start in [from, to) into rows [row, end_row) of the columns, counting
 * each column's values that are not finite in non_finite (as parse_row); false when one is declined, the
 * count differs, or the file cannot be read as it was.
 */
bool parse_part(const PositionalFile& file, int64_t size, int64_t from, int64_t to, bool from_is_line_start, const Destination& destination,
                int64_t row, int64_t end_row, char* buffer, int64_t* non_finite) {
  if (from == to) return row == end_row;  // no line can start in an empty range
  PartReader reader(file, size, to, buffer, from_is_line_start ? from : from - 1);
  int64_t line = from_is_line_start ? from : first_line_start(reader, from);
  if (line < 0) return false;
  while (line < to) {
    // The complete lines in the buffer: up to its last newline, or all of it at the end of the file.
    const char* begin = reader.at(line);
    const char* stop = reader.at(reader.end());
    if (!reader.at_end_of_file()) {
      const char* last = last_newline(begin, stop);
      if (last == nullptr) {
        if (!reader.read_more(line)) return false;
        continue;
      }
      stop = last + 1;
    }
    const char* limit = reader.at(std::min(to, reader.end()));
    const char* next = parse_lines(begin, stop, limit, destination, row, end_row, non_finite);
    if (next == nullptr) return false;
    line = reader.base() + (next - reader.at(reader.base()));
    if (line >= to || (reader.at_end_of_file() && next == reader.at(reader.end()))) break;
    if (!reader.read_more(line)) return false;
  }
  return row == end_row;
}

}  // namespace

bool scan_numeric_csv(const std::string& path, int64_t offset, int64_t parts, int64_t max_bytes, CsvPlan& plan) {
  const PositionalFile file(path);
  const int64_t size = file.size();
  if (size < 0 || size > max_bytes || offset < 1 || offset > size) return false;
  const int64_t data = size - offset;
  if (parts < 1) parts = std::clamp<int64_t>(data / kPartMinBytes, 1, kPartsPerThread * hardware_threads());
  plan.size = size;
  plan.cuts.resize(parts + 1);
  for (int64_t p = 0; p <= parts; ++p) plan.cuts[p] = offset + data * p / parts;
  plan.rows.assign(parts, 0);
  Buffers buffers(kReadBytes + 2);
  std::atomic<bool> declined{false};
  parallel_tasks(parts, [&](int worker, int64_t p) {
    if (declined) return;
    if (!count_part(file, size, plan.cuts[p], plan.cuts[p + 1], buffers.get(worker), plan.rows[p])) declined = true;
  });
  return !declined && file.size() == size;
}

bool parse_numeric_csv(const std::string& path, const CsvPlan& plan, int64_t column_count, char delimiter, double* const* columns,
                       int64_t* non_finite) {
  const PositionalFile file(path);
  if (column_count < 1 || file.size() != plan.size) return false;
  const int64_t parts = static_cast<int64_t>(plan.rows.size());
  std::vector<int64_t> first_row(parts + 1, 0);
  for (int64_t p = 0; p < parts; ++p) first_row[p + 1] = first_row[p] + plan.rows[p];
  const Destination destination{columns, column_count, delimiter};
  Buffers buffers(kLineMaxBytes);
  // Per worker thread, each column's count of values that are not finite (no two threads write one
  // count), summed at the end.
  std::vector<int64_t> worker_non_finite(static_cast<size_t>(hardware_threads() * column_count), 0);
  std::atomic<bool> declined{false};
  parallel_tasks(parts, [&](int worker, int64_t p) {
    if (declined) return;
    if (!parse_part(file, plan.size, plan.cuts[p], plan.cuts[p + 1], p == 0, destination, first_row[p], first_row[p + 1], buffers.get(worker),
                    worker_non_finite.data() + worker * column_count)) {
      declined = true;
    }
  });
  if (declined || file.size() != plan.size) return false;
  std::fill(non_finite, non_finite + column_count, int64_t{0});
  for (size_t at = 0; at < worker_non_finite.size(); ++at) non_finite[at % column_count] += worker_non_finite[at];
  return true;
}

int64_t numeric_csv_bytes_read() { return bytes_read.load(std::memory_order_relaxed); }

}  // namespace milens::cpu
