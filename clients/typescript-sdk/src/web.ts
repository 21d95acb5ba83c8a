/** Browsers and React Native: the Connect protocol or gRPC-Web over fetch, and an IndexedDB
 * store. */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import type { Transport } from "@connectrpc/connect";

export { IndexedDbStore } from "./store-indexeddb.js";
export * from "./index.js";

/** A Connect transport to the server's web listener, e.g. "https://chat.example.com". */
export function connectTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl });
}

/** A gRPC-Web transport (for proxies and servers that speak only gRPC-Web). */
export function grpcWebTransport(baseUrl: string): Transport {
  return createGrpcWebTransport({ baseUrl });
}
