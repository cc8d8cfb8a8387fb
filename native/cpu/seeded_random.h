// SeededRandom of main/mi/random.ts in C++: xoshiro128** seeded through splitmix32, the same 53-bit
// uniform floats, and the same Fisher–Yates shuffle, so that native code draws exactly the numbers the
// TypeScript draws for the same seed (the tie rule's noise, the permutation tests' shuffles).
// Header-only; everything is inline.
#pragma once

#include <cmath>
#include <cstdint>

namespace milens::cpu {

/** SeededRandom of main/mi/random.ts: xoshiro128** seeded through splitmix32, 53-bit uniform floats. */
class SeededRandom {
 public:
  explicit SeededRandom(uint32_t seed) {
    uint32_t state = seed;
    auto next = [&]() {
      state += 0x9e3779b9u;
      uint32_t z = state;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      return z ^ (z >> 16);
    };
    a_ = next();
    b_ = next();
    c_ = next();
    d_ = next();
    if ((a_ | b_ | c_ | d_) == 0) a_ = 1;
  }
  uint32_t next_uint32() {
    const uint32_t result = rotate_left(b_ * 5u, 7) * 9u;
    const uint32_t t = b_ << 9;
    c_ ^= a_;
    d_ ^= b_;
    b_ ^= c_;
    a_ ^= d_;
    c_ ^= t;
    d_ = rotate_left(d_, 11);
    return result;
  }
  /** nextFloat(): uniform in [0, 1) with 53 random bits. */
  double next_float() {
    const double high = static_cast<double>(next_uint32() >> 5);
    const double low = static_cast<double>(next_uint32() >> 6);
    const double scaled = high * 67108864.0;
    return (scaled + low) / 9007199254740992.0;
  }

  /** nextInt(bound): Math.floor(nextFloat() · bound). */
  int64_t next_int(int64_t bound) { return static_cast<int64_t>(std::floor(next_float() * static_cast<double>(bound))); }
  /** shuffle(values): Fisher–Yates from the last element down, as main/mi/random.ts does. */
  template <class T>
  void shuffle(T* values, int64_t n) {
    for (int64_t i = n - 1; i > 0; --i) {
      const int64_t j = next_int(i + 1);
      const T swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

 private:
  static uint32_t rotate_left(uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }
  uint32_t a_, b_, c_, d_;
};

}  // namespace milens::cpu
