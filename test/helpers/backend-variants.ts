// The backends a conformance test runs on: the TypeScript reference, every available native backend,
// and the CPU backend once more with its SIMD loops switched off (MILENS_CPU_SIMD=off).
import { listBackends } from '../../main/compute/index.js';
import type { BackendName } from '../../main/compute/kernels.js';

export interface BackendVariant {
  label: string;
  backend: BackendName;
  env?: Record<string, string>;
}

export async function backendVariants(): Promise<BackendVariant[]> {
  const statuses = await listBackends();
  return [
    { label: 'typescript', backend: 'typescript' },
    ...statuses
      .filter((status) => status.name !== 'typescript' && status.available)
      .flatMap((status): BackendVariant[] =>
        status.name === 'cpu'
          ? [
              { label: 'cpu', backend: 'cpu' },
              { label: 'cpu (MILENS_CPU_SIMD=off)', backend: 'cpu', env: { MILENS_CPU_SIMD: 'off' } },
            ]
          : [{ label: status.name, backend: status.name }],
      ),
  ];
}
