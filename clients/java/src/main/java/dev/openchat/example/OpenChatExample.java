package dev.openchat.example;

import dev.openchat.v1.ClientFrame;
import dev.openchat.v1.ClientInfo;
import dev.openchat.v1.Content;
import dev.openchat.v1.Conversation;
import dev.openchat.v1.ConversationServiceGrpc;
import dev.openchat.v1.CreateGroupRequest;
import dev.openchat.v1.Hello;
import dev.openchat.v1.Message;
import dev.openchat.v1.MessageAck;
import dev.openchat.v1.MessagingServiceGrpc;
import dev.openchat.v1.Ping;
import dev.openchat.v1.PresenceServiceGrpc;
import dev.openchat.v1.SendMessageRequest;
import dev.openchat.v1.ServerFrame;
import dev.openchat.v1.Welcome;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Walks through the OpenChat API with the generated Java stubs.
 *
 * <p>As the user of OPENCHAT_TOKEN it creates a group with the peer, sends a message and checks
 * the ack, then opens the session stream (hello, ping) and waits until the peer's message, sent
 * with OPENCHAT_PEER_TOKEN through the unary SendMessage, is pushed to it.
 *
 * <p>Exit status: 0 when everything received was right, 1 when anything failed or was wrong, 2 on
 * bad usage, 3 when the server does not serve the session stream (UNIMPLEMENTED).
 */
public final class OpenChatExample {
  private static final int EXIT_FAILURE = 1;
  private static final int EXIT_USAGE = 2;
  private static final int EXIT_STREAM_UNIMPLEMENTED = 3;
  private static final long TIMEOUT_SECONDS = 30;

  public static void main(String[] args) throws InterruptedException {
    String target = "127.0.0.1:50051";
    String peer = "bob";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--target" -> target = args[i + 1];
        case "--peer" -> peer = args[i + 1];
        default -> System.exit(usage());
      }
    }
    String token = System.getenv().getOrDefault("OPENCHAT_TOKEN", "");
    String peerToken = System.getenv().getOrDefault("OPENCHAT_PEER_TOKEN", "");
    if (args.length % 2 != 0 || token.isEmpty() || peerToken.isEmpty()) {
      System.exit(usage());
    }

    ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    int status = 0;
    try {
      new OpenChatExample(channel, peer, bearer(token), bearer(peerToken)).run();
      System.out.println("OK: every step received what the contract promises");
    } catch (StreamUnimplemented e) {
      System.err.println("openchat-example: " + e.getMessage());
      status = EXIT_STREAM_UNIMPLEMENTED;
    } catch (StatusRuntimeException | IllegalStateException e) {
      System.err.println("openchat-example: " + e.getMessage());
      status = EXIT_FAILURE;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(status);
  }

  private static int usage() {
    System.err.println(
        "usage: OPENCHAT_TOKEN=... OPENCHAT_PEER_TOKEN=... java -jar openchat-example.jar"
            + " [--target host:port] [--peer user-id]");
    return EXIT_USAGE;
  }

  private final ManagedChannel channel;
  private final String peer;
  private final CallCredentials me;
  private final CallCredentials them;

  private OpenChatExample(
      ManagedChannel channel, String peer, CallCredentials me, CallCredentials them) {
    this.channel = channel;
    this.peer = peer;
    this.me = me;
    this.them = them;
  }

  private void run() throws InterruptedException {
    var conversations =
        ConversationServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(me)
            .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    var messaging =
        MessagingServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS);

    // 1. A group with the peer, and a first message, acknowledged once stored.
    Conversation group =
        conversations
            .createGroup(
                CreateGroupRequest.newBuilder().setTitle("Java example").addMemberIds(peer).build())
            .getConversation();
    System.out.printf(
        "created group %s with %s%n", group.getConversationId(), group.getMemberIdsList());

    String clientMsgId = UUID.randomUUID().toString();
    MessageAck ack = send(messaging.withCallCredentials(me), group, clientMsgId, "hello from Java");
    check(
        ack.getClientMsgId().equals(clientMsgId)
            && ack.getConversationId().equals(group.getConversationId())
            && ack.getSeq() == 1
            && !ack.getDuplicate(),
        "unexpected ack for the first message: " + ack);
    System.out.printf("ack: message %s stored as seq %d%n", ack.getMessageId(), ack.getSeq());

    // 2. The session stream: hello is answered by welcome, ping by pong.
    Session session = new Session();
    StreamObserver<ClientFrame> outgoing =
        PresenceServiceGrpc.newStub(channel)
            .withCallCredentials(me)
            .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .connect(session);
    outgoing.onNext(
        ClientFrame.newBuilder()
            .setHello(
                Hello.newBuilder()
                    .setDeviceId("example-java")
                    .setClientInfo(
                        ClientInfo.newBuilder()
                            .setApp("openchat-example-java")
                            .setVersion("1")
                            .setPlatform("java " + Runtime.version())))
            .build());
    ServerFrame first = session.next();
    check(first.hasWelcome(), "expected a welcome, got " + first);
    Welcome welcome = first.getWelcome();
    check(
        welcome.getUserId().equals(group.getCreatorId()),
        "welcome is for " + welcome.getUserId() + ", not " + group.getCreatorId());
    System.out.printf(
        "welcome: session %s for %s%n", welcome.getSessionId(), welcome.getUserId());

    long nonce = 42;
    outgoing.onNext(ClientFrame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce)).build());
    ServerFrame pong = session.receive(ServerFrame::hasPong);
    check(pong.getPong().getNonce() == nonce, "pong does not carry nonce " + nonce + ": " + pong);
    System.out.printf("pong: nonce %d%n", nonce);

    // 3. The peer sends through the unary RPC; the server pushes the message on our stream.
    MessageAck peerAck =
        send(
            messaging.withCallCredentials(them),
            group,
            UUID.randomUUID().toString(),
            "hello from the peer");
    Message message =
        session
            .receive(f -> f.getMessage().getMessageId().equals(peerAck.getMessageId()))
            .getMessage();
    check(
        message.getSenderId().equals(peer)
            && message.getSeq() == peerAck.getSeq()
            && message.getConversationId().equals(group.getConversationId())
            && message.getContent().getText().equals("hello from the peer"),
        "pushed message differs from what " + peer + " sent: " + message);
    System.out.printf(
        "pushed: seq %d from %s: \"%s\"%n",
        message.getSeq(), message.getSenderId(), message.getContent().getText());
    outgoing.onCompleted();
  }

  /** Sends a text message; the ack comes once the message is stored. */
  private static MessageAck send(
      MessagingServiceGrpc.MessagingServiceBlockingStub sender,
      Conversation group,
      String clientMsgId,
      String text) {
    return sender
        .sendMessage(
            SendMessageRequest.newBuilder()
                .setConversationId(group.getConversationId())
                .setClientMsgId(clientMsgId)
                .setContent(Content.newBuilder().setText(text))
                .build())
        .getAck();
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      throw new IllegalStateException(failure);
    }
  }

  /** Hands the frames that gRPC delivers on its own threads to the example's thread, in order. */
  private static final class Session implements StreamObserver<ServerFrame> {
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private static final Object END = new Object();

    @Override
    public void onNext(ServerFrame frame) {
      events.add(frame);
    }

    @Override
    public void onError(Throwable error) {
      events.add(error);
    }

    @Override
    public void onCompleted() {
      events.add(END);
    }

    ServerFrame next() throws InterruptedException {
      Object event = events.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (event instanceof ServerFrame frame) {
        return frame;
      }
      if (event instanceof Throwable error) {
        Status status = Status.fromThrowable(error);
        if (status.getCode() == Status.Code.UNIMPLEMENTED) {
          throw new StreamUnimplemented(status);
        }
        throw status.asRuntimeException();
      }
      throw new IllegalStateException(
          event == END ? "the server closed the session stream" : "no frame within the timeout");
    }

    /** Skips frames of other kinds (presence, receipts) until one matches. */
    ServerFrame receive(Predicate<ServerFrame> wanted) throws InterruptedException {
      for (; ; ) {
        ServerFrame frame = next();
        if (wanted.test(frame)) {
          return frame;
        }
      }
    }
  }

  /** The server ended the session stream with UNIMPLEMENTED: it does not serve it. */
  private static final class StreamUnimplemented extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StreamUnimplemented(Status status) {
      super("the server does not serve PresenceService.Connect (" + status + ")");
    }
  }

  /** Authenticates calls as the owner of the token. */
  private static CallCredentials bearer(String token) {
    Metadata.Key<String> authorization =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(authorization, "Bearer " + token);
        applier.apply(headers);
      }

      @Override
      public void thisUsesUnstableApi() {}
    };
  }
}
