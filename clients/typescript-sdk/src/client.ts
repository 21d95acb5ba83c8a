import { type MessageInitShape, create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { type CallOptions, type Client as RpcClient, type Transport, createClient } from "@connectrpc/connect";
import { ConversationService } from "@openchat/api/v1/conversation_service_pb";
import { MessageOrder, MessagingService } from "@openchat/api/v1/messaging_service_pb";
import {
  type ClientFrame,
  ClientFrameSchema,
  PresenceService,
  type ServerFrame,
} from "@openchat/api/v1/presence_service_pb";
import { SyncService } from "@openchat/api/v1/sync_service_pb";

import * as convert from "./convert.js";
import {
  ClientClosed,
  OpenChatError,
  SendTimeout,
  Unauthenticated,
  isTransient,
  toOpenChatError,
} from "./errors.js";
import { Inbox } from "./inbox.js";
import type {
  ClientEvent,
  Conversation,
  Message,
  MessageAck,
  OutboxEntry,
  Presence,
} from "./models.js";
import { type Backoff, RECONNECT, RETRY, Signal, backoffDelay, sleep } from "./policies.js";
import { MemoryStore, type Store } from "./store.js";

export type TokenProvider = string | (() => string | Promise<string>);

export interface ClientOptions {
  /** A Connect or gRPC-Web transport: `connectTransport()` / `grpcWebTransport()` of
   * "@openchat/sdk/web" in a browser, `nodeTransport()` of "@openchat/sdk/node" in Node.js. */
  transport: Transport;
  /** The bearer token, or a function asked for a fresh one before every call and connect. */
  token: TokenProvider;
  /** Stable per installation (browser profile, app install). */
  deviceId: string;
  /** The outbox and the cursors; MemoryStore (nothing survives) by default. */
  store?: Store;
  /** Hold a session (live messages, receipts, presence, typing); default true. */
  live?: boolean;
  retry?: Backoff;
  reconnect?: Backoff;
  /** How long send() waits for the ack before SendTimeout (the message still goes out). */
  sendTimeoutMs?: number;
  /** How long one attempt of a call may take. */
  attemptTimeoutMs?: number;
}

type Listener = (event: ClientEvent) => void;

interface Waiter {
  resolve: (ack: MessageAck) => void;
  reject: (error: Error) => void;
}

function milliseconds(duration: Duration | undefined, fallback: number): number {
  if (duration === undefined) return fallback;
  return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

/**
 * The OpenChat client: send() resolves with the server's ack once the message is durably
 * stored; messages wait in a persistent outbox and are retried with the same client_msg_id,
 * in writing order; one session (OpenSession) brings what was missed since the stored cursors,
 * then `caughtUp`, then live frames, and reconnects with backoff and full jitter.
 */
export class OpenChatClient {
  private readonly store: Store;
  private readonly messaging: RpcClient<typeof MessagingService>;
  private readonly conversations: RpcClient<typeof ConversationService>;
  private readonly presenceService: RpcClient<typeof PresenceService>;
  private readonly syncService: RpcClient<typeof SyncService>;
  private readonly listeners = new Set<Listener>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly outboxWake = new Signal();
  private readonly retryPolicy: Backoff;
  private readonly reconnectPolicy: Backoff;
  private readonly sendTimeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private entries: OutboxEntry[] = [];
  private lastOrder = 0;
  private inbox: Inbox | undefined;
  private closed = false;
  private tasks: Promise<void>[] = [];
  private sessionAbort: AbortController | undefined;
  private reconnectNow = new AbortController();
  private sessionId: string | undefined;
  private watched: string[] = [];
  private pendingAcks = new Map<string, number>();
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private nonce = 0;
  /** The user the server knows this token as, once connected. */
  userId: string | undefined;
  connected = false;

  constructor(private readonly options: ClientOptions) {
    this.store = options.store ?? new MemoryStore();
    this.messaging = createClient(MessagingService, options.transport);
    this.conversations = createClient(ConversationService, options.transport);
    this.presenceService = createClient(PresenceService, options.transport);
    this.syncService = createClient(SyncService, options.transport);
    this.retryPolicy = options.retry ?? RETRY;
    this.reconnectPolicy = options.reconnect ?? RECONNECT;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  }

  /** Loads the store and starts sending the outbox and (when live) the session. Returns at
   * once, even when the server is unreachable. */
  async start(): Promise<void> {
    this.entries = await this.store.loadOutbox();
    this.lastOrder = this.entries.reduce((max, entry) => Math.max(max, entry.order), 0);
    this.inbox = new Inbox(await this.store.loadCursors(), (id, after, upTo) =>
      this.fetchRange(id, after, upTo),
    );
    this.tasks.push(this.drainOutbox());
    if (this.options.live ?? true) this.tasks.push(this.runSessions());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sessionAbort?.abort();
    this.reconnectNow.abort();
    this.outboxWake.notify();
    clearTimeout(this.ackTimer);
    await Promise.allSettled(this.tasks);
    for (const waiters of this.waiters.values()) {
      for (const waiter of waiters) waiter.reject(new ClientClosed("the client was closed"));
    }
    this.waiters.clear();
    await this.store.close();
  }

  /** Events in the order they happened; returns a function that unsubscribes. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ClientEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  // --- sending ---------------------------------------------------------------------------

  /** Writes the message to the outbox and resolves with its ack once the server stored it. */
  async send(
    conversationId: string,
    text: string,
    options: { clientMsgId?: string; timeoutMs?: number } = {},
  ): Promise<MessageAck> {
    const entry = await this.enqueue(conversationId, text, options);
    return this.waitForAck(entry.clientMsgId, options.timeoutMs ?? this.sendTimeoutMs);
  }

  /** Writes the message to the outbox (durably) and returns; it goes out in writing order. */
  async enqueue(
    conversationId: string,
    text: string,
    options: { clientMsgId?: string } = {},
  ): Promise<OutboxEntry> {
    this.ensureOpen();
    this.lastOrder += 1;
    const entry: OutboxEntry = {
      order: this.lastOrder,
      clientMsgId: options.clientMsgId ?? crypto.randomUUID(),
      conversationId,
      text,
      state: "pending",
    };
    await this.store.putEntry(entry);
    this.entries.push(entry);
    this.emit({ type: "outbox", entry: { ...entry } });
    this.outboxWake.notify();
    return { ...entry };
  }

  /** The outbox: pending and failed entries, in writing order. */
  outbox(): OutboxEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /** Forgets a failed (or pending) entry. */
  async discard(clientMsgId: string): Promise<void> {
    this.entries = this.entries.filter((entry) => entry.clientMsgId !== clientMsgId);
    await this.store.deleteEntry(clientMsgId);
  }

  private waitForAck(clientMsgId: string, timeoutMs: number): Promise<MessageAck> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new SendTimeout(`no ack within ${timeoutMs} ms; the message stays in the outbox`));
      }, timeoutMs);
      const waiters = this.waiters.get(clientMsgId) ?? [];
      waiters.push({
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.waiters.set(clientMsgId, waiters);
    });
  }

  private settle(clientMsgId: string, outcome: { ack?: MessageAck; error?: Error }): void {
    for (const waiter of this.waiters.get(clientMsgId) ?? []) {
      if (outcome.ack) waiter.resolve(outcome.ack);
      else waiter.reject(outcome.error ?? new OpenChatError("failed"));
    }
    this.waiters.delete(clientMsgId);
  }

  /** Sends pending entries one at a time, in writing order: the server numbers each
   * conversation's messages in the order they were written. */
  private async drainOutbox(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const entry = this.entries.find((candidate) => candidate.state === "pending");
      if (entry === undefined) {
        await this.outboxWake.wait();
        continue;
      }
      try {
        const response = await this.messaging.sendMessage(
          {
            conversationId: entry.conversationId,
            clientMsgId: entry.clientMsgId,
            content: { text: entry.text },
          },
          await this.callOptions(),
        );
        failures = 0;
        const ack = convert.ack(response.ack);
        await this.store.deleteEntry(entry.clientMsgId);
        this.entries = this.entries.filter((e) => e !== entry);
        this.emit({ type: "outbox", entry: { ...entry, state: "sent", ack } });
        this.settle(entry.clientMsgId, { ack });
      } catch (caught) {
        const error = toOpenChatError(caught);
        if (this.closed) return;
        if (this.worthRetrying(error)) {
          failures += 1;
          await sleep(backoffDelay(this.retryPolicy, failures), this.reconnectNow.signal);
          continue;
        }
        entry.state = "failed";
        entry.error = error.message;
        await this.store.putEntry(entry);
        this.emit({ type: "outbox", entry: { ...entry } });
        this.settle(entry.clientMsgId, { error });
      }
    }
  }

  private worthRetrying(error: OpenChatError): boolean {
    // A refused token is worth another try only when a provider can hand out a fresh one.
    return isTransient(error) || (error instanceof Unauthenticated && typeof this.options.token === "function");
  }

  // --- calls -------------------------------------------------------------------------------

  private async callOptions(signal?: AbortSignal): Promise<CallOptions> {
    const token = typeof this.options.token === "string" ? this.options.token : await this.options.token();
    return {
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.attemptTimeoutMs,
      signal,
    };
  }

  /** A unary call, retried with backoff while it fails transiently (up to sendTimeoutMs). */
  private async call<T>(attempt: (options: CallOptions) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.sendTimeoutMs;
    for (let failures = 1; ; failures += 1) {
      this.ensureOpen();
      try {
        return await attempt(await this.callOptions());
      } catch (caught) {
        const error = toOpenChatError(caught);
        if (!this.worthRetrying(error) || Date.now() >= deadline) throw error;
        await sleep(backoffDelay(this.retryPolicy, failures));
      }
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new ClientClosed("the client was closed");
  }

  async listConversations(): Promise<Conversation[]> {
    const conversations: Conversation[] = [];
    let pageToken = "";
    do {
      const page = await this.call((o) => this.conversations.listConversations({ pageToken }, o));
      conversations.push(...page.conversations.map(convert.conversation));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return conversations;
  }

  async createGroup(title: string, memberIds: string[]): Promise<Conversation> {
    const requestId = crypto.randomUUID();
    const response = await this.call((o) =>
      this.conversations.createGroup({ title, memberIds, requestId }, o),
    );
    return convert.conversation(response.conversation);
  }

  async addMembers(conversationId: string, memberIds: string[]): Promise<Conversation> {
    const response = await this.call((o) => this.conversations.addMembers({ conversationId, memberIds }, o));
    return convert.conversation(response.conversation);
  }

  async getOrCreateDirect(peerId: string): Promise<Conversation> {
    const response = await this.call((o) => this.conversations.getOrCreateDirect({ peerId }, o));
    return convert.conversation(response.conversation);
  }

  /** Messages before `beforeSeq` (newest first), for scrolling back. */
  async history(conversationId: string, options: { beforeSeq?: number; limit?: number } = {}): Promise<Message[]> {
    const response = await this.call((o) =>
      this.messaging.listMessages(
        {
          conversationId,
          beforeSeq: BigInt(options.beforeSeq ?? 0),
          pageSize: options.limit ?? 50,
          order: MessageOrder.NEWEST_FIRST,
        },
        o,
      ),
    );
    return response.messages.map(convert.message);
  }

  async markRead(conversationId: string, seq: number): Promise<void> {
    await this.call((o) => this.messaging.markRead({ conversationId, seq: BigInt(seq) }, o));
  }

  async getPresence(userIds: string[]): Promise<Presence[]> {
    const response = await this.call((o) => this.presenceService.getPresence({ userIds }, o));
    return response.presences.map(convert.presence);
  }

  /** Receive `presence` events for these users, now and after every reconnect. */
  async watchPresence(userIds: string[]): Promise<void> {
    this.watched = [...userIds];
    await this.sendFrames([{ frame: { case: "watchPresence", value: { userIds: this.watched } } }]);
  }

  async setTyping(conversationId: string, typing = true): Promise<boolean> {
    return this.sendFrames([{ frame: { case: "typing", value: { conversationId, typing } } }]);
  }

  /** Skip the backoff wait and reconnect (or retry the outbox) now. */
  reconnect(): void {
    this.wakeRetries();
    this.sessionAbort?.abort();
  }

  /** Ends the backoff waits of the session and the outbox. */
  private wakeRetries(): void {
    this.reconnectNow.abort();
    this.reconnectNow = new AbortController();
  }

  /** Fetches everything after the cursors with Sync (the session does this on connect). */
  async sync(): Promise<number> {
    const inbox = this.requireInbox();
    let delivered = 0;
    for (;;) {
      const cursors = inbox.entries().map(([conversationId, seq]) => ({ conversationId, afterSeq: BigInt(seq) }));
      const response = await this.call((o) => this.syncService.sync({ cursors }, o));
      for (const conversation of response.conversations) {
        for (const message of conversation.messages) delivered += await this.receive(convert.message(message));
      }
      const more = response.hasMoreConversations || response.conversations.some((c) => c.hasMore);
      if (!more) return delivered;
    }
  }

  // --- the session -------------------------------------------------------------------------

  private requireInbox(): Inbox {
    if (this.inbox === undefined) throw new OpenChatError("call start() first");
    return this.inbox;
  }

  private async fetchRange(conversationId: string, after: number, upTo: number): Promise<Message[]> {
    const messages: Message[] = [];
    let cursor = after;
    while (cursor < upTo) {
      const response = await this.call((o) =>
        this.messaging.listMessages(
          {
            conversationId,
            afterSeq: BigInt(cursor),
            pageSize: Math.min(200, upTo - cursor),
            order: MessageOrder.OLDEST_FIRST,
          },
          o,
        ),
      );
      const page = response.messages.map(convert.message).filter((m) => m.seq <= upTo);
      if (page.length === 0) break;
      messages.push(...page);
      cursor = page[page.length - 1]?.seq ?? upTo;
    }
    return messages;
  }

  /** Hands a message to the app if it is the next of its conversation; returns how many. */
  private async receive(incoming: Message): Promise<number> {
    const deliverable = await this.requireInbox().accept(incoming);
    for (const message of deliverable) {
      await this.store.saveCursor(message.conversationId, message.seq);
      this.emit({ type: "message", message });
      this.pendingAcks.set(message.conversationId, message.seq);
    }
    if (deliverable.length > 0) this.scheduleAcks();
    return deliverable.length;
  }

  private scheduleAcks(): void {
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      const frames: ClientFrame[] = [...this.pendingAcks].map(([conversationId, seq]) =>
        create(ClientFrameSchema, { frame: { case: "deliveryAck", value: { conversationId, seq: BigInt(seq) } } }),
      );
      this.pendingAcks.clear();
      void this.sendFrames(frames);
    }, 50);
  }

  /** Hands frames to the open session; false when there is none (they are dropped: pings,
   * acks and typing are repeated or re-derived after the next connect). */
  private async sendFrames(frames: Array<MessageInitShape<typeof ClientFrameSchema>>): Promise<boolean> {
    const sessionId = this.sessionId;
    if (sessionId === undefined || frames.length === 0) return false;
    try {
      await this.presenceService.sendSessionFrames(
        { sessionId, frames: frames.map((frame) => create(ClientFrameSchema, frame)) },
        await this.callOptions(),
      );
      return true;
    } catch {
      // The session is gone (replaced, reaped, the node restarted): start a new one.
      if (this.sessionId === sessionId) this.sessionAbort?.abort();
      return false;
    }
  }

  private async runSessions(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const outcome = await this.runSession();
      this.connected = false;
      this.sessionId = undefined;
      if (this.closed) break;
      if (outcome.welcomed) failures = 0;
      const giveUp = outcome.error instanceof Unauthenticated && typeof this.options.token === "string";
      this.emit({ type: "disconnected", error: outcome.error, willReconnect: !giveUp });
      if (giveUp) return;
      failures += 1;
      const delayMs =
        outcome.retryAfterMs !== undefined
          ? outcome.retryAfterMs + Math.random() * outcome.retryAfterMs
          : backoffDelay(this.reconnectPolicy, failures);
      this.emit({ type: "reconnecting", attempt: failures, delayMs });
      await sleep(delayMs, this.reconnectNow.signal);
    }
  }

  private async runSession(): Promise<{ welcomed: boolean; error?: OpenChatError; retryAfterMs?: number }> {
    const abort = new AbortController();
    this.sessionAbort = abort;
    const inbox = this.requireInbox();
    let welcomed = false;
    let retryAfterMs: number | undefined;
    let lastFrame = Date.now();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    try {
      const options = await this.callOptions(abort.signal);
      const stream = this.presenceService.openSession(
        {
          hello: {
            deviceId: this.options.deviceId,
            clientInfo: { app: "openchat-typescript", version: "0.1.0" },
            resumeCursors: inbox.entries().map(([conversationId, seq]) => ({ conversationId, afterSeq: BigInt(seq) })),
            resumeAll: true,
          },
        },
        { ...options, timeoutMs: undefined },
      );
      for await (const response of stream) {
        lastFrame = Date.now();
        const frame: ServerFrame | undefined = response.frame;
        switch (frame?.frame.case) {
          case "welcome": {
            const welcome = frame.frame.value;
            welcomed = true;
            this.sessionId = welcome.sessionId;
            this.userId = welcome.userId;
            this.connected = true;
            const interval = milliseconds(welcome.heartbeatInterval, 30_000);
            const timeout = milliseconds(welcome.heartbeatTimeout, 60_000);
            heartbeat = setInterval(() => {
              this.nonce += 1;
              void this.sendFrames([{ frame: { case: "ping", value: { nonce: BigInt(this.nonce) } } }]);
            }, interval);
            // A silent link counts as dropped.
            watchdog = setInterval(() => {
              if (Date.now() - lastFrame > timeout) abort.abort();
            }, Math.min(1000, interval));
            this.emit({ type: "connected", sessionId: welcome.sessionId, userId: welcome.userId });
            // The server is back: send the outbox now rather than after its backoff.
            this.wakeRetries();
            this.outboxWake.notify();
            if (this.watched.length > 0) void this.watchPresence(this.watched);
            break;
          }
          case "message":
            await this.receive(convert.message(frame.frame.value));
            break;
          case "caughtUp":
            this.emit({ type: "caughtUp", messageCount: Number(frame.frame.value.messageCount) });
            break;
          case "receipt":
            this.emit({ type: "receipt", receipt: convert.receipt(frame.frame.value) });
            break;
          case "presence":
            this.emit({ type: "presence", presence: convert.presence(frame.frame.value) });
            break;
          case "typing":
            this.emit({ type: "typing", typing: convert.typing(frame.frame.value) });
            break;
          case "pong": {
            const held = inbox.entries().reduce((sum, [, seq]) => sum + seq, 0);
            if (Number(frame.frame.value.watermark) > held) void this.sync().catch(() => undefined);
            break;
          }
          case "reconnect":
            // Draining, or this device's session replaced: obey after retry_after plus jitter.
            retryAfterMs = milliseconds(frame.frame.value.retryAfter, 1000);
            abort.abort();
            break;
          default:
            break;
        }
      }
      return { welcomed, retryAfterMs };
    } catch (caught) {
      if (abort.signal.aborted) return { welcomed, retryAfterMs };
      return { welcomed, error: toOpenChatError(caught), retryAfterMs };
    } finally {
      clearInterval(heartbeat);
      clearInterval(watchdog);
      abort.abort();
    }
  }
}
