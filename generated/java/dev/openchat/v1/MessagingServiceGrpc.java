package dev.openchat.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Sending and reading messages. Every RPC requires an `authorization: Bearer
 * &lt;JWT&gt;` header; the token's `sub` is the calling user.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: openchat/v1/messaging_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class MessagingServiceGrpc {

  private MessagingServiceGrpc() {}

  public static final String SERVICE_NAME = "openchat.v1.MessagingService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.SendMessageRequest,
      dev.openchat.v1.SendMessageResponse> getSendMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SendMessage",
      requestType = dev.openchat.v1.SendMessageRequest.class,
      responseType = dev.openchat.v1.SendMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.SendMessageRequest,
      dev.openchat.v1.SendMessageResponse> getSendMessageMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.SendMessageRequest, dev.openchat.v1.SendMessageResponse> getSendMessageMethod;
    if ((getSendMessageMethod = MessagingServiceGrpc.getSendMessageMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getSendMessageMethod = MessagingServiceGrpc.getSendMessageMethod) == null) {
          MessagingServiceGrpc.getSendMessageMethod = getSendMessageMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.SendMessageRequest, dev.openchat.v1.SendMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SendMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SendMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SendMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("SendMessage"))
              .build();
        }
      }
    }
    return getSendMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.ListMessagesRequest,
      dev.openchat.v1.ListMessagesResponse> getListMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListMessages",
      requestType = dev.openchat.v1.ListMessagesRequest.class,
      responseType = dev.openchat.v1.ListMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.ListMessagesRequest,
      dev.openchat.v1.ListMessagesResponse> getListMessagesMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.ListMessagesRequest, dev.openchat.v1.ListMessagesResponse> getListMessagesMethod;
    if ((getListMessagesMethod = MessagingServiceGrpc.getListMessagesMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getListMessagesMethod = MessagingServiceGrpc.getListMessagesMethod) == null) {
          MessagingServiceGrpc.getListMessagesMethod = getListMessagesMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.ListMessagesRequest, dev.openchat.v1.ListMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ListMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ListMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("ListMessages"))
              .build();
        }
      }
    }
    return getListMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.MarkReadRequest,
      dev.openchat.v1.MarkReadResponse> getMarkReadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "MarkRead",
      requestType = dev.openchat.v1.MarkReadRequest.class,
      responseType = dev.openchat.v1.MarkReadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.MarkReadRequest,
      dev.openchat.v1.MarkReadResponse> getMarkReadMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.MarkReadRequest, dev.openchat.v1.MarkReadResponse> getMarkReadMethod;
    if ((getMarkReadMethod = MessagingServiceGrpc.getMarkReadMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getMarkReadMethod = MessagingServiceGrpc.getMarkReadMethod) == null) {
          MessagingServiceGrpc.getMarkReadMethod = getMarkReadMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.MarkReadRequest, dev.openchat.v1.MarkReadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "MarkRead"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.MarkReadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.MarkReadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("MarkRead"))
              .build();
        }
      }
    }
    return getMarkReadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetDeliveryTimelineRequest,
      dev.openchat.v1.GetDeliveryTimelineResponse> getGetDeliveryTimelineMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDeliveryTimeline",
      requestType = dev.openchat.v1.GetDeliveryTimelineRequest.class,
      responseType = dev.openchat.v1.GetDeliveryTimelineResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetDeliveryTimelineRequest,
      dev.openchat.v1.GetDeliveryTimelineResponse> getGetDeliveryTimelineMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetDeliveryTimelineRequest, dev.openchat.v1.GetDeliveryTimelineResponse> getGetDeliveryTimelineMethod;
    if ((getGetDeliveryTimelineMethod = MessagingServiceGrpc.getGetDeliveryTimelineMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getGetDeliveryTimelineMethod = MessagingServiceGrpc.getGetDeliveryTimelineMethod) == null) {
          MessagingServiceGrpc.getGetDeliveryTimelineMethod = getGetDeliveryTimelineMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetDeliveryTimelineRequest, dev.openchat.v1.GetDeliveryTimelineResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDeliveryTimeline"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetDeliveryTimelineRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetDeliveryTimelineResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("GetDeliveryTimeline"))
              .build();
        }
      }
    }
    return getGetDeliveryTimelineMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.EditMessageRequest,
      dev.openchat.v1.EditMessageResponse> getEditMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "EditMessage",
      requestType = dev.openchat.v1.EditMessageRequest.class,
      responseType = dev.openchat.v1.EditMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.EditMessageRequest,
      dev.openchat.v1.EditMessageResponse> getEditMessageMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.EditMessageRequest, dev.openchat.v1.EditMessageResponse> getEditMessageMethod;
    if ((getEditMessageMethod = MessagingServiceGrpc.getEditMessageMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getEditMessageMethod = MessagingServiceGrpc.getEditMessageMethod) == null) {
          MessagingServiceGrpc.getEditMessageMethod = getEditMessageMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.EditMessageRequest, dev.openchat.v1.EditMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "EditMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.EditMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.EditMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("EditMessage"))
              .build();
        }
      }
    }
    return getEditMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.RecallMessageRequest,
      dev.openchat.v1.RecallMessageResponse> getRecallMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RecallMessage",
      requestType = dev.openchat.v1.RecallMessageRequest.class,
      responseType = dev.openchat.v1.RecallMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.RecallMessageRequest,
      dev.openchat.v1.RecallMessageResponse> getRecallMessageMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.RecallMessageRequest, dev.openchat.v1.RecallMessageResponse> getRecallMessageMethod;
    if ((getRecallMessageMethod = MessagingServiceGrpc.getRecallMessageMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getRecallMessageMethod = MessagingServiceGrpc.getRecallMessageMethod) == null) {
          MessagingServiceGrpc.getRecallMessageMethod = getRecallMessageMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.RecallMessageRequest, dev.openchat.v1.RecallMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RecallMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RecallMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RecallMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("RecallMessage"))
              .build();
        }
      }
    }
    return getRecallMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.DeleteMessagesRequest,
      dev.openchat.v1.DeleteMessagesResponse> getDeleteMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteMessages",
      requestType = dev.openchat.v1.DeleteMessagesRequest.class,
      responseType = dev.openchat.v1.DeleteMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.DeleteMessagesRequest,
      dev.openchat.v1.DeleteMessagesResponse> getDeleteMessagesMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.DeleteMessagesRequest, dev.openchat.v1.DeleteMessagesResponse> getDeleteMessagesMethod;
    if ((getDeleteMessagesMethod = MessagingServiceGrpc.getDeleteMessagesMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getDeleteMessagesMethod = MessagingServiceGrpc.getDeleteMessagesMethod) == null) {
          MessagingServiceGrpc.getDeleteMessagesMethod = getDeleteMessagesMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.DeleteMessagesRequest, dev.openchat.v1.DeleteMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.DeleteMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.DeleteMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("DeleteMessages"))
              .build();
        }
      }
    }
    return getDeleteMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.AddReactionRequest,
      dev.openchat.v1.AddReactionResponse> getAddReactionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AddReaction",
      requestType = dev.openchat.v1.AddReactionRequest.class,
      responseType = dev.openchat.v1.AddReactionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.AddReactionRequest,
      dev.openchat.v1.AddReactionResponse> getAddReactionMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.AddReactionRequest, dev.openchat.v1.AddReactionResponse> getAddReactionMethod;
    if ((getAddReactionMethod = MessagingServiceGrpc.getAddReactionMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getAddReactionMethod = MessagingServiceGrpc.getAddReactionMethod) == null) {
          MessagingServiceGrpc.getAddReactionMethod = getAddReactionMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.AddReactionRequest, dev.openchat.v1.AddReactionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AddReaction"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.AddReactionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.AddReactionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("AddReaction"))
              .build();
        }
      }
    }
    return getAddReactionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.RemoveReactionRequest,
      dev.openchat.v1.RemoveReactionResponse> getRemoveReactionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RemoveReaction",
      requestType = dev.openchat.v1.RemoveReactionRequest.class,
      responseType = dev.openchat.v1.RemoveReactionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.RemoveReactionRequest,
      dev.openchat.v1.RemoveReactionResponse> getRemoveReactionMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.RemoveReactionRequest, dev.openchat.v1.RemoveReactionResponse> getRemoveReactionMethod;
    if ((getRemoveReactionMethod = MessagingServiceGrpc.getRemoveReactionMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getRemoveReactionMethod = MessagingServiceGrpc.getRemoveReactionMethod) == null) {
          MessagingServiceGrpc.getRemoveReactionMethod = getRemoveReactionMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.RemoveReactionRequest, dev.openchat.v1.RemoveReactionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RemoveReaction"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RemoveReactionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RemoveReactionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("RemoveReaction"))
              .build();
        }
      }
    }
    return getRemoveReactionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.ForwardMessagesRequest,
      dev.openchat.v1.ForwardMessagesResponse> getForwardMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ForwardMessages",
      requestType = dev.openchat.v1.ForwardMessagesRequest.class,
      responseType = dev.openchat.v1.ForwardMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.ForwardMessagesRequest,
      dev.openchat.v1.ForwardMessagesResponse> getForwardMessagesMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.ForwardMessagesRequest, dev.openchat.v1.ForwardMessagesResponse> getForwardMessagesMethod;
    if ((getForwardMessagesMethod = MessagingServiceGrpc.getForwardMessagesMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getForwardMessagesMethod = MessagingServiceGrpc.getForwardMessagesMethod) == null) {
          MessagingServiceGrpc.getForwardMessagesMethod = getForwardMessagesMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.ForwardMessagesRequest, dev.openchat.v1.ForwardMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ForwardMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ForwardMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ForwardMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("ForwardMessages"))
              .build();
        }
      }
    }
    return getForwardMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetReadByRequest,
      dev.openchat.v1.GetReadByResponse> getGetReadByMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetReadBy",
      requestType = dev.openchat.v1.GetReadByRequest.class,
      responseType = dev.openchat.v1.GetReadByResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetReadByRequest,
      dev.openchat.v1.GetReadByResponse> getGetReadByMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetReadByRequest, dev.openchat.v1.GetReadByResponse> getGetReadByMethod;
    if ((getGetReadByMethod = MessagingServiceGrpc.getGetReadByMethod) == null) {
      synchronized (MessagingServiceGrpc.class) {
        if ((getGetReadByMethod = MessagingServiceGrpc.getGetReadByMethod) == null) {
          MessagingServiceGrpc.getGetReadByMethod = getGetReadByMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetReadByRequest, dev.openchat.v1.GetReadByResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetReadBy"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetReadByRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetReadByResponse.getDefaultInstance()))
              .setSchemaDescriptor(new MessagingServiceMethodDescriptorSupplier("GetReadBy"))
              .build();
        }
      }
    }
    return getGetReadByMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static MessagingServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<MessagingServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<MessagingServiceStub>() {
        @java.lang.Override
        public MessagingServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new MessagingServiceStub(channel, callOptions);
        }
      };
    return MessagingServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static MessagingServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<MessagingServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<MessagingServiceBlockingStub>() {
        @java.lang.Override
        public MessagingServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new MessagingServiceBlockingStub(channel, callOptions);
        }
      };
    return MessagingServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static MessagingServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<MessagingServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<MessagingServiceFutureStub>() {
        @java.lang.Override
        public MessagingServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new MessagingServiceFutureStub(channel, callOptions);
        }
      };
    return MessagingServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Sending and reading messages. Every RPC requires an `authorization: Bearer
   * &lt;JWT&gt;` header; the token's `sub` is the calling user.
   * </pre>
   */
  public static abstract class MessagingServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Stores a message and answers only once it is durably committed. Safe to
     * retry with the same client_msg_id: a repeat returns the original ack with
     * `duplicate` set and stores nothing. A repeat whose content differs fails
     * with ALREADY_EXISTS (reason CLIENT_MSG_ID_REUSED) and names the original
     * message_id. UNAVAILABLE means nothing was acknowledged and the request can
     * be retried as is.
     * </pre>
     */
    public void sendMessage(dev.openchat.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSendMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads a page of a conversation's history, before or after a sequence
     * number, newest-first or oldest-first.
     * </pre>
     */
    public void listMessages(dev.openchat.v1.ListMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ListMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Advances the caller's read position in a conversation. It never moves
     * backwards: marking an older seq is accepted and changes nothing.
     * </pre>
     */
    public void markRead(dev.openchat.v1.MarkReadRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.MarkReadResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getMarkReadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns what happened to a message the caller sent: stored, delivered to
     * which devices, read by whom, pushed, answered by bots, failed routes.
     * </pre>
     */
    public void getDeliveryTimeline(dev.openchat.v1.GetDeliveryTimelineRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetDeliveryTimelineResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDeliveryTimelineMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces the text and attributes of a message the caller sent, within the
     * server's edit window (48 hours unless configured otherwise). The edit is
     * stored as a MESSAGE_KIND_EDIT entry with its own seq. Refused with
     * PERMISSION_DENIED (ACTION_NOT_ALLOWED) for another sender's message,
     * FAILED_PRECONDITION (EDIT_WINDOW_CLOSED, MESSAGE_RECALLED) when too late or
     * recalled. Safe to retry with the same request_id.
     * </pre>
     */
    public void editMessage(dev.openchat.v1.EditMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.EditMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getEditMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Recalls a message for everyone: its content is erased from the server's
     * storage (including earlier edits) and it shows as a tombstone. The sender
     * may recall within the recall window (24 hours unless configured
     * otherwise); a group's owner may recall any message at any time. Stored as
     * a MESSAGE_KIND_RECALL entry. Notifications already shown on devices cannot
     * be withdrawn. Safe to retry with the same request_id.
     * </pre>
     */
    public void recallMessage(dev.openchat.v1.RecallMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RecallMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRecallMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Hides messages from the caller's own history (ListMessages, Sync) on all of
     * the caller's devices; other members are not affected. Idempotent. Every
     * session of the caller, on every device, gets a `messages_deleted` frame
     * naming the messages (on a retry too).
     * </pre>
     */
    public void deleteMessages(dev.openchat.v1.DeleteMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.DeleteMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Adds the caller's reaction to a message. Reactions are a set per message,
     * user and emoji: adding one that exists changes nothing. A message carries at
     * most 32 distinct emojis and a user at most 8 per message
     * (RESOURCE_EXHAUSTED, REACTION_LIMIT_EXCEEDED). Stored as a
     * MESSAGE_KIND_REACTION_ADDED entry.
     * </pre>
     */
    public void addReaction(dev.openchat.v1.AddReactionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.AddReactionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAddReactionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes the caller's reaction; removing one that does not exist changes
     * nothing. Stored as a MESSAGE_KIND_REACTION_REMOVED entry.
     * </pre>
     */
    public void removeReaction(dev.openchat.v1.RemoveReactionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveReactionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRemoveReactionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Copies messages of one conversation into another one the caller belongs
     * to, as new messages of the caller that name their origin. The caller must
     * be a member of both. Safe to retry with the same request_id.
     * </pre>
     */
    public void forwardMessages(dev.openchat.v1.ForwardMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ForwardMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getForwardMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns which members have read a message, from their read positions
     * (MarkRead). Only the message's sender may ask.
     * </pre>
     */
    public void getReadBy(dev.openchat.v1.GetReadByRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetReadByResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetReadByMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getSendMessageMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.SendMessageRequest,
                dev.openchat.v1.SendMessageResponse>(
                  this, METHODID_SEND_MESSAGE)))
          .addMethod(
            getListMessagesMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.ListMessagesRequest,
                dev.openchat.v1.ListMessagesResponse>(
                  this, METHODID_LIST_MESSAGES)))
          .addMethod(
            getMarkReadMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.MarkReadRequest,
                dev.openchat.v1.MarkReadResponse>(
                  this, METHODID_MARK_READ)))
          .addMethod(
            getGetDeliveryTimelineMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetDeliveryTimelineRequest,
                dev.openchat.v1.GetDeliveryTimelineResponse>(
                  this, METHODID_GET_DELIVERY_TIMELINE)))
          .addMethod(
            getEditMessageMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.EditMessageRequest,
                dev.openchat.v1.EditMessageResponse>(
                  this, METHODID_EDIT_MESSAGE)))
          .addMethod(
            getRecallMessageMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.RecallMessageRequest,
                dev.openchat.v1.RecallMessageResponse>(
                  this, METHODID_RECALL_MESSAGE)))
          .addMethod(
            getDeleteMessagesMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.DeleteMessagesRequest,
                dev.openchat.v1.DeleteMessagesResponse>(
                  this, METHODID_DELETE_MESSAGES)))
          .addMethod(
            getAddReactionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.AddReactionRequest,
                dev.openchat.v1.AddReactionResponse>(
                  this, METHODID_ADD_REACTION)))
          .addMethod(
            getRemoveReactionMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.RemoveReactionRequest,
                dev.openchat.v1.RemoveReactionResponse>(
                  this, METHODID_REMOVE_REACTION)))
          .addMethod(
            getForwardMessagesMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.ForwardMessagesRequest,
                dev.openchat.v1.ForwardMessagesResponse>(
                  this, METHODID_FORWARD_MESSAGES)))
          .addMethod(
            getGetReadByMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetReadByRequest,
                dev.openchat.v1.GetReadByResponse>(
                  this, METHODID_GET_READ_BY)))
          .build();
    }
  }

  /**
   * <pre>
   * Sending and reading messages. Every RPC requires an `authorization: Bearer
   * &lt;JWT&gt;` header; the token's `sub` is the calling user.
   * </pre>
   */
  public static final class MessagingServiceStub extends io.grpc.stub.AbstractAsyncStub<MessagingServiceStub> {
    private MessagingServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected MessagingServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new MessagingServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Stores a message and answers only once it is durably committed. Safe to
     * retry with the same client_msg_id: a repeat returns the original ack with
     * `duplicate` set and stores nothing. A repeat whose content differs fails
     * with ALREADY_EXISTS (reason CLIENT_MSG_ID_REUSED) and names the original
     * message_id. UNAVAILABLE means nothing was acknowledged and the request can
     * be retried as is.
     * </pre>
     */
    public void sendMessage(dev.openchat.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads a page of a conversation's history, before or after a sequence
     * number, newest-first or oldest-first.
     * </pre>
     */
    public void listMessages(dev.openchat.v1.ListMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ListMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Advances the caller's read position in a conversation. It never moves
     * backwards: marking an older seq is accepted and changes nothing.
     * </pre>
     */
    public void markRead(dev.openchat.v1.MarkReadRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.MarkReadResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getMarkReadMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns what happened to a message the caller sent: stored, delivered to
     * which devices, read by whom, pushed, answered by bots, failed routes.
     * </pre>
     */
    public void getDeliveryTimeline(dev.openchat.v1.GetDeliveryTimelineRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetDeliveryTimelineResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDeliveryTimelineMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces the text and attributes of a message the caller sent, within the
     * server's edit window (48 hours unless configured otherwise). The edit is
     * stored as a MESSAGE_KIND_EDIT entry with its own seq. Refused with
     * PERMISSION_DENIED (ACTION_NOT_ALLOWED) for another sender's message,
     * FAILED_PRECONDITION (EDIT_WINDOW_CLOSED, MESSAGE_RECALLED) when too late or
     * recalled. Safe to retry with the same request_id.
     * </pre>
     */
    public void editMessage(dev.openchat.v1.EditMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.EditMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getEditMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Recalls a message for everyone: its content is erased from the server's
     * storage (including earlier edits) and it shows as a tombstone. The sender
     * may recall within the recall window (24 hours unless configured
     * otherwise); a group's owner may recall any message at any time. Stored as
     * a MESSAGE_KIND_RECALL entry. Notifications already shown on devices cannot
     * be withdrawn. Safe to retry with the same request_id.
     * </pre>
     */
    public void recallMessage(dev.openchat.v1.RecallMessageRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RecallMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRecallMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Hides messages from the caller's own history (ListMessages, Sync) on all of
     * the caller's devices; other members are not affected. Idempotent. Every
     * session of the caller, on every device, gets a `messages_deleted` frame
     * naming the messages (on a retry too).
     * </pre>
     */
    public void deleteMessages(dev.openchat.v1.DeleteMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.DeleteMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Adds the caller's reaction to a message. Reactions are a set per message,
     * user and emoji: adding one that exists changes nothing. A message carries at
     * most 32 distinct emojis and a user at most 8 per message
     * (RESOURCE_EXHAUSTED, REACTION_LIMIT_EXCEEDED). Stored as a
     * MESSAGE_KIND_REACTION_ADDED entry.
     * </pre>
     */
    public void addReaction(dev.openchat.v1.AddReactionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.AddReactionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAddReactionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes the caller's reaction; removing one that does not exist changes
     * nothing. Stored as a MESSAGE_KIND_REACTION_REMOVED entry.
     * </pre>
     */
    public void removeReaction(dev.openchat.v1.RemoveReactionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveReactionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRemoveReactionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Copies messages of one conversation into another one the caller belongs
     * to, as new messages of the caller that name their origin. The caller must
     * be a member of both. Safe to retry with the same request_id.
     * </pre>
     */
    public void forwardMessages(dev.openchat.v1.ForwardMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ForwardMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getForwardMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns which members have read a message, from their read positions
     * (MarkRead). Only the message's sender may ask.
     * </pre>
     */
    public void getReadBy(dev.openchat.v1.GetReadByRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetReadByResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetReadByMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Sending and reading messages. Every RPC requires an `authorization: Bearer
   * &lt;JWT&gt;` header; the token's `sub` is the calling user.
   * </pre>
   */
  public static final class MessagingServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<MessagingServiceBlockingStub> {
    private MessagingServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected MessagingServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new MessagingServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Stores a message and answers only once it is durably committed. Safe to
     * retry with the same client_msg_id: a repeat returns the original ack with
     * `duplicate` set and stores nothing. A repeat whose content differs fails
     * with ALREADY_EXISTS (reason CLIENT_MSG_ID_REUSED) and names the original
     * message_id. UNAVAILABLE means nothing was acknowledged and the request can
     * be retried as is.
     * </pre>
     */
    public dev.openchat.v1.SendMessageResponse sendMessage(dev.openchat.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSendMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads a page of a conversation's history, before or after a sequence
     * number, newest-first or oldest-first.
     * </pre>
     */
    public dev.openchat.v1.ListMessagesResponse listMessages(dev.openchat.v1.ListMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Advances the caller's read position in a conversation. It never moves
     * backwards: marking an older seq is accepted and changes nothing.
     * </pre>
     */
    public dev.openchat.v1.MarkReadResponse markRead(dev.openchat.v1.MarkReadRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getMarkReadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns what happened to a message the caller sent: stored, delivered to
     * which devices, read by whom, pushed, answered by bots, failed routes.
     * </pre>
     */
    public dev.openchat.v1.GetDeliveryTimelineResponse getDeliveryTimeline(dev.openchat.v1.GetDeliveryTimelineRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDeliveryTimelineMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces the text and attributes of a message the caller sent, within the
     * server's edit window (48 hours unless configured otherwise). The edit is
     * stored as a MESSAGE_KIND_EDIT entry with its own seq. Refused with
     * PERMISSION_DENIED (ACTION_NOT_ALLOWED) for another sender's message,
     * FAILED_PRECONDITION (EDIT_WINDOW_CLOSED, MESSAGE_RECALLED) when too late or
     * recalled. Safe to retry with the same request_id.
     * </pre>
     */
    public dev.openchat.v1.EditMessageResponse editMessage(dev.openchat.v1.EditMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getEditMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Recalls a message for everyone: its content is erased from the server's
     * storage (including earlier edits) and it shows as a tombstone. The sender
     * may recall within the recall window (24 hours unless configured
     * otherwise); a group's owner may recall any message at any time. Stored as
     * a MESSAGE_KIND_RECALL entry. Notifications already shown on devices cannot
     * be withdrawn. Safe to retry with the same request_id.
     * </pre>
     */
    public dev.openchat.v1.RecallMessageResponse recallMessage(dev.openchat.v1.RecallMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRecallMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hides messages from the caller's own history (ListMessages, Sync) on all of
     * the caller's devices; other members are not affected. Idempotent. Every
     * session of the caller, on every device, gets a `messages_deleted` frame
     * naming the messages (on a retry too).
     * </pre>
     */
    public dev.openchat.v1.DeleteMessagesResponse deleteMessages(dev.openchat.v1.DeleteMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Adds the caller's reaction to a message. Reactions are a set per message,
     * user and emoji: adding one that exists changes nothing. A message carries at
     * most 32 distinct emojis and a user at most 8 per message
     * (RESOURCE_EXHAUSTED, REACTION_LIMIT_EXCEEDED). Stored as a
     * MESSAGE_KIND_REACTION_ADDED entry.
     * </pre>
     */
    public dev.openchat.v1.AddReactionResponse addReaction(dev.openchat.v1.AddReactionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAddReactionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes the caller's reaction; removing one that does not exist changes
     * nothing. Stored as a MESSAGE_KIND_REACTION_REMOVED entry.
     * </pre>
     */
    public dev.openchat.v1.RemoveReactionResponse removeReaction(dev.openchat.v1.RemoveReactionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRemoveReactionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Copies messages of one conversation into another one the caller belongs
     * to, as new messages of the caller that name their origin. The caller must
     * be a member of both. Safe to retry with the same request_id.
     * </pre>
     */
    public dev.openchat.v1.ForwardMessagesResponse forwardMessages(dev.openchat.v1.ForwardMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getForwardMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns which members have read a message, from their read positions
     * (MarkRead). Only the message's sender may ask.
     * </pre>
     */
    public dev.openchat.v1.GetReadByResponse getReadBy(dev.openchat.v1.GetReadByRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetReadByMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Sending and reading messages. Every RPC requires an `authorization: Bearer
   * &lt;JWT&gt;` header; the token's `sub` is the calling user.
   * </pre>
   */
  public static final class MessagingServiceFutureStub extends io.grpc.stub.AbstractFutureStub<MessagingServiceFutureStub> {
    private MessagingServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected MessagingServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new MessagingServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Stores a message and answers only once it is durably committed. Safe to
     * retry with the same client_msg_id: a repeat returns the original ack with
     * `duplicate` set and stores nothing. A repeat whose content differs fails
     * with ALREADY_EXISTS (reason CLIENT_MSG_ID_REUSED) and names the original
     * message_id. UNAVAILABLE means nothing was acknowledged and the request can
     * be retried as is.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.SendMessageResponse> sendMessage(
        dev.openchat.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads a page of a conversation's history, before or after a sequence
     * number, newest-first or oldest-first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.ListMessagesResponse> listMessages(
        dev.openchat.v1.ListMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Advances the caller's read position in a conversation. It never moves
     * backwards: marking an older seq is accepted and changes nothing.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.MarkReadResponse> markRead(
        dev.openchat.v1.MarkReadRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getMarkReadMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns what happened to a message the caller sent: stored, delivered to
     * which devices, read by whom, pushed, answered by bots, failed routes.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetDeliveryTimelineResponse> getDeliveryTimeline(
        dev.openchat.v1.GetDeliveryTimelineRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDeliveryTimelineMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces the text and attributes of a message the caller sent, within the
     * server's edit window (48 hours unless configured otherwise). The edit is
     * stored as a MESSAGE_KIND_EDIT entry with its own seq. Refused with
     * PERMISSION_DENIED (ACTION_NOT_ALLOWED) for another sender's message,
     * FAILED_PRECONDITION (EDIT_WINDOW_CLOSED, MESSAGE_RECALLED) when too late or
     * recalled. Safe to retry with the same request_id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.EditMessageResponse> editMessage(
        dev.openchat.v1.EditMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getEditMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Recalls a message for everyone: its content is erased from the server's
     * storage (including earlier edits) and it shows as a tombstone. The sender
     * may recall within the recall window (24 hours unless configured
     * otherwise); a group's owner may recall any message at any time. Stored as
     * a MESSAGE_KIND_RECALL entry. Notifications already shown on devices cannot
     * be withdrawn. Safe to retry with the same request_id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.RecallMessageResponse> recallMessage(
        dev.openchat.v1.RecallMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRecallMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Hides messages from the caller's own history (ListMessages, Sync) on all of
     * the caller's devices; other members are not affected. Idempotent. Every
     * session of the caller, on every device, gets a `messages_deleted` frame
     * naming the messages (on a retry too).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.DeleteMessagesResponse> deleteMessages(
        dev.openchat.v1.DeleteMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Adds the caller's reaction to a message. Reactions are a set per message,
     * user and emoji: adding one that exists changes nothing. A message carries at
     * most 32 distinct emojis and a user at most 8 per message
     * (RESOURCE_EXHAUSTED, REACTION_LIMIT_EXCEEDED). Stored as a
     * MESSAGE_KIND_REACTION_ADDED entry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.AddReactionResponse> addReaction(
        dev.openchat.v1.AddReactionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAddReactionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes the caller's reaction; removing one that does not exist changes
     * nothing. Stored as a MESSAGE_KIND_REACTION_REMOVED entry.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.RemoveReactionResponse> removeReaction(
        dev.openchat.v1.RemoveReactionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRemoveReactionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Copies messages of one conversation into another one the caller belongs
     * to, as new messages of the caller that name their origin. The caller must
     * be a member of both. Safe to retry with the same request_id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.ForwardMessagesResponse> forwardMessages(
        dev.openchat.v1.ForwardMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getForwardMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns which members have read a message, from their read positions
     * (MarkRead). Only the message's sender may ask.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetReadByResponse> getReadBy(
        dev.openchat.v1.GetReadByRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetReadByMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SEND_MESSAGE = 0;
  private static final int METHODID_LIST_MESSAGES = 1;
  private static final int METHODID_MARK_READ = 2;
  private static final int METHODID_GET_DELIVERY_TIMELINE = 3;
  private static final int METHODID_EDIT_MESSAGE = 4;
  private static final int METHODID_RECALL_MESSAGE = 5;
  private static final int METHODID_DELETE_MESSAGES = 6;
  private static final int METHODID_ADD_REACTION = 7;
  private static final int METHODID_REMOVE_REACTION = 8;
  private static final int METHODID_FORWARD_MESSAGES = 9;
  private static final int METHODID_GET_READ_BY = 10;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final MessagingServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(MessagingServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SEND_MESSAGE:
          serviceImpl.sendMessage((dev.openchat.v1.SendMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.SendMessageResponse>) responseObserver);
          break;
        case METHODID_LIST_MESSAGES:
          serviceImpl.listMessages((dev.openchat.v1.ListMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.ListMessagesResponse>) responseObserver);
          break;
        case METHODID_MARK_READ:
          serviceImpl.markRead((dev.openchat.v1.MarkReadRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.MarkReadResponse>) responseObserver);
          break;
        case METHODID_GET_DELIVERY_TIMELINE:
          serviceImpl.getDeliveryTimeline((dev.openchat.v1.GetDeliveryTimelineRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetDeliveryTimelineResponse>) responseObserver);
          break;
        case METHODID_EDIT_MESSAGE:
          serviceImpl.editMessage((dev.openchat.v1.EditMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.EditMessageResponse>) responseObserver);
          break;
        case METHODID_RECALL_MESSAGE:
          serviceImpl.recallMessage((dev.openchat.v1.RecallMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.RecallMessageResponse>) responseObserver);
          break;
        case METHODID_DELETE_MESSAGES:
          serviceImpl.deleteMessages((dev.openchat.v1.DeleteMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.DeleteMessagesResponse>) responseObserver);
          break;
        case METHODID_ADD_REACTION:
          serviceImpl.addReaction((dev.openchat.v1.AddReactionRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.AddReactionResponse>) responseObserver);
          break;
        case METHODID_REMOVE_REACTION:
          serviceImpl.removeReaction((dev.openchat.v1.RemoveReactionRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveReactionResponse>) responseObserver);
          break;
        case METHODID_FORWARD_MESSAGES:
          serviceImpl.forwardMessages((dev.openchat.v1.ForwardMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.ForwardMessagesResponse>) responseObserver);
          break;
        case METHODID_GET_READ_BY:
          serviceImpl.getReadBy((dev.openchat.v1.GetReadByRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetReadByResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class MessagingServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    MessagingServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.openchat.v1.MessagingServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("MessagingService");
    }
  }

  private static final class MessagingServiceFileDescriptorSupplier
      extends MessagingServiceBaseDescriptorSupplier {
    MessagingServiceFileDescriptorSupplier() {}
  }

  private static final class MessagingServiceMethodDescriptorSupplier
      extends MessagingServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    MessagingServiceMethodDescriptorSupplier(String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (MessagingServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new MessagingServiceFileDescriptorSupplier())
              .addMethod(getSendMessageMethod())
              .addMethod(getListMessagesMethod())
              .addMethod(getMarkReadMethod())
              .addMethod(getGetDeliveryTimelineMethod())
              .addMethod(getEditMessageMethod())
              .addMethod(getRecallMessageMethod())
              .addMethod(getDeleteMessagesMethod())
              .addMethod(getAddReactionMethod())
              .addMethod(getRemoveReactionMethod())
              .addMethod(getForwardMessagesMethod())
              .addMethod(getGetReadByMethod())
              .build();
        }
      }
    }
    return result;
  }
}
