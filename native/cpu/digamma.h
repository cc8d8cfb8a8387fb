// Mean of ψ(count + offset) over a neighbour-count array, as main/mi/digamma.ts computes it: ψ of the
// integers below kDigammaTableSize from a table filled by ψ(m + 1) = ψ(m) + 1/m from ψ(1) = −γ, the
// asymptotic series above it, summed in index order. The addon computes these means on its worker
// thread right after the KSG counts, so the JavaScript thread does not walk millions of counts.
// The series takes std::log where V8 takes fdlibm's log; they can differ in the last bit, so a mean may
// differ from the TypeScript one by an ulp or two (a count that large is rare: the sparse tails).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace milens::cpu {

constexpr int64_t kDigammaTableSize = 4096;

/** ψ(x) for x ≥ 1 by the series after shifting above 6 (digamma() of main/mi/digamma.ts). */
inline double digamma_series(double x) {
  double shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const double inverse = 1 / x;
  const double inverse2 = inverse * inverse;
  double series = inverse2 / 132;
  series = 1.0 / 240 - series;
  series = inverse2 * series;
  series = 1.0 / 252 - series;
  series = inverse2 * series;
  series = 1.0 / 120 - series;
  series = inverse2 * series;
  series = 1.0 / 12 - series;
  series = inverse2 * series;
  const double half = 0.5 * inverse;
  double result = shift + std::log(x);
  result = result - half;
  return result - series;
}

inline const std::array<double, kDigammaTableSize>& digamma_table() {
  static const std::array<double, kDigammaTableSize> table = [] {
    std::array<double, kDigammaTableSize> values{};
    values[0] = NAN;
    values[1] = -0.5772156649015329;
    for (int64_t m = 2; m < kDigammaTableSize; ++m) values[m] = values[m - 1] + 1 / static_cast<double>(m - 1);
    return values;
  }();
  return table;
}

inline double mean_digamma_of_counts(const int32_t* counts, int64_t n, int32_t offset) {
  const auto& table = digamma_table();
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t m = static_cast<int64_t>(counts[i]) + offset;
    sum += m < kDigammaTableSize ? table[m] : digamma_series(static_cast<double>(m));
  }
  return sum / static_cast<double>(n);
}

}  // namespace milens::cpu
