// State of the System page: the compute backends and the doctor's report, loaded together.
import type { BackendsReport, DoctorReport, MilensApi } from '../../../main/api/contract.js';
import { asApiCallError, type ApiCallError } from '../lib/api-error.js';

export class SystemState {
  backends = $state<BackendsReport | null>(null);
  doctor = $state<DoctorReport | null>(null);
  backendsError = $state<ApiCallError | null>(null);
  doctorError = $state<ApiCallError | null>(null);
  loading = $state(false);

  readonly selectedBackend = $derived(this.backends?.backends.find((backend) => backend.selected)?.name ?? null);

  private readonly api: MilensApi;

  constructor(api: MilensApi) {
    this.api = api;
  }

  async load(): Promise<void> {
    this.loading = true;
    await Promise.all([
      this.api.listBackends().then(
        (report) => {
          this.backends = report;
          this.backendsError = null;
        },
        (error: unknown) => {
          this.backendsError = asApiCallError('listBackends', error);
        },
      ),
      this.api.doctor().then(
        (report) => {
          this.doctor = report;
          this.doctorError = null;
        },
        (error: unknown) => {
          this.doctorError = asApiCallError('doctor', error);
        },
      ),
    ]);
    this.loading = false;
  }
}
