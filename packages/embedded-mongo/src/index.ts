export { startEmbeddedMongo } from './start';
export type { EmbeddedLogger, EmbeddedMongo, EmbeddedMongoOptions } from './options';
export { DataDirectoryLockedError, LOCK_FILE } from './persistence/data-dir-lock';
