/** @openchat/sdk: the platform-neutral part. Import "@openchat/sdk/web" in a browser and
 * "@openchat/sdk/node" in Node.js for their transports and stores. */
export { OpenChatClient, type ClientOptions, type TokenProvider } from "./client.js";
export {
  AlreadyExists,
  ClientClosed,
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  OpenChatError,
  PermissionDenied,
  ResourceExhausted,
  SendTimeout,
  ServiceError,
  Unauthenticated,
  Unavailable,
} from "./errors.js";
export type * from "./models.js";
export { type Backoff, RECONNECT, RETRY } from "./policies.js";
export { MemoryStore, type Store } from "./store.js";
