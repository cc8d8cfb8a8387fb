// Buffer<T>: a std::vector whose resize and size constructor leave new elements of a trivial type
// uninitialised (default-initialised) instead of zeroing them. For the large arrays of the CPU kernels
// that are written in full before they are read: at 10^6 points zeroing them cost a pass over each (and
// their first touch, the page faults, in a pass of its own). Header-only.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace milens::cpu {

template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  /** Value-less construction default-initialises (no write for a trivial type). */
  template <class U>
  void construct(U* at) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(at)) U;
  }
  template <class U, class... Args>
  void construct(U* at, Args&&... args) {
    ::new (static_cast<void*>(at)) U(std::forward<Args>(args)...);
  }
};

/** A vector of T whose new elements are left uninitialised where T is trivial: write them before reading. */
template <class T>
using Buffer = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace milens::cpu
