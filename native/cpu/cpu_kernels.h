// The CPU implementations of every kernel. Other backends route kernels they do not accelerate here.
#pragma once

#include <cstdint>

#include "../src/backend.h"

namespace milens::cpu {

void similarity_topk(const SimilarityInput& input, TopKOutput& output);
/** The CPU's resident index reads the caller's memory in place: creating and destroying it costs nothing. */
void create_index(ResidentIndex& index);
void search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output);
void destroy_index(ResidentIndex& index);
void log_sum_exp(const float* matrix, int64_t rows, int64_t columns, bool over_rows, double* result);
void ksg_counts(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                int32_t* count_x, int32_t* count_y);
void ross_counts(const int32_t* labels, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                 int32_t* neighbour_count, int32_t* k_used, int32_t* label_count);
/**
 * Pearson, Spearman and distance correlation of each feature with the target, 3 values per feature in
 * that order (NaN where the reference gives null). Every backend computes them here, on the CPU.
 */
void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures);
void joint_histogram(const int32_t* a, const int32_t* b, int64_t n, int64_t a_levels, int64_t b_levels, double* counts);
double read_sum(const void* data, int64_t bytes);

/** IEEE binary16 → binary32 in software, exact for subnormals, infinities and NaN; vectorisable. */
float f16_to_f32(uint16_t bits);

/** Merges per-thread candidates into the final best-first rows; shared with the GPU backends. */
struct ScoredItem {
  float score;
  int32_t index;
};
/** True when a ranks below b: a lower score, or the same score and a higher index. */
inline bool ranks_below(const ScoredItem& a, const ScoredItem& b) {
  return a.score < b.score || (a.score == b.score && a.index > b.index);
}
void write_top_k(ScoredItem* candidates, int64_t candidate_count, int32_t k, int32_t* indices, float* scores);

/** The error for a NaN score, worded as the TypeScript reference words it. */
[[noreturn]] void throw_nan_score(int64_t query, int64_t row);

}  // namespace milens::cpu
