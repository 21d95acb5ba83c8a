package dev.openchat.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Registering bots: users whose messages are also delivered to a webhook.
 * A bot is an ordinary user id (it sends with a token whose `sub` is the bot
 * id, and joins conversations through AddMembers); registering it makes the
 * server POST every message of its conversations to its webhook. Every RPC
 * requires a token with the "admin" role.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: openchat/v1/bot_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class BotServiceGrpc {

  private BotServiceGrpc() {}

  public static final String SERVICE_NAME = "openchat.v1.BotService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.RegisterBotRequest,
      dev.openchat.v1.RegisterBotResponse> getRegisterBotMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RegisterBot",
      requestType = dev.openchat.v1.RegisterBotRequest.class,
      responseType = dev.openchat.v1.RegisterBotResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.RegisterBotRequest,
      dev.openchat.v1.RegisterBotResponse> getRegisterBotMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.RegisterBotRequest, dev.openchat.v1.RegisterBotResponse> getRegisterBotMethod;
    if ((getRegisterBotMethod = BotServiceGrpc.getRegisterBotMethod) == null) {
      synchronized (BotServiceGrpc.class) {
        if ((getRegisterBotMethod = BotServiceGrpc.getRegisterBotMethod) == null) {
          BotServiceGrpc.getRegisterBotMethod = getRegisterBotMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.RegisterBotRequest, dev.openchat.v1.RegisterBotResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RegisterBot"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RegisterBotRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RegisterBotResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BotServiceMethodDescriptorSupplier("RegisterBot"))
              .build();
        }
      }
    }
    return getRegisterBotMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetBotRequest,
      dev.openchat.v1.GetBotResponse> getGetBotMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetBot",
      requestType = dev.openchat.v1.GetBotRequest.class,
      responseType = dev.openchat.v1.GetBotResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetBotRequest,
      dev.openchat.v1.GetBotResponse> getGetBotMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetBotRequest, dev.openchat.v1.GetBotResponse> getGetBotMethod;
    if ((getGetBotMethod = BotServiceGrpc.getGetBotMethod) == null) {
      synchronized (BotServiceGrpc.class) {
        if ((getGetBotMethod = BotServiceGrpc.getGetBotMethod) == null) {
          BotServiceGrpc.getGetBotMethod = getGetBotMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetBotRequest, dev.openchat.v1.GetBotResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetBot"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetBotRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetBotResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BotServiceMethodDescriptorSupplier("GetBot"))
              .build();
        }
      }
    }
    return getGetBotMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.UnregisterBotRequest,
      dev.openchat.v1.UnregisterBotResponse> getUnregisterBotMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UnregisterBot",
      requestType = dev.openchat.v1.UnregisterBotRequest.class,
      responseType = dev.openchat.v1.UnregisterBotResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.UnregisterBotRequest,
      dev.openchat.v1.UnregisterBotResponse> getUnregisterBotMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.UnregisterBotRequest, dev.openchat.v1.UnregisterBotResponse> getUnregisterBotMethod;
    if ((getUnregisterBotMethod = BotServiceGrpc.getUnregisterBotMethod) == null) {
      synchronized (BotServiceGrpc.class) {
        if ((getUnregisterBotMethod = BotServiceGrpc.getUnregisterBotMethod) == null) {
          BotServiceGrpc.getUnregisterBotMethod = getUnregisterBotMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.UnregisterBotRequest, dev.openchat.v1.UnregisterBotResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UnregisterBot"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.UnregisterBotRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.UnregisterBotResponse.getDefaultInstance()))
              .setSchemaDescriptor(new BotServiceMethodDescriptorSupplier("UnregisterBot"))
              .build();
        }
      }
    }
    return getUnregisterBotMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static BotServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BotServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BotServiceStub>() {
        @java.lang.Override
        public BotServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BotServiceStub(channel, callOptions);
        }
      };
    return BotServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static BotServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BotServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BotServiceBlockingStub>() {
        @java.lang.Override
        public BotServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BotServiceBlockingStub(channel, callOptions);
        }
      };
    return BotServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static BotServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<BotServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<BotServiceFutureStub>() {
        @java.lang.Override
        public BotServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new BotServiceFutureStub(channel, callOptions);
        }
      };
    return BotServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Registering bots: users whose messages are also delivered to a webhook.
   * A bot is an ordinary user id (it sends with a token whose `sub` is the bot
   * id, and joins conversations through AddMembers); registering it makes the
   * server POST every message of its conversations to its webhook. Every RPC
   * requires a token with the "admin" role.
   * </pre>
   */
  public static abstract class BotServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Registers a bot and returns its signing secret, which is shown only here.
     * Registering an existing bot id replaces its webhook and secret.
     * </pre>
     */
    public void registerBot(dev.openchat.v1.RegisterBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RegisterBotResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRegisterBotMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a registered bot (without its secret).
     * </pre>
     */
    public void getBot(dev.openchat.v1.GetBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetBotResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetBotMethod(), responseObserver);
    }

    /**
     * <pre>
     * Stops webhook deliveries to a bot. Its memberships stay.
     * </pre>
     */
    public void unregisterBot(dev.openchat.v1.UnregisterBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.UnregisterBotResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUnregisterBotMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getRegisterBotMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.RegisterBotRequest,
                dev.openchat.v1.RegisterBotResponse>(
                  this, METHODID_REGISTER_BOT)))
          .addMethod(
            getGetBotMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetBotRequest,
                dev.openchat.v1.GetBotResponse>(
                  this, METHODID_GET_BOT)))
          .addMethod(
            getUnregisterBotMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.UnregisterBotRequest,
                dev.openchat.v1.UnregisterBotResponse>(
                  this, METHODID_UNREGISTER_BOT)))
          .build();
    }
  }

  /**
   * <pre>
   * Registering bots: users whose messages are also delivered to a webhook.
   * A bot is an ordinary user id (it sends with a token whose `sub` is the bot
   * id, and joins conversations through AddMembers); registering it makes the
   * server POST every message of its conversations to its webhook. Every RPC
   * requires a token with the "admin" role.
   * </pre>
   */
  public static final class BotServiceStub extends io.grpc.stub.AbstractAsyncStub<BotServiceStub> {
    private BotServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BotServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BotServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a bot and returns its signing secret, which is shown only here.
     * Registering an existing bot id replaces its webhook and secret.
     * </pre>
     */
    public void registerBot(dev.openchat.v1.RegisterBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RegisterBotResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRegisterBotMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a registered bot (without its secret).
     * </pre>
     */
    public void getBot(dev.openchat.v1.GetBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetBotResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetBotMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Stops webhook deliveries to a bot. Its memberships stay.
     * </pre>
     */
    public void unregisterBot(dev.openchat.v1.UnregisterBotRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.UnregisterBotResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUnregisterBotMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Registering bots: users whose messages are also delivered to a webhook.
   * A bot is an ordinary user id (it sends with a token whose `sub` is the bot
   * id, and joins conversations through AddMembers); registering it makes the
   * server POST every message of its conversations to its webhook. Every RPC
   * requires a token with the "admin" role.
   * </pre>
   */
  public static final class BotServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<BotServiceBlockingStub> {
    private BotServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BotServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BotServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a bot and returns its signing secret, which is shown only here.
     * Registering an existing bot id replaces its webhook and secret.
     * </pre>
     */
    public dev.openchat.v1.RegisterBotResponse registerBot(dev.openchat.v1.RegisterBotRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRegisterBotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a registered bot (without its secret).
     * </pre>
     */
    public dev.openchat.v1.GetBotResponse getBot(dev.openchat.v1.GetBotRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetBotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Stops webhook deliveries to a bot. Its memberships stay.
     * </pre>
     */
    public dev.openchat.v1.UnregisterBotResponse unregisterBot(dev.openchat.v1.UnregisterBotRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUnregisterBotMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Registering bots: users whose messages are also delivered to a webhook.
   * A bot is an ordinary user id (it sends with a token whose `sub` is the bot
   * id, and joins conversations through AddMembers); registering it makes the
   * server POST every message of its conversations to its webhook. Every RPC
   * requires a token with the "admin" role.
   * </pre>
   */
  public static final class BotServiceFutureStub extends io.grpc.stub.AbstractFutureStub<BotServiceFutureStub> {
    private BotServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected BotServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new BotServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a bot and returns its signing secret, which is shown only here.
     * Registering an existing bot id replaces its webhook and secret.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.RegisterBotResponse> registerBot(
        dev.openchat.v1.RegisterBotRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRegisterBotMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a registered bot (without its secret).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetBotResponse> getBot(
        dev.openchat.v1.GetBotRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetBotMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Stops webhook deliveries to a bot. Its memberships stay.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.UnregisterBotResponse> unregisterBot(
        dev.openchat.v1.UnregisterBotRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUnregisterBotMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_REGISTER_BOT = 0;
  private static final int METHODID_GET_BOT = 1;
  private static final int METHODID_UNREGISTER_BOT = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final BotServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(BotServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_REGISTER_BOT:
          serviceImpl.registerBot((dev.openchat.v1.RegisterBotRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.RegisterBotResponse>) responseObserver);
          break;
        case METHODID_GET_BOT:
          serviceImpl.getBot((dev.openchat.v1.GetBotRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetBotResponse>) responseObserver);
          break;
        case METHODID_UNREGISTER_BOT:
          serviceImpl.unregisterBot((dev.openchat.v1.UnregisterBotRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.UnregisterBotResponse>) responseObserver);
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

  private static abstract class BotServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    BotServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.openchat.v1.BotServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("BotService");
    }
  }

  private static final class BotServiceFileDescriptorSupplier
      extends BotServiceBaseDescriptorSupplier {
    BotServiceFileDescriptorSupplier() {}
  }

  private static final class BotServiceMethodDescriptorSupplier
      extends BotServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    BotServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (BotServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new BotServiceFileDescriptorSupplier())
              .addMethod(getRegisterBotMethod())
              .addMethod(getGetBotMethod())
              .addMethod(getUnregisterBotMethod())
              .build();
        }
      }
    }
    return result;
  }
}
