package dev.openchat.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The session stream that a device holds open, and presence queries.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: openchat/v1/presence_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class PresenceServiceGrpc {

  private PresenceServiceGrpc() {}

  public static final String SERVICE_NAME = "openchat.v1.PresenceService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.ClientFrame,
      dev.openchat.v1.ServerFrame> getConnectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Connect",
      requestType = dev.openchat.v1.ClientFrame.class,
      responseType = dev.openchat.v1.ServerFrame.class,
      methodType = io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.ClientFrame,
      dev.openchat.v1.ServerFrame> getConnectMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.ClientFrame, dev.openchat.v1.ServerFrame> getConnectMethod;
    if ((getConnectMethod = PresenceServiceGrpc.getConnectMethod) == null) {
      synchronized (PresenceServiceGrpc.class) {
        if ((getConnectMethod = PresenceServiceGrpc.getConnectMethod) == null) {
          PresenceServiceGrpc.getConnectMethod = getConnectMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.ClientFrame, dev.openchat.v1.ServerFrame>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Connect"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ClientFrame.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ServerFrame.getDefaultInstance()))
              .setSchemaDescriptor(new PresenceServiceMethodDescriptorSupplier("Connect"))
              .build();
        }
      }
    }
    return getConnectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.OpenSessionRequest,
      dev.openchat.v1.OpenSessionResponse> getOpenSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "OpenSession",
      requestType = dev.openchat.v1.OpenSessionRequest.class,
      responseType = dev.openchat.v1.OpenSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.OpenSessionRequest,
      dev.openchat.v1.OpenSessionResponse> getOpenSessionMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.OpenSessionRequest, dev.openchat.v1.OpenSessionResponse> getOpenSessionMethod;
    if ((getOpenSessionMethod = PresenceServiceGrpc.getOpenSessionMethod) == null) {
      synchronized (PresenceServiceGrpc.class) {
        if ((getOpenSessionMethod = PresenceServiceGrpc.getOpenSessionMethod) == null) {
          PresenceServiceGrpc.getOpenSessionMethod = getOpenSessionMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.OpenSessionRequest, dev.openchat.v1.OpenSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "OpenSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.OpenSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.OpenSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PresenceServiceMethodDescriptorSupplier("OpenSession"))
              .build();
        }
      }
    }
    return getOpenSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.SendSessionFramesRequest,
      dev.openchat.v1.SendSessionFramesResponse> getSendSessionFramesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SendSessionFrames",
      requestType = dev.openchat.v1.SendSessionFramesRequest.class,
      responseType = dev.openchat.v1.SendSessionFramesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.SendSessionFramesRequest,
      dev.openchat.v1.SendSessionFramesResponse> getSendSessionFramesMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.SendSessionFramesRequest, dev.openchat.v1.SendSessionFramesResponse> getSendSessionFramesMethod;
    if ((getSendSessionFramesMethod = PresenceServiceGrpc.getSendSessionFramesMethod) == null) {
      synchronized (PresenceServiceGrpc.class) {
        if ((getSendSessionFramesMethod = PresenceServiceGrpc.getSendSessionFramesMethod) == null) {
          PresenceServiceGrpc.getSendSessionFramesMethod = getSendSessionFramesMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.SendSessionFramesRequest, dev.openchat.v1.SendSessionFramesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SendSessionFrames"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SendSessionFramesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SendSessionFramesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PresenceServiceMethodDescriptorSupplier("SendSessionFrames"))
              .build();
        }
      }
    }
    return getSendSessionFramesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetPresenceRequest,
      dev.openchat.v1.GetPresenceResponse> getGetPresenceMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetPresence",
      requestType = dev.openchat.v1.GetPresenceRequest.class,
      responseType = dev.openchat.v1.GetPresenceResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetPresenceRequest,
      dev.openchat.v1.GetPresenceResponse> getGetPresenceMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetPresenceRequest, dev.openchat.v1.GetPresenceResponse> getGetPresenceMethod;
    if ((getGetPresenceMethod = PresenceServiceGrpc.getGetPresenceMethod) == null) {
      synchronized (PresenceServiceGrpc.class) {
        if ((getGetPresenceMethod = PresenceServiceGrpc.getGetPresenceMethod) == null) {
          PresenceServiceGrpc.getGetPresenceMethod = getGetPresenceMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetPresenceRequest, dev.openchat.v1.GetPresenceResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetPresence"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetPresenceRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetPresenceResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PresenceServiceMethodDescriptorSupplier("GetPresence"))
              .build();
        }
      }
    }
    return getGetPresenceMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static PresenceServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PresenceServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PresenceServiceStub>() {
        @java.lang.Override
        public PresenceServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PresenceServiceStub(channel, callOptions);
        }
      };
    return PresenceServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static PresenceServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PresenceServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PresenceServiceBlockingStub>() {
        @java.lang.Override
        public PresenceServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PresenceServiceBlockingStub(channel, callOptions);
        }
      };
    return PresenceServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static PresenceServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PresenceServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PresenceServiceFutureStub>() {
        @java.lang.Override
        public PresenceServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PresenceServiceFutureStub(channel, callOptions);
        }
      };
    return PresenceServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The session stream that a device holds open, and presence queries.
   * </pre>
   */
  public static abstract class PresenceServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * One bidirectional stream per device. The client's first frame must be
     * `hello`; the server answers `welcome`, then both sides exchange frames
     * until either closes. The client's application pings are the heartbeat:
     * a session that sends nothing for the welcome's heartbeat_timeout is closed
     * and, if it was the user's last device, the user goes offline.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<dev.openchat.v1.ClientFrame> connect(
        io.grpc.stub.StreamObserver<dev.openchat.v1.ServerFrame> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getConnectMethod(), responseObserver);
    }

    /**
     * <pre>
     * The same session for clients that cannot stream both ways (browsers, over
     * the Connect protocol or gRPC-Web): the request carries the hello, the
     * response stream carries the same frames as Connect's, welcome first, with
     * the same guarantees. The client's other frames go in SendSessionFrames,
     * naming the welcome's session_id; those calls are the heartbeat.
     * </pre>
     */
    public void openSession(dev.openchat.v1.OpenSessionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.OpenSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getOpenSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Hands client frames (ping, delivery_ack, send, watch_presence, typing,
     * read; never hello) to a session opened with OpenSession, in order. Answers
     * once they are accepted: what they cause (pong, ack, send_failed, ...)
     * arrives on the session's stream. NOT_FOUND (RESOURCE_NOT_FOUND) when this
     * node holds no such session of the caller: open a new one.
     * </pre>
     */
    public void sendSessionFrames(dev.openchat.v1.SendSessionFramesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SendSessionFramesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSendSessionFramesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the presence of the given users.
     * </pre>
     */
    public void getPresence(dev.openchat.v1.GetPresenceRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetPresenceResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetPresenceMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getConnectMethod(),
            io.grpc.stub.ServerCalls.asyncBidiStreamingCall(
              new MethodHandlers<
                dev.openchat.v1.ClientFrame,
                dev.openchat.v1.ServerFrame>(
                  this, METHODID_CONNECT)))
          .addMethod(
            getOpenSessionMethod(),
            io.grpc.stub.ServerCalls.asyncServerStreamingCall(
              new MethodHandlers<
                dev.openchat.v1.OpenSessionRequest,
                dev.openchat.v1.OpenSessionResponse>(
                  this, METHODID_OPEN_SESSION)))
          .addMethod(
            getSendSessionFramesMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.SendSessionFramesRequest,
                dev.openchat.v1.SendSessionFramesResponse>(
                  this, METHODID_SEND_SESSION_FRAMES)))
          .addMethod(
            getGetPresenceMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetPresenceRequest,
                dev.openchat.v1.GetPresenceResponse>(
                  this, METHODID_GET_PRESENCE)))
          .build();
    }
  }

  /**
   * <pre>
   * The session stream that a device holds open, and presence queries.
   * </pre>
   */
  public static final class PresenceServiceStub extends io.grpc.stub.AbstractAsyncStub<PresenceServiceStub> {
    private PresenceServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PresenceServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PresenceServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * One bidirectional stream per device. The client's first frame must be
     * `hello`; the server answers `welcome`, then both sides exchange frames
     * until either closes. The client's application pings are the heartbeat:
     * a session that sends nothing for the welcome's heartbeat_timeout is closed
     * and, if it was the user's last device, the user goes offline.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<dev.openchat.v1.ClientFrame> connect(
        io.grpc.stub.StreamObserver<dev.openchat.v1.ServerFrame> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
          getChannel().newCall(getConnectMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * The same session for clients that cannot stream both ways (browsers, over
     * the Connect protocol or gRPC-Web): the request carries the hello, the
     * response stream carries the same frames as Connect's, welcome first, with
     * the same guarantees. The client's other frames go in SendSessionFrames,
     * naming the welcome's session_id; those calls are the heartbeat.
     * </pre>
     */
    public void openSession(dev.openchat.v1.OpenSessionRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.OpenSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getOpenSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Hands client frames (ping, delivery_ack, send, watch_presence, typing,
     * read; never hello) to a session opened with OpenSession, in order. Answers
     * once they are accepted: what they cause (pong, ack, send_failed, ...)
     * arrives on the session's stream. NOT_FOUND (RESOURCE_NOT_FOUND) when this
     * node holds no such session of the caller: open a new one.
     * </pre>
     */
    public void sendSessionFrames(dev.openchat.v1.SendSessionFramesRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SendSessionFramesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSendSessionFramesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the presence of the given users.
     * </pre>
     */
    public void getPresence(dev.openchat.v1.GetPresenceRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetPresenceResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetPresenceMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * The session stream that a device holds open, and presence queries.
   * </pre>
   */
  public static final class PresenceServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<PresenceServiceBlockingStub> {
    private PresenceServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PresenceServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PresenceServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * The same session for clients that cannot stream both ways (browsers, over
     * the Connect protocol or gRPC-Web): the request carries the hello, the
     * response stream carries the same frames as Connect's, welcome first, with
     * the same guarantees. The client's other frames go in SendSessionFrames,
     * naming the welcome's session_id; those calls are the heartbeat.
     * </pre>
     */
    public java.util.Iterator<dev.openchat.v1.OpenSessionResponse> openSession(
        dev.openchat.v1.OpenSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getOpenSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hands client frames (ping, delivery_ack, send, watch_presence, typing,
     * read; never hello) to a session opened with OpenSession, in order. Answers
     * once they are accepted: what they cause (pong, ack, send_failed, ...)
     * arrives on the session's stream. NOT_FOUND (RESOURCE_NOT_FOUND) when this
     * node holds no such session of the caller: open a new one.
     * </pre>
     */
    public dev.openchat.v1.SendSessionFramesResponse sendSessionFrames(dev.openchat.v1.SendSessionFramesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSendSessionFramesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the presence of the given users.
     * </pre>
     */
    public dev.openchat.v1.GetPresenceResponse getPresence(dev.openchat.v1.GetPresenceRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetPresenceMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * The session stream that a device holds open, and presence queries.
   * </pre>
   */
  public static final class PresenceServiceFutureStub extends io.grpc.stub.AbstractFutureStub<PresenceServiceFutureStub> {
    private PresenceServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PresenceServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PresenceServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Hands client frames (ping, delivery_ack, send, watch_presence, typing,
     * read; never hello) to a session opened with OpenSession, in order. Answers
     * once they are accepted: what they cause (pong, ack, send_failed, ...)
     * arrives on the session's stream. NOT_FOUND (RESOURCE_NOT_FOUND) when this
     * node holds no such session of the caller: open a new one.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.SendSessionFramesResponse> sendSessionFrames(
        dev.openchat.v1.SendSessionFramesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSendSessionFramesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the presence of the given users.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetPresenceResponse> getPresence(
        dev.openchat.v1.GetPresenceRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetPresenceMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_OPEN_SESSION = 0;
  private static final int METHODID_SEND_SESSION_FRAMES = 1;
  private static final int METHODID_GET_PRESENCE = 2;
  private static final int METHODID_CONNECT = 3;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final PresenceServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(PresenceServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_OPEN_SESSION:
          serviceImpl.openSession((dev.openchat.v1.OpenSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.OpenSessionResponse>) responseObserver);
          break;
        case METHODID_SEND_SESSION_FRAMES:
          serviceImpl.sendSessionFrames((dev.openchat.v1.SendSessionFramesRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.SendSessionFramesResponse>) responseObserver);
          break;
        case METHODID_GET_PRESENCE:
          serviceImpl.getPresence((dev.openchat.v1.GetPresenceRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetPresenceResponse>) responseObserver);
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
        case METHODID_CONNECT:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.connect(
              (io.grpc.stub.StreamObserver<dev.openchat.v1.ServerFrame>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  private static abstract class PresenceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    PresenceServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.openchat.v1.PresenceServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("PresenceService");
    }
  }

  private static final class PresenceServiceFileDescriptorSupplier
      extends PresenceServiceBaseDescriptorSupplier {
    PresenceServiceFileDescriptorSupplier() {}
  }

  private static final class PresenceServiceMethodDescriptorSupplier
      extends PresenceServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    PresenceServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (PresenceServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new PresenceServiceFileDescriptorSupplier())
              .addMethod(getConnectMethod())
              .addMethod(getOpenSessionMethod())
              .addMethod(getSendSessionFramesMethod())
              .addMethod(getGetPresenceMethod())
              .build();
        }
      }
    }
    return result;
  }
}
