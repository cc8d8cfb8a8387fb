// Which missing pieces are simply not made for this platform (Metal on Linux, CUDA on a Mac, Apple's
// energy counters on Linux…): the Diagnostics show those as information, not as red errors.

/** `os` is DoctorReport.platform.os (Node's os.platform(): darwin, linux, win32). */
export function expectedAbsence(name: string, os: string | undefined): string | null {
  if (!os) return null;
  switch (name) {
    case 'metal':
    case 'apple-ioreport':
      return os === 'darwin' ? null : 'Apple only';
    case 'cuda':
    case 'nvidia-nvml':
      return os === 'darwin' ? 'not on macOS' : null;
    case 'linux-rapl':
      return os === 'linux' ? null : 'Linux only';
    default:
      return null;
  }
}
