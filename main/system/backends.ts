// `milens backends`: which compute backends were built, which initialised, which one is in use, and why
// any is missing. Reads the compute registry; never throws for a missing backend.
import type { BackendsReport } from '../api/contract.js';
import { describeAddon, getCompute, listBackends } from '../compute/index.js';

export async function describeBackends(): Promise<BackendsReport> {
  const [statuses, selected] = await Promise.all([listBackends(), getCompute()]);
  return {
    addon: describeAddon(),
    backends: statuses.map((status) => ({ ...status, selected: status.name === selected.name })),
  };
}
