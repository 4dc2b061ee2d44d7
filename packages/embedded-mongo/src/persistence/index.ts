export type { IndexSpec, JournalRecord, Persistence } from './persistence.types';
export type { PersistenceLogger } from './loader';
export { JournalPersistence, type JournalPersistenceOptions } from './journal-persistence';
export { MemoryPersistence } from './memory-persistence';
