// The resident vector index of the N-API surface: createVectorIndex(backend, dtype, data, scales, count,
// dimension) resolves to a VectorIndex object (search, dispose) that keeps one store resident on a
// backend, so repeated queries neither copy nor upload the stored vectors again.
#pragma once

#include <napi.h>

namespace milens {

/** Adds createVectorIndex and liveVectorIndexes to the addon's exports. */
void init_vector_index(Napi::Env env, Napi::Object exports);

}  // namespace milens
