import { ensureBuilt } from './dist';

/** globalSetup of the tier that spawns dist/: one build (when stale) before its first test file. */
export default function buildDist(): void {
  ensureBuilt();
}
