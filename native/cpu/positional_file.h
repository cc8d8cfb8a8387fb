// A file opened read-only for positional reads from several threads at once (pread; ReadFile with an
// offset on Windows), as the CSV reader's all-numbers path reads its parts (csv_numbers.cc). Every
// failure reads as "not usable" (size -1, a short read): that path then declines and the TypeScript
// reader opens the file and reports the error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace milens::cpu {

class PositionalFile {
 public:
  explicit PositionalFile(const std::string& utf8_path) { open(utf8_path); }
  ~PositionalFile() { close(); }
  PositionalFile(const PositionalFile&) = delete;
  PositionalFile& operator=(const PositionalFile&) = delete;

#ifdef _WIN32
  /** The current size in bytes of a regular file, or -1. */
  int64_t size() const {
    LARGE_INTEGER size;
    if (handle_ == INVALID_HANDLE_VALUE || GetFileType(handle_) != FILE_TYPE_DISK || !GetFileSizeEx(handle_, &size)) return -1;
    return size.QuadPart;
  }

  /** Reads up to `length` bytes at `offset`; the count read, fewer only at the end of the file, or -1. */
  int64_t read(char* into, int64_t length, int64_t offset) const {
    int64_t done = 0;
    while (done < length) {
      OVERLAPPED at{};
      const uint64_t position = static_cast<uint64_t>(offset + done);
      at.Offset = static_cast<DWORD>(position);
      at.OffsetHigh = static_cast<DWORD>(position >> 32);
      DWORD got = 0;
      const DWORD want = static_cast<DWORD>(std::min<int64_t>(length - done, 1 << 30));
      if (!ReadFile(handle_, into + done, want, &got, &at)) return GetLastError() == ERROR_HANDLE_EOF ? done : -1;
      if (got == 0) break;
      done += got;
    }
    return done;
  }

 private:
  HANDLE handle_ = INVALID_HANDLE_VALUE;

  void open(const std::string& utf8_path) {
    const int length = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8_path.data(), static_cast<int>(utf8_path.size()), nullptr, 0);
    if (length <= 0) return;
    std::wstring wide(static_cast<size_t>(length), L'\0');
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8_path.data(), static_cast<int>(utf8_path.size()), wide.data(), length);
    handle_ = CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                          FILE_ATTRIBUTE_NORMAL, nullptr);
  }
  void close() {
    if (handle_ != INVALID_HANDLE_VALUE) CloseHandle(handle_);
  }
#else
  /** The current size in bytes of a regular file, or -1. */
  int64_t size() const {
    struct stat status;
    if (fd_ < 0 || fstat(fd_, &status) != 0 || !S_ISREG(status.st_mode)) return -1;
    return static_cast<int64_t>(status.st_size);
  }

  /** Reads up to `length` bytes at `offset`; the count read, fewer only at the end of the file, or -1. */
  int64_t read(char* into, int64_t length, int64_t offset) const {
    int64_t done = 0;
    while (done < length) {
      const ssize_t got = pread(fd_, into + done, static_cast<size_t>(length - done), static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return -1;
      if (got == 0) break;
      done += got;
    }
    return done;
  }

 private:
  int fd_ = -1;

  void open(const std::string& utf8_path) { fd_ = ::open(utf8_path.c_str(), O_RDONLY | O_CLOEXEC); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
  }
#endif
};

}  // namespace milens::cpu
