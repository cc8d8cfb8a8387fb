// The CPU implementations of every kernel. Other backends route kernels they do not accelerate here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../src/backend.h"

namespace milens::cpu {

void similarity_topk(const SimilarityInput& input, TopKOutput& output);
/** The CPU's resident index reads the caller's memory in place: creating and destroying it costs nothing. */
void create_index(ResidentIndex& index);
void search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output);
void destroy_index(ResidentIndex& index);
/** The fused top-k + log-sum-exp + moments pass over a store the CPU can read (see LogitTransform). */
void similarity_logits(const SimilarityInput& input, const LogitTransform& transform, TopKOutput& output, LogitMoments& moments);
void search_index_logits(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                         TopKOutput& output, LogitMoments& moments);
/** Streaming log-sum-exp state: a running maximum and the sum of exp(x − maximum). */
struct LogSumExpState {
  double maximum;
  double sum;
};
/** Merges b into a: the same result as streaming both parts in one pass. */
void merge_log_sum_exp(LogSumExpState& a, const LogSumExpState& b);
double finish_log_sum_exp(const LogSumExpState& state);
void log_sum_exp(const float* matrix, int64_t rows, int64_t columns, bool over_rows, double* result);
void ksg_counts(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                int32_t* count_x, int32_t* count_y);
/**
 * ksg_counts of each feature on the rows where it and the target are both finite (pairs with missing
 * cells): rows_kept[f] receives that number m, and count_x / count_y + f · n their first m entries (the
 * complete rows in row order), exactly what ksg_counts gives on the pair picked out first; nothing when
 * m ≤ k (the estimate is 0 there). The target's sort is shared by the features.
 */
void ksg_counts_on_complete_rows(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                                 int64_t* rows_kept, int32_t* count_x, int32_t* count_y);
void ross_counts(const int32_t* labels, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                 int32_t* neighbour_count, int32_t* k_used, int32_t* label_count);
/**
 * Permutation tests of KSG (ksg.cc): for each shuffle p (seeds[p], shuffled as main/mi/random.ts's
 * SeededRandom.shuffle shuffles the target's values) and feature f, means[2(p·F + f)] and [+ 1] receive
 * the mean ψ(countX + 1) and ψ(countY + 1) that ksg_counts would give on the shuffled target. The sorts
 * are done once for all shuffles. Returns false, outputs then unspecified, when *cancel became non-zero
 * (polled between shuffles and between (shuffle, feature) tasks).
 */
bool ksg_permutation_means(const double* target, int64_t n, const double* const* features, int64_t feature_count, int32_t k,
                           const uint32_t* seeds, int64_t permutation_count, double* means, const volatile uint8_t* cancel);
/** Scratch bytes held by ksg_permutation_means calls in flight (0 when none runs): for tests of cancellation. */
int64_t permutation_scratch_in_use();
/**
 * Pearson, Spearman and distance correlation of each feature with the target, 3 values per feature in
 * that order (NaN where the reference gives null). Every backend computes them here, on the CPU.
 */
void correlation_measures(const double* target, int64_t n, const double* const* features, int64_t feature_count, double* measures);
/**
 * correlation_measures of each feature with the target on the rows where both are finite (pairs with
 * missing cells): rows_kept[f] receives that number, measures + 3f what correlation_measures gives on the
 * pair picked out first. The target's sort is shared by the features.
 */
void correlation_measures_on_complete_rows(const double* target, int64_t n, const double* const* features, int64_t feature_count,
                                           double* measures, int64_t* rows_kept);
/** How the CSV reader's all-numbers path cuts a file (csv_numbers.cc): part p owns the lines that start in [cuts[p], cuts[p + 1]). */
struct CsvPlan {
  int64_t size = 0;           // the file's size when it was counted
  std::vector<int64_t> cuts;  // parts + 1 byte offsets, from the data offset to the size
  std::vector<int64_t> rows;  // per part, its non-blank lines
};
/**
 * First pass of the CSV reader's all-numbers path over the data lines from `offset` (just past the
 * header's newline): cuts the file into `parts` parts (0: as many as the size and the threads warrant)
 * and counts each part's rows. False (decline) when the file is unreadable, not a regular file, larger
 * than max_bytes, or holds a quote after the header.
 */
bool scan_numeric_csv(const std::string& path, int64_t offset, int64_t parts, int64_t max_bytes, CsvPlan& plan);
/**
 * Second pass: parses every data line into columns[c][row] (each column holds the plan's total rows), a
 * missing cell as NaN, and sets missing[c] to 1 where column c holds one (0 elsewhere). False (decline,
 * columns and missing then unspecified) when any line falls outside the grammar of plain numbers and
 * missing words, has the wrong cell count, or the file no longer matches the plan.
 */
bool parse_numeric_csv(const std::string& path, const CsvPlan& plan, int64_t column_count, char delimiter, double* const* columns,
                       int64_t* non_finite);
/** Bytes the two passes above have read in this process so far (every call, only rising): load progress. */
int64_t numeric_csv_bytes_read();
/** What the tie rule did to one column: accepted (0: constant, the slice then unspecified), whether the
 * dense-rank fallback ran, and how many rows were tied before spreading (prepareContinuous's fields). */
struct TieRuleOutcome {
  bool accepted = false;
  bool rank_fallback = false;
  int64_t tied_rows = 0;
};
/**
 * The tie rule for each column (tie_rule.cc): prepared + c·n receives column c scaled, spread and jittered
 * exactly as main/mi/tie-rule.ts would, with outcomes[c] saying what was done; a constant column (fewer
 * than two present values or one distinct value) is declined.
 */
void prepare_continuous(const double* const* columns, const uint32_t* seeds, int64_t column_count, int64_t n, double* prepared,
                        TieRuleOutcome* outcomes);
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
