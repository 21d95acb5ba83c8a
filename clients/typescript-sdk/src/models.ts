/** What the SDK hands the app: plain objects, protobuf stays inside the SDK. */
export interface Message {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  text: string;
  serverTime: Date | undefined;
}

export interface MessageAck {
  messageId: string;
  conversationId: string;
  seq: number;
  duplicate: boolean;
}

export type OutboxState = "pending" | "sent" | "failed";

/** A message this client wrote, kept until the server acknowledged it. */
export interface OutboxEntry {
  /** Local order of writing: entries are sent in this order. */
  order: number;
  clientMsgId: string;
  conversationId: string;
  text: string;
  state: OutboxState;
  ack?: MessageAck;
  error?: string;
}

export interface Conversation {
  conversationId: string;
  kind: "direct" | "group" | "unknown";
  title: string;
  memberIds: string[];
  lastSeq: number;
}

export interface Receipt {
  conversationId: string;
  userId: string;
  kind: "delivered" | "read";
  seq: number;
}

export interface Presence {
  userId: string;
  online: boolean;
}

export interface Typing {
  conversationId: string;
  userId: string;
  typing: boolean;
}

export type ClientEvent =
  | { type: "connected"; sessionId: string; userId: string }
  | { type: "disconnected"; error: Error | undefined; willReconnect: boolean }
  | { type: "reconnecting"; attempt: number; delayMs: number }
  | { type: "caughtUp"; messageCount: number }
  | { type: "message"; message: Message }
  | { type: "receipt"; receipt: Receipt }
  | { type: "presence"; presence: Presence }
  | { type: "typing"; typing: Typing }
  /** An entry was written (pending), acknowledged (sent) or refused (failed). */
  | { type: "outbox"; entry: OutboxEntry };
