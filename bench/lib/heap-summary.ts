import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleOf, shortUrl, type CallFrame } from './profile-summary';

interface SamplingNode {
  callFrame: CallFrame;
  selfSize: number;
  children: SamplingNode[];
}

export interface HeapSummary {
  label: string;
  /** Sampled bytes allocated during the row and still alive at its end, per thread. */
  threads: Array<{ thread: string; mb: number }>;
  byModule: Array<{ name: string; mb: number }>;
  bySite: Array<{ name: string; mb: number }>;
}

const topMb = (m: Map<string, number>, n: number): Array<{ name: string; mb: number }> =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, bytes]) => ({ name, mb: bytes / 1048576 }));

/** Retained allocations of one row, attributed to the allocating frame (self) and its module. */
export function summariseHeap(dir: string, label: string, topN = 10): HeapSummary {
  const files = readdirSync(dir).filter(
    (f) => f.startsWith(`${label}.`) && f.endsWith('.heapprofile'),
  );
  const byModule = new Map<string, number>();
  const bySite = new Map<string, number>();
  const threads: HeapSummary['threads'] = [];
  for (const file of files) {
    let total = 0;
    const visit = (node: SamplingNode, appFrame: string | undefined): void => {
      const f = node.callFrame;
      const here = f.url
        ? `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`
        : undefined;
      // Builtins (JSON.parse, Buffer...) allocate on behalf of the nearest JS frame above them.
      const site = here ?? appFrame ?? f.functionName;
      if (node.selfSize > 0) {
        total += node.selfSize;
        const mod = moduleOf(f.url ? f : { ...f, url: '' });
        byModule.set(mod, (byModule.get(mod) ?? 0) + node.selfSize);
        bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      }
      for (const c of node.children) visit(c, here ?? appFrame);
    };
    visit(
      (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { head: SamplingNode }).head,
      undefined,
    );
    threads.push({
      thread: file.slice(label.length + 1, -'.heapprofile'.length),
      mb: total / 1048576,
    });
  }
  return { label, threads, byModule: topMb(byModule, topN), bySite: topMb(bySite, topN) };
}

export function formatHeap(h: HeapSummary): string {
  const line = (e: { name: string; mb: number }): string =>
    `      ${e.mb.toFixed(1).padStart(7)} MB  ${e.name}`;
  return [
    `  ${h.label}: retained at the end of the row (sampled) ` +
      h.threads.map((t) => `thread ${t.thread} ${t.mb.toFixed(1)} MB`).join(', '),
    '    by module:',
    ...h.byModule.map(line),
    '    by allocation site:',
    ...h.bySite.map(line),
  ].join('\n');
}
