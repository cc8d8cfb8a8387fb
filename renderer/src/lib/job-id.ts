// A fresh id for a long call (JobOptions.jobId): random, so two windows never collide.
export function newJobId(kind: string): string {
  const random = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${kind}-${random}`;
}
