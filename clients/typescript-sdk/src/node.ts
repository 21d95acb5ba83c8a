/** Node.js: the Connect protocol over HTTP/1.1 or HTTP/2, and a file store. */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { Transport } from "@connectrpc/connect";

export { FileStore } from "./store-file.js";
export * from "./index.js";

/** A Connect transport to the server's web listener (OPENCHAT_WEB_LISTEN), e.g.
 * "http://127.0.0.1:8080". `grpcWeb` speaks gRPC-Web instead. */
export function nodeTransport(baseUrl: string, options: { grpcWeb?: boolean; http2?: boolean } = {}): Transport {
  const httpVersion = options.http2 ? "2" : "1.1";
  return options.grpcWeb
    ? createGrpcWebTransport({ baseUrl, httpVersion })
    : createConnectTransport({ baseUrl, httpVersion });
}
