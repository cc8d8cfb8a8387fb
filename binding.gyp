# The native compute addon: the N-API surface (native/src), the CPU backend (always), the CUDA backend
# where nvcc exists at build time (native/cuda, one .cu per kernel compiled by the rule below; set
# MILENS_WITH_CUDA=0 to leave it out) and the Metal backend on macOS (native/metal).
# No -march=native: prebuilds must run on any x86-64; the CPU kernels pick AVX2 at run time.
{
  'variables': {
    'milens_cuda_root%': '<!(node native/cuda/detect-nvcc.mjs)',
  },
  'targets': [
    {
      'target_name': 'milens_compute',
      'sources': [
        'native/src/addon.cc',
        'native/src/registry.cc',
        'native/src/vector_index.cc',
        'native/cpu/cpu_backend.cc',
        'native/cpu/similarity.cc',
        'native/cpu/log_sum_exp.cc',
        'native/cpu/neighbours.cc',
        'native/cpu/ksg.cc',
        'native/cpu/cmi.cc',
        'native/cpu/correlation.cc',
        'native/cpu/csv_numbers.cc',
        'native/cpu/tie_rule.cc',
        'native/cpu/ross.cc',
        'native/cpu/histogram.cc',
        'native/src/energy_bindings.cc',
        'native/energy/nvml.cc',
        'native/energy/ioreport.cc',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-std=gnu++17', '-std=gnu++20'],
      'cflags': ['-O3', '-fvisibility=hidden'],
      'cflags_cc': ['-std=c++17', '-O3', '-fexceptions', '-fvisibility=hidden'],
      'xcode_settings': {
        'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'CLANG_CXX_LIBRARY': 'libc++',
        'MACOSX_DEPLOYMENT_TARGET': '11.0',
        'GCC_OPTIMIZATION_LEVEL': '3',
        'GCC_SYMBOLS_PRIVATE_EXTERN': 'YES',
      },
      'msvs_settings': {
        'VCCLCompilerTool': { 'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17', '/O2'] },
      },
      'conditions': [
        ['milens_cuda_root!=""', {
          'sources': [
            'native/cuda/cuda_backend.cc',
            'native/cuda/cuda_check.cu',
            'native/cuda/similarity_topk.cu',
            'native/cuda/log_sum_exp.cu',
            'native/cuda/joint_histogram.cu',
            'native/cuda/read_sum.cu',
          ],
          'defines': ['MILENS_WITH_CUDA'],
          'include_dirs': ['<(milens_cuda_root)/include'],
          # The static runtime finds the driver (libcuda) at run time, so the addon still loads, and
          # reports "no CUDA device", on machines without an NVIDIA driver.
          'libraries': ['-L<(milens_cuda_root)/lib64', '-lcudart_static', '-ldl', '-lrt', '-lpthread'],
          'rules': [
            {
              'rule_name': 'nvcc',
              'extension': 'cu',
              'message': 'nvcc <(RULE_INPUT_NAME)',
              'inputs': ['<(RULE_INPUT_PATH)', 'native/cuda/cuda_kernels.h', 'native/cuda/device_buffer.cuh', 'native/src/backend.h', 'native/cpu/cpu_kernels.h'],
              'outputs': ['<(INTERMEDIATE_DIR)/cuda/<(RULE_INPUT_ROOT).o'],
              'process_outputs_as_sources': 1,
              'action': [
                '<(milens_cuda_root)/bin/nvcc', '-c', '-O3', '-std=c++17', '-Xcompiler', '-fPIC,-fvisibility=hidden',
                '-gencode=arch=compute_80,code=sm_80',
                '-gencode=arch=compute_90,code=sm_90',
                '-gencode=arch=compute_90,code=compute_90',
                '-o', '<@(_outputs)', '<(RULE_INPUT_PATH)',
              ],
            },
          ],
        }],
        # The energy counters open NVML with dlopen (in libc itself since glibc 2.34; -ldl for older ones).
        ['OS=="linux"', { 'libraries': ['-ldl'] }],
        ['OS=="mac"', {
          'sources': ['native/metal/metal_backend.mm'],
          'defines': ['MILENS_WITH_METAL'],
          'link_settings': {
            'libraries': ['-framework Metal', '-framework Foundation', '-framework CoreFoundation'],
          },
          'xcode_settings': {
            'CLANG_ENABLE_OBJC_ARC': 'YES',
            'OTHER_CPLUSPLUSFLAGS': ['-std=c++17', '-fobjc-arc'],
          },
        }],
      ],
    },
  ],
}
