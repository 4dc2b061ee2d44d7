export { startEmbeddedMongo } from './start';
export type { EmbeddedLogger, EmbeddedMongo, EmbeddedMongoOptions } from './options';
