import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface MemorySample {
  label: string;
  threadId: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface ThreadMemory {
  thread: string;
  /** '' = between rows (start-up, idle). */
  label: string;
  maxHeapTotalMb: number;
  maxHeapUsedMb: number;
  maxExternalMb: number;
  maxRssMb: number;
}

const mb = (bytes: number): number => bytes / 1048576;

/** Peak memory per thread and row, from the profile hook's once-a-second samples. */
export function summariseMemory(dir: string): ThreadMemory[] {
  const out: ThreadMemory[] = [];
  for (const file of readdirSync(dir).filter((f) => /^memory\..*\.jsonl$/.test(f))) {
    const thread = file.slice('memory.'.length, -'.jsonl'.length);
    const byLabel = new Map<string, ThreadMemory>();
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const s = JSON.parse(line) as MemorySample;
      const m = byLabel.get(s.label) ?? {
        thread,
        label: s.label,
        maxHeapTotalMb: 0,
        maxHeapUsedMb: 0,
        maxExternalMb: 0,
        maxRssMb: 0,
      };
      m.maxHeapTotalMb = Math.max(m.maxHeapTotalMb, mb(s.heapTotal));
      m.maxHeapUsedMb = Math.max(m.maxHeapUsedMb, mb(s.heapUsed));
      m.maxExternalMb = Math.max(m.maxExternalMb, mb(s.external));
      m.maxRssMb = Math.max(m.maxRssMb, mb(s.rss));
      byLabel.set(s.label, m);
    }
    out.push(...byLabel.values());
  }
  return out;
}

export function formatMemory(rows: ThreadMemory[]): string {
  return [
    '  memory per thread (peaks; RSS is per process; thread 0 = main):',
    ...rows.map(
      (r) =>
        `    ${r.thread.padEnd(10)} ${(r.label || '(between rows)').padEnd(26)} heap total ` +
        `${r.maxHeapTotalMb.toFixed(0).padStart(4)} MB, used ${r.maxHeapUsedMb.toFixed(0).padStart(4)} MB, ` +
        `external ${r.maxExternalMb.toFixed(0).padStart(4)} MB, process RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB`,
    ),
  ].join('\n');
}
