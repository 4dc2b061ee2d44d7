import { ensurePackageBuilt } from './dist';

/** globalSetup of the tiers that start the embedded database in-process: a fresh package build. */
export default function buildDbPackage(): void {
  ensurePackageBuilt();
}
