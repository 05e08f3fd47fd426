// Whether a process of this machine still runs: folders named after a process id (staging
// folders, libvips' scratch folders) are left over once it no longer does.

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
