export * from './domain-events';
export { EventBus } from './event-bus.service';
