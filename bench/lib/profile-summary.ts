import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  label: string;
  files: string[];
  totalMs: number;
  /** Busy time per profiled thread (`pid.threadId`): does the work spread over both cores? */
  threads: SelfTimeEntry[];
  /** Self time per package / app folder / node core area: "which module dominates". */
  byModule: SelfTimeEntry[];
  /** Time with the module anywhere on the (synchronous) stack: the cost of calling into it. */
  inclusiveByModule: SelfTimeEntry[];
  byFunction: SelfTimeEntry[];
}

/** The app's build folder: dist/ or a private build such as tmp/bench-dist/ (BENCH_DIST_DIR). */
const APP_BUILD = /\/[\w.-]*dist\//;

/** Where a frame lives, coarse enough to assign a fix to a module owner. */
export function moduleOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url)
    return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = APP_BUILD.exec(url);
  if (dist) {
    const parts = url.slice(dist.index + dist[0].length).split('/');
    // database/embedded/<area> is big enough to deserve its sub-folder.
    const depth = parts[0] === 'database' && parts[1] === 'embedded' ? 3 : 1;
    return `app: ${parts.slice(0, Math.min(depth, parts.length - 1)).join('/') || parts[0]}`;
  }
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url.split('/').pop() ?? url;
}

export function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = APP_BUILD.exec(url);
  return dist ? url.slice(dist.index + dist[0].length) : url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, total: number, n: number): SelfTimeEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, pct: total > 0 ? (100 * us) / total : 0 }));
}

/** Self time = the time of the samples that landed in a frame; summed over every profile of `label`. */
export function summarise(dir: string, label: string, topN = 15): ProfileSummary {
  const files = readdirSync(dir).filter(
    (f) => f.startsWith(`${label}.`) && f.endsWith('.cpuprofile'),
  );
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const threads = new Map<string, number>();
  let totalUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stackModules = new Map<number, Set<string> | null>();
    /** Modules on a node's stack; null when the profiler hook itself is on it (its cost is ours). */
    const modulesOf = (id: number): Set<string> | null => {
      let known = stackModules.get(id);
      if (known !== undefined) return known;
      const frame = frames.get(id)!;
      const up = parent.has(id) ? modulesOf(parent.get(id)!) : new Set<string>();
      known =
        up === null || frame.url.endsWith('profile-hook.js')
          ? null
          : new Set(up).add(moduleOf(frame));
      stackModules.set(id, known);
      return known;
    };
    const thread = file.slice(label.length + 1, -'.cpuprofile'.length);
    profile.samples.forEach((id, i) => {
      const frame = frames.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      if (!frame || us <= 0) return;
      // Idle time is the absence of work, not a cost: leaving it in would dilute every percentage.
      if (frame.functionName === '(idle)') return;
      const onStack = modulesOf(id);
      // Stopping the profiler serialises the profile inside the sampled thread: not the app's time.
      if (onStack === null) return;
      totalUs += us;
      threads.set(thread, (threads.get(thread) ?? 0) + us);
      for (const m of onStack) inclusive.set(m, (inclusive.get(m) ?? 0) + us);
      const mod = moduleOf(frame);
      byModule.set(mod, (byModule.get(mod) ?? 0) + us);
      const fn = frame.url
        ? `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
        : frame.functionName;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    });
  }
  return {
    label,
    files,
    totalMs: totalUs / 1000,
    threads: top(threads, totalUs, 10),
    byModule: top(byModule, totalUs, topN),
    // Wide on purpose: node core and pseudo-frames are filtered out when printed.
    inclusiveByModule: top(inclusive, totalUs, 60),
    byFunction: top(byFunction, totalUs, topN),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const entry = (e: SelfTimeEntry): string =>
    `      ${e.pct.toFixed(1).padStart(5)}%  ${e.ms.toFixed(0).padStart(7)} ms  ${e.name}`;
  const lines = [
    `  ${s.label}: ${s.files.length} profile(s), ${(s.totalMs / 1000).toFixed(1)} s busy CPU (idle excluded)`,
    '    busy time per thread (pid.threadId; thread 0 = main):',
    ...s.threads.map(entry),
    '    by module (self time):',
    ...s.byModule.map(entry),
    '    by module (inclusive, synchronous stacks only):',
    ...s.inclusiveByModule
      .filter((e) => !e.name.startsWith('(') && !e.name.startsWith('node:'))
      .slice(0, 12)
      .map(entry),
    '    by function (self time):',
    ...s.byFunction.map(entry),
  ];
  return lines.join('\n');
}
