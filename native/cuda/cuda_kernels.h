// Host-side launchers of the CUDA kernels (one .cu per kernel, compiled by nvcc; this header is also
// read by g++ for cuda_backend.cc). Each launcher copies its inputs to the device in bounded chunks,
// runs the kernel, copies the result back, and throws KernelError on any CUDA error. The resident
// index (create_index) instead uploads a store once into cudaMalloc'd memory that search_index reuses.
#pragma once

#include <cstdint>
#include <string>

#include "../src/backend.h"

namespace milens::cuda {

void similarity_topk(const SimilarityInput& input, TopKOutput& output);
void create_index(ResidentIndex& index);
void search_index(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, TopKOutput& output);
void search_index_logits(const ResidentIndex& index, const float* queries, int64_t query_count, int32_t k, const LogitTransform& transform,
                         TopKOutput& output, LogitMoments& moments);
void destroy_index(ResidentIndex& index);
void log_sum_exp(const float* matrix, int64_t rows, int64_t columns, bool over_rows, double* result);
void joint_histogram(const int32_t* a, const int32_t* b, int64_t n, int64_t a_levels, int64_t b_levels, double* counts);
double read_sum(const void* data, int64_t bytes);

/** Throws KernelError naming the failed call when `status` (a cudaError_t) is not cudaSuccess. */
void check(int status, const char* what);

}  // namespace milens::cuda
