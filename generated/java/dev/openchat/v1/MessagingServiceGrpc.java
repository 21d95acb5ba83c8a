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
  }

  private static final int METHODID_SEND_MESSAGE = 0;
  private static final int METHODID_LIST_MESSAGES = 1;
  private static final int METHODID_MARK_READ = 2;
  private static final int METHODID_GET_DELIVERY_TIMELINE = 3;

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
              .build();
        }
      }
    }
    return result;
  }
}
