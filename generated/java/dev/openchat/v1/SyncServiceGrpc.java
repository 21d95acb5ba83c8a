package dev.openchat.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Catching up on everything a user missed, across all their conversations.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: openchat/v1/sync_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class SyncServiceGrpc {

  private SyncServiceGrpc() {}

  public static final String SERVICE_NAME = "openchat.v1.SyncService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.SyncRequest,
      dev.openchat.v1.SyncResponse> getSyncMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Sync",
      requestType = dev.openchat.v1.SyncRequest.class,
      responseType = dev.openchat.v1.SyncResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.SyncRequest,
      dev.openchat.v1.SyncResponse> getSyncMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.SyncRequest, dev.openchat.v1.SyncResponse> getSyncMethod;
    if ((getSyncMethod = SyncServiceGrpc.getSyncMethod) == null) {
      synchronized (SyncServiceGrpc.class) {
        if ((getSyncMethod = SyncServiceGrpc.getSyncMethod) == null) {
          SyncServiceGrpc.getSyncMethod = getSyncMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.SyncRequest, dev.openchat.v1.SyncResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Sync"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SyncRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.SyncResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SyncServiceMethodDescriptorSupplier("Sync"))
              .build();
        }
      }
    }
    return getSyncMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SyncServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SyncServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SyncServiceStub>() {
        @java.lang.Override
        public SyncServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SyncServiceStub(channel, callOptions);
        }
      };
    return SyncServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SyncServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SyncServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SyncServiceBlockingStub>() {
        @java.lang.Override
        public SyncServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SyncServiceBlockingStub(channel, callOptions);
        }
      };
    return SyncServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SyncServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SyncServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SyncServiceFutureStub>() {
        @java.lang.Override
        public SyncServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SyncServiceFutureStub(channel, callOptions);
        }
      };
    return SyncServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Catching up on everything a user missed, across all their conversations.
   * </pre>
   */
  public static abstract class SyncServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Returns every conversation the caller belongs to whose last_seq is above
     * the caller's cursor for it (no cursor counts as 0), each with the messages
     * after the cursor in seq order. Because sequence numbers are assigned in
     * commit order, a client that repeats Sync with the last seq it received as
     * its new cursor never skips a message, however many are sent meanwhile.
     * </pre>
     */
    public void sync(dev.openchat.v1.SyncRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SyncResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSyncMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getSyncMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.SyncRequest,
                dev.openchat.v1.SyncResponse>(
                  this, METHODID_SYNC)))
          .build();
    }
  }

  /**
   * <pre>
   * Catching up on everything a user missed, across all their conversations.
   * </pre>
   */
  public static final class SyncServiceStub extends io.grpc.stub.AbstractAsyncStub<SyncServiceStub> {
    private SyncServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SyncServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SyncServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns every conversation the caller belongs to whose last_seq is above
     * the caller's cursor for it (no cursor counts as 0), each with the messages
     * after the cursor in seq order. Because sequence numbers are assigned in
     * commit order, a client that repeats Sync with the last seq it received as
     * its new cursor never skips a message, however many are sent meanwhile.
     * </pre>
     */
    public void sync(dev.openchat.v1.SyncRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.SyncResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSyncMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Catching up on everything a user missed, across all their conversations.
   * </pre>
   */
  public static final class SyncServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<SyncServiceBlockingStub> {
    private SyncServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SyncServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SyncServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns every conversation the caller belongs to whose last_seq is above
     * the caller's cursor for it (no cursor counts as 0), each with the messages
     * after the cursor in seq order. Because sequence numbers are assigned in
     * commit order, a client that repeats Sync with the last seq it received as
     * its new cursor never skips a message, however many are sent meanwhile.
     * </pre>
     */
    public dev.openchat.v1.SyncResponse sync(dev.openchat.v1.SyncRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSyncMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Catching up on everything a user missed, across all their conversations.
   * </pre>
   */
  public static final class SyncServiceFutureStub extends io.grpc.stub.AbstractFutureStub<SyncServiceFutureStub> {
    private SyncServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SyncServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SyncServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Returns every conversation the caller belongs to whose last_seq is above
     * the caller's cursor for it (no cursor counts as 0), each with the messages
     * after the cursor in seq order. Because sequence numbers are assigned in
     * commit order, a client that repeats Sync with the last seq it received as
     * its new cursor never skips a message, however many are sent meanwhile.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.SyncResponse> sync(
        dev.openchat.v1.SyncRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSyncMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_SYNC = 0;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final SyncServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(SyncServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SYNC:
          serviceImpl.sync((dev.openchat.v1.SyncRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.SyncResponse>) responseObserver);
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

  private static abstract class SyncServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SyncServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.openchat.v1.SyncServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SyncService");
    }
  }

  private static final class SyncServiceFileDescriptorSupplier
      extends SyncServiceBaseDescriptorSupplier {
    SyncServiceFileDescriptorSupplier() {}
  }

  private static final class SyncServiceMethodDescriptorSupplier
      extends SyncServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    SyncServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (SyncServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SyncServiceFileDescriptorSupplier())
              .addMethod(getSyncMethod())
              .build();
        }
      }
    }
    return result;
  }
}
