/**
 * Every error the SDK raises is an OpenChatError. The server's refusals are ServiceErrors with
 * the gRPC `code`, the AIP-193 `reason` (an ErrorReason name such as NOT_A_MEMBER) and the
 * ErrorInfo `metadata`; branch on `reason`, never on the message text.
 *
 *   OpenChatError
 *   ├── ServiceError (code, reason, metadata)
 *   │   ├── InvalidArgument, Unauthenticated, PermissionDenied, NotFound, AlreadyExists,
 *   │   │   FailedPrecondition, ResourceExhausted   never retried
 *   │   └── Unavailable                             retried (transient)
 *   ├── SendTimeout       send() waited its timeout; the message stays pending and still goes out
 *   └── ClientClosed      the client was closed
 */
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";

export class OpenChatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ServiceError extends OpenChatError {
  constructor(
    message: string,
    readonly code: Code,
    readonly reason: string,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export class InvalidArgument extends ServiceError {}
export class Unauthenticated extends ServiceError {}
export class PermissionDenied extends ServiceError {}
export class NotFound extends ServiceError {}
export class AlreadyExists extends ServiceError {}
export class FailedPrecondition extends ServiceError {}
export class ResourceExhausted extends ServiceError {}
export class Unavailable extends ServiceError {}

export class SendTimeout extends OpenChatError {}
export class ClientClosed extends OpenChatError {}

const BY_CODE: Partial<Record<Code, typeof ServiceError>> = {
  [Code.InvalidArgument]: InvalidArgument,
  [Code.Unauthenticated]: Unauthenticated,
  [Code.PermissionDenied]: PermissionDenied,
  [Code.NotFound]: NotFound,
  [Code.AlreadyExists]: AlreadyExists,
  [Code.FailedPrecondition]: FailedPrecondition,
  [Code.ResourceExhausted]: ResourceExhausted,
  [Code.Unavailable]: Unavailable,
  [Code.DeadlineExceeded]: Unavailable,
};

// Refusals that no retry can change, even without an ErrorInfo (from a proxy or the runtime).
const FINAL_CODES = new Set([
  Code.InvalidArgument,
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.Unimplemented,
  Code.Canceled,
]);

/** Worth another attempt: the server or the network may do better soon. */
export function isTransient(error: unknown): boolean {
  if (error instanceof Unavailable) return true;
  if (error instanceof ServiceError) {
    // OpenChat puts an ErrorInfo reason on every refusal; an error without one comes from the
    // way there (a socket reset, a failed fetch, a proxy), which a new connection may not meet.
    return error.reason === "" && !FINAL_CODES.has(error.code);
  }
  return false;
}

/** The typed error of anything a call threw. */
export function toOpenChatError(error: unknown): OpenChatError {
  if (error instanceof OpenChatError) return error;
  const connect = ConnectError.from(error);
  let reason = "";
  let metadata: Record<string, string> = {};
  for (const detail of connect.details) {
    if ("type" in detail && detail.type === "google.rpc.ErrorInfo") {
      ({ reason, metadata } = decodeErrorInfo(detail.value));
    }
  }
  const Kind = BY_CODE[connect.code] ?? ServiceError;
  return new Kind(connect.rawMessage, connect.code, reason, metadata);
}

/** google.rpc.ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; } */
function decodeErrorInfo(bytes: Uint8Array): { reason: string; metadata: Record<string, string> } {
  const reader = new BinaryReader(bytes);
  let reason = "";
  const metadata: Record<string, string> = {};
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) reason = reader.string();
    else if (field === 3) {
      const entry = new BinaryReader(reader.bytes());
      let key = "";
      let value = "";
      while (entry.pos < entry.len) {
        const [entryField, entryType] = entry.tag();
        if (entryField === 1) key = entry.string();
        else if (entryField === 2) value = entry.string();
        else entry.skip(entryType);
      }
      metadata[key] = value;
    } else reader.skip(wireType);
  }
  return { reason, metadata };
}
