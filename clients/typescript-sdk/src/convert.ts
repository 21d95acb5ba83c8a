/** protobuf ⇄ the SDK's plain objects: the only mapping. */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ConversationKind, type Conversation as ConversationPb } from "@openchat/api/v1/conversation_pb";
import type { Message as MessagePb, MessageAck as MessageAckPb } from "@openchat/api/v1/message_pb";
import type { Presence as PresencePb } from "@openchat/api/v1/presence_pb";
import {
  ReceiptKind,
  type Receipt as ReceiptPb,
  type TypingEvent,
} from "@openchat/api/v1/presence_service_pb";

import type { Conversation, Message, MessageAck, Presence, Receipt, Typing } from "./models.js";

export function message(pb: MessagePb): Message {
  return {
    messageId: pb.messageId,
    conversationId: pb.conversationId,
    seq: Number(pb.seq),
    senderId: pb.senderId,
    clientMsgId: pb.clientMsgId,
    text: pb.content?.text ?? "",
    serverTime: pb.serverTime ? timestampDate(pb.serverTime) : undefined,
  };
}

export function ack(pb: MessageAckPb | undefined): MessageAck {
  return {
    messageId: pb?.messageId ?? "",
    conversationId: pb?.conversationId ?? "",
    seq: Number(pb?.seq ?? 0),
    duplicate: pb?.duplicate ?? false,
  };
}

export function conversation(pb: ConversationPb | undefined): Conversation {
  const kinds: Record<number, Conversation["kind"]> = {
    [ConversationKind.DIRECT]: "direct",
    [ConversationKind.GROUP]: "group",
  };
  return {
    conversationId: pb?.conversationId ?? "",
    kind: kinds[pb?.kind ?? 0] ?? "unknown",
    title: pb?.title ?? "",
    memberIds: [...(pb?.memberIds ?? [])],
    lastSeq: Number(pb?.lastSeq ?? 0),
  };
}

export function receipt(pb: ReceiptPb): Receipt {
  return {
    conversationId: pb.conversationId,
    userId: pb.userId,
    kind: pb.kind === ReceiptKind.READ ? "read" : "delivered",
    seq: Number(pb.seq),
  };
}

export function presence(pb: PresencePb): Presence {
  return { userId: pb.userId, online: pb.online };
}

export function typing(pb: TypingEvent): Typing {
  return { conversationId: pb.conversationId, userId: pb.userId, typing: pb.typing };
}
