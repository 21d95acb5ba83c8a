package dev.openchat.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Creating conversations and managing their members.
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler",
    comments = "Source: openchat/v1/conversation_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class ConversationServiceGrpc {

  private ConversationServiceGrpc() {}

  public static final String SERVICE_NAME = "openchat.v1.ConversationService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.CreateGroupRequest,
      dev.openchat.v1.CreateGroupResponse> getCreateGroupMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateGroup",
      requestType = dev.openchat.v1.CreateGroupRequest.class,
      responseType = dev.openchat.v1.CreateGroupResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.CreateGroupRequest,
      dev.openchat.v1.CreateGroupResponse> getCreateGroupMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.CreateGroupRequest, dev.openchat.v1.CreateGroupResponse> getCreateGroupMethod;
    if ((getCreateGroupMethod = ConversationServiceGrpc.getCreateGroupMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getCreateGroupMethod = ConversationServiceGrpc.getCreateGroupMethod) == null) {
          ConversationServiceGrpc.getCreateGroupMethod = getCreateGroupMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.CreateGroupRequest, dev.openchat.v1.CreateGroupResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateGroup"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.CreateGroupRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.CreateGroupResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("CreateGroup"))
              .build();
        }
      }
    }
    return getCreateGroupMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetOrCreateDirectRequest,
      dev.openchat.v1.GetOrCreateDirectResponse> getGetOrCreateDirectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetOrCreateDirect",
      requestType = dev.openchat.v1.GetOrCreateDirectRequest.class,
      responseType = dev.openchat.v1.GetOrCreateDirectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetOrCreateDirectRequest,
      dev.openchat.v1.GetOrCreateDirectResponse> getGetOrCreateDirectMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetOrCreateDirectRequest, dev.openchat.v1.GetOrCreateDirectResponse> getGetOrCreateDirectMethod;
    if ((getGetOrCreateDirectMethod = ConversationServiceGrpc.getGetOrCreateDirectMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getGetOrCreateDirectMethod = ConversationServiceGrpc.getGetOrCreateDirectMethod) == null) {
          ConversationServiceGrpc.getGetOrCreateDirectMethod = getGetOrCreateDirectMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetOrCreateDirectRequest, dev.openchat.v1.GetOrCreateDirectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetOrCreateDirect"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetOrCreateDirectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetOrCreateDirectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("GetOrCreateDirect"))
              .build();
        }
      }
    }
    return getGetOrCreateDirectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.AddMembersRequest,
      dev.openchat.v1.AddMembersResponse> getAddMembersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AddMembers",
      requestType = dev.openchat.v1.AddMembersRequest.class,
      responseType = dev.openchat.v1.AddMembersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.AddMembersRequest,
      dev.openchat.v1.AddMembersResponse> getAddMembersMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.AddMembersRequest, dev.openchat.v1.AddMembersResponse> getAddMembersMethod;
    if ((getAddMembersMethod = ConversationServiceGrpc.getAddMembersMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getAddMembersMethod = ConversationServiceGrpc.getAddMembersMethod) == null) {
          ConversationServiceGrpc.getAddMembersMethod = getAddMembersMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.AddMembersRequest, dev.openchat.v1.AddMembersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AddMembers"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.AddMembersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.AddMembersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("AddMembers"))
              .build();
        }
      }
    }
    return getAddMembersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.RemoveMembersRequest,
      dev.openchat.v1.RemoveMembersResponse> getRemoveMembersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RemoveMembers",
      requestType = dev.openchat.v1.RemoveMembersRequest.class,
      responseType = dev.openchat.v1.RemoveMembersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.RemoveMembersRequest,
      dev.openchat.v1.RemoveMembersResponse> getRemoveMembersMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.RemoveMembersRequest, dev.openchat.v1.RemoveMembersResponse> getRemoveMembersMethod;
    if ((getRemoveMembersMethod = ConversationServiceGrpc.getRemoveMembersMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getRemoveMembersMethod = ConversationServiceGrpc.getRemoveMembersMethod) == null) {
          ConversationServiceGrpc.getRemoveMembersMethod = getRemoveMembersMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.RemoveMembersRequest, dev.openchat.v1.RemoveMembersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RemoveMembers"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RemoveMembersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.RemoveMembersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("RemoveMembers"))
              .build();
        }
      }
    }
    return getRemoveMembersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.GetConversationRequest,
      dev.openchat.v1.GetConversationResponse> getGetConversationMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetConversation",
      requestType = dev.openchat.v1.GetConversationRequest.class,
      responseType = dev.openchat.v1.GetConversationResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.GetConversationRequest,
      dev.openchat.v1.GetConversationResponse> getGetConversationMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.GetConversationRequest, dev.openchat.v1.GetConversationResponse> getGetConversationMethod;
    if ((getGetConversationMethod = ConversationServiceGrpc.getGetConversationMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getGetConversationMethod = ConversationServiceGrpc.getGetConversationMethod) == null) {
          ConversationServiceGrpc.getGetConversationMethod = getGetConversationMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.GetConversationRequest, dev.openchat.v1.GetConversationResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetConversation"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetConversationRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.GetConversationResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("GetConversation"))
              .build();
        }
      }
    }
    return getGetConversationMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.ListConversationsRequest,
      dev.openchat.v1.ListConversationsResponse> getListConversationsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListConversations",
      requestType = dev.openchat.v1.ListConversationsRequest.class,
      responseType = dev.openchat.v1.ListConversationsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.ListConversationsRequest,
      dev.openchat.v1.ListConversationsResponse> getListConversationsMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.ListConversationsRequest, dev.openchat.v1.ListConversationsResponse> getListConversationsMethod;
    if ((getListConversationsMethod = ConversationServiceGrpc.getListConversationsMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getListConversationsMethod = ConversationServiceGrpc.getListConversationsMethod) == null) {
          ConversationServiceGrpc.getListConversationsMethod = getListConversationsMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.ListConversationsRequest, dev.openchat.v1.ListConversationsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListConversations"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ListConversationsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.ListConversationsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("ListConversations"))
              .build();
        }
      }
    }
    return getListConversationsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.openchat.v1.UpdateMemberSettingsRequest,
      dev.openchat.v1.UpdateMemberSettingsResponse> getUpdateMemberSettingsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateMemberSettings",
      requestType = dev.openchat.v1.UpdateMemberSettingsRequest.class,
      responseType = dev.openchat.v1.UpdateMemberSettingsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.openchat.v1.UpdateMemberSettingsRequest,
      dev.openchat.v1.UpdateMemberSettingsResponse> getUpdateMemberSettingsMethod() {
    io.grpc.MethodDescriptor<dev.openchat.v1.UpdateMemberSettingsRequest, dev.openchat.v1.UpdateMemberSettingsResponse> getUpdateMemberSettingsMethod;
    if ((getUpdateMemberSettingsMethod = ConversationServiceGrpc.getUpdateMemberSettingsMethod) == null) {
      synchronized (ConversationServiceGrpc.class) {
        if ((getUpdateMemberSettingsMethod = ConversationServiceGrpc.getUpdateMemberSettingsMethod) == null) {
          ConversationServiceGrpc.getUpdateMemberSettingsMethod = getUpdateMemberSettingsMethod =
              io.grpc.MethodDescriptor.<dev.openchat.v1.UpdateMemberSettingsRequest, dev.openchat.v1.UpdateMemberSettingsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateMemberSettings"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.UpdateMemberSettingsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.openchat.v1.UpdateMemberSettingsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new ConversationServiceMethodDescriptorSupplier("UpdateMemberSettings"))
              .build();
        }
      }
    }
    return getUpdateMemberSettingsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static ConversationServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversationServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversationServiceStub>() {
        @java.lang.Override
        public ConversationServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversationServiceStub(channel, callOptions);
        }
      };
    return ConversationServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static ConversationServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversationServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversationServiceBlockingStub>() {
        @java.lang.Override
        public ConversationServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversationServiceBlockingStub(channel, callOptions);
        }
      };
    return ConversationServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static ConversationServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<ConversationServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<ConversationServiceFutureStub>() {
        @java.lang.Override
        public ConversationServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new ConversationServiceFutureStub(channel, callOptions);
        }
      };
    return ConversationServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Creating conversations and managing their members.
   * </pre>
   */
  public static abstract class ConversationServiceImplBase implements io.grpc.BindableService {

    /**
     * <pre>
     * Creates a group owned by the caller. The caller is always a member, in
     * addition to `member_ids`. Safe to retry with the same request_id.
     * </pre>
     */
    public void createGroup(dev.openchat.v1.CreateGroupRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.CreateGroupResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateGroupMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the direct conversation between the caller and `peer_id`,
     * creating it on first use. Concurrent calls from both sides get the same
     * conversation.
     * </pre>
     */
    public void getOrCreateDirect(dev.openchat.v1.GetOrCreateDirectRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetOrCreateDirectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetOrCreateDirectMethod(), responseObserver);
    }

    /**
     * <pre>
     * Adds users to a group. Any member may add; users already in the group are
     * ignored.
     * </pre>
     */
    public void addMembers(dev.openchat.v1.AddMembersRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.AddMembersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAddMembersMethod(), responseObserver);
    }

    /**
     * <pre>
     * Removes users from a group. A member may remove themselves (leave); only
     * the owner may remove others. Users not in the group are ignored.
     * </pre>
     */
    public void removeMembers(dev.openchat.v1.RemoveMembersRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveMembersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRemoveMembersMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one conversation the caller belongs to.
     * </pre>
     */
    public void getConversation(dev.openchat.v1.GetConversationRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetConversationResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetConversationMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the conversations the caller belongs to in inbox order: pinned ones
     * first, then by last activity (the newest message, or the creation), newest
     * first. Each carries the caller's unread and mention counts and the last
     * message. A conversation that becomes active while a client pages moves to
     * the front: it may be missed by the pages still to come, or seen twice.
     * </pre>
     */
    public void listConversations(dev.openchat.v1.ListConversationsRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ListConversationsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListConversationsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Changes the caller's own settings for a conversation: mute (no push
     * notifications except for messages that mention the caller) and pin.
     * </pre>
     */
    public void updateMemberSettings(dev.openchat.v1.UpdateMemberSettingsRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.UpdateMemberSettingsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateMemberSettingsMethod(), responseObserver);
    }

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
          .addMethod(
            getCreateGroupMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.CreateGroupRequest,
                dev.openchat.v1.CreateGroupResponse>(
                  this, METHODID_CREATE_GROUP)))
          .addMethod(
            getGetOrCreateDirectMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetOrCreateDirectRequest,
                dev.openchat.v1.GetOrCreateDirectResponse>(
                  this, METHODID_GET_OR_CREATE_DIRECT)))
          .addMethod(
            getAddMembersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.AddMembersRequest,
                dev.openchat.v1.AddMembersResponse>(
                  this, METHODID_ADD_MEMBERS)))
          .addMethod(
            getRemoveMembersMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.RemoveMembersRequest,
                dev.openchat.v1.RemoveMembersResponse>(
                  this, METHODID_REMOVE_MEMBERS)))
          .addMethod(
            getGetConversationMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.GetConversationRequest,
                dev.openchat.v1.GetConversationResponse>(
                  this, METHODID_GET_CONVERSATION)))
          .addMethod(
            getListConversationsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.ListConversationsRequest,
                dev.openchat.v1.ListConversationsResponse>(
                  this, METHODID_LIST_CONVERSATIONS)))
          .addMethod(
            getUpdateMemberSettingsMethod(),
            io.grpc.stub.ServerCalls.asyncUnaryCall(
              new MethodHandlers<
                dev.openchat.v1.UpdateMemberSettingsRequest,
                dev.openchat.v1.UpdateMemberSettingsResponse>(
                  this, METHODID_UPDATE_MEMBER_SETTINGS)))
          .build();
    }
  }

  /**
   * <pre>
   * Creating conversations and managing their members.
   * </pre>
   */
  public static final class ConversationServiceStub extends io.grpc.stub.AbstractAsyncStub<ConversationServiceStub> {
    private ConversationServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversationServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversationServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a group owned by the caller. The caller is always a member, in
     * addition to `member_ids`. Safe to retry with the same request_id.
     * </pre>
     */
    public void createGroup(dev.openchat.v1.CreateGroupRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.CreateGroupResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateGroupMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the direct conversation between the caller and `peer_id`,
     * creating it on first use. Concurrent calls from both sides get the same
     * conversation.
     * </pre>
     */
    public void getOrCreateDirect(dev.openchat.v1.GetOrCreateDirectRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetOrCreateDirectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetOrCreateDirectMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Adds users to a group. Any member may add; users already in the group are
     * ignored.
     * </pre>
     */
    public void addMembers(dev.openchat.v1.AddMembersRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.AddMembersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAddMembersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Removes users from a group. A member may remove themselves (leave); only
     * the owner may remove others. Users not in the group are ignored.
     * </pre>
     */
    public void removeMembers(dev.openchat.v1.RemoveMembersRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveMembersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRemoveMembersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one conversation the caller belongs to.
     * </pre>
     */
    public void getConversation(dev.openchat.v1.GetConversationRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.GetConversationResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetConversationMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the conversations the caller belongs to in inbox order: pinned ones
     * first, then by last activity (the newest message, or the creation), newest
     * first. Each carries the caller's unread and mention counts and the last
     * message. A conversation that becomes active while a client pages moves to
     * the front: it may be missed by the pages still to come, or seen twice.
     * </pre>
     */
    public void listConversations(dev.openchat.v1.ListConversationsRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.ListConversationsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListConversationsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Changes the caller's own settings for a conversation: mute (no push
     * notifications except for messages that mention the caller) and pin.
     * </pre>
     */
    public void updateMemberSettings(dev.openchat.v1.UpdateMemberSettingsRequest request,
        io.grpc.stub.StreamObserver<dev.openchat.v1.UpdateMemberSettingsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateMemberSettingsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * <pre>
   * Creating conversations and managing their members.
   * </pre>
   */
  public static final class ConversationServiceBlockingStub extends io.grpc.stub.AbstractBlockingStub<ConversationServiceBlockingStub> {
    private ConversationServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversationServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversationServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a group owned by the caller. The caller is always a member, in
     * addition to `member_ids`. Safe to retry with the same request_id.
     * </pre>
     */
    public dev.openchat.v1.CreateGroupResponse createGroup(dev.openchat.v1.CreateGroupRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateGroupMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the direct conversation between the caller and `peer_id`,
     * creating it on first use. Concurrent calls from both sides get the same
     * conversation.
     * </pre>
     */
    public dev.openchat.v1.GetOrCreateDirectResponse getOrCreateDirect(dev.openchat.v1.GetOrCreateDirectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetOrCreateDirectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Adds users to a group. Any member may add; users already in the group are
     * ignored.
     * </pre>
     */
    public dev.openchat.v1.AddMembersResponse addMembers(dev.openchat.v1.AddMembersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAddMembersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Removes users from a group. A member may remove themselves (leave); only
     * the owner may remove others. Users not in the group are ignored.
     * </pre>
     */
    public dev.openchat.v1.RemoveMembersResponse removeMembers(dev.openchat.v1.RemoveMembersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRemoveMembersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one conversation the caller belongs to.
     * </pre>
     */
    public dev.openchat.v1.GetConversationResponse getConversation(dev.openchat.v1.GetConversationRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetConversationMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the conversations the caller belongs to in inbox order: pinned ones
     * first, then by last activity (the newest message, or the creation), newest
     * first. Each carries the caller's unread and mention counts and the last
     * message. A conversation that becomes active while a client pages moves to
     * the front: it may be missed by the pages still to come, or seen twice.
     * </pre>
     */
    public dev.openchat.v1.ListConversationsResponse listConversations(dev.openchat.v1.ListConversationsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListConversationsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Changes the caller's own settings for a conversation: mute (no push
     * notifications except for messages that mention the caller) and pin.
     * </pre>
     */
    public dev.openchat.v1.UpdateMemberSettingsResponse updateMemberSettings(dev.openchat.v1.UpdateMemberSettingsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateMemberSettingsMethod(), getCallOptions(), request);
    }
  }

  /**
   * <pre>
   * Creating conversations and managing their members.
   * </pre>
   */
  public static final class ConversationServiceFutureStub extends io.grpc.stub.AbstractFutureStub<ConversationServiceFutureStub> {
    private ConversationServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected ConversationServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new ConversationServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a group owned by the caller. The caller is always a member, in
     * addition to `member_ids`. Safe to retry with the same request_id.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.CreateGroupResponse> createGroup(
        dev.openchat.v1.CreateGroupRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateGroupMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the direct conversation between the caller and `peer_id`,
     * creating it on first use. Concurrent calls from both sides get the same
     * conversation.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetOrCreateDirectResponse> getOrCreateDirect(
        dev.openchat.v1.GetOrCreateDirectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetOrCreateDirectMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Adds users to a group. Any member may add; users already in the group are
     * ignored.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.AddMembersResponse> addMembers(
        dev.openchat.v1.AddMembersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAddMembersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Removes users from a group. A member may remove themselves (leave); only
     * the owner may remove others. Users not in the group are ignored.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.RemoveMembersResponse> removeMembers(
        dev.openchat.v1.RemoveMembersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRemoveMembersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one conversation the caller belongs to.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.GetConversationResponse> getConversation(
        dev.openchat.v1.GetConversationRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetConversationMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the conversations the caller belongs to in inbox order: pinned ones
     * first, then by last activity (the newest message, or the creation), newest
     * first. Each carries the caller's unread and mention counts and the last
     * message. A conversation that becomes active while a client pages moves to
     * the front: it may be missed by the pages still to come, or seen twice.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.ListConversationsResponse> listConversations(
        dev.openchat.v1.ListConversationsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListConversationsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Changes the caller's own settings for a conversation: mute (no push
     * notifications except for messages that mention the caller) and pin.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.openchat.v1.UpdateMemberSettingsResponse> updateMemberSettings(
        dev.openchat.v1.UpdateMemberSettingsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateMemberSettingsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_GROUP = 0;
  private static final int METHODID_GET_OR_CREATE_DIRECT = 1;
  private static final int METHODID_ADD_MEMBERS = 2;
  private static final int METHODID_REMOVE_MEMBERS = 3;
  private static final int METHODID_GET_CONVERSATION = 4;
  private static final int METHODID_LIST_CONVERSATIONS = 5;
  private static final int METHODID_UPDATE_MEMBER_SETTINGS = 6;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final ConversationServiceImplBase serviceImpl;
    private final int methodId;

    MethodHandlers(ConversationServiceImplBase serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_GROUP:
          serviceImpl.createGroup((dev.openchat.v1.CreateGroupRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.CreateGroupResponse>) responseObserver);
          break;
        case METHODID_GET_OR_CREATE_DIRECT:
          serviceImpl.getOrCreateDirect((dev.openchat.v1.GetOrCreateDirectRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetOrCreateDirectResponse>) responseObserver);
          break;
        case METHODID_ADD_MEMBERS:
          serviceImpl.addMembers((dev.openchat.v1.AddMembersRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.AddMembersResponse>) responseObserver);
          break;
        case METHODID_REMOVE_MEMBERS:
          serviceImpl.removeMembers((dev.openchat.v1.RemoveMembersRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.RemoveMembersResponse>) responseObserver);
          break;
        case METHODID_GET_CONVERSATION:
          serviceImpl.getConversation((dev.openchat.v1.GetConversationRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.GetConversationResponse>) responseObserver);
          break;
        case METHODID_LIST_CONVERSATIONS:
          serviceImpl.listConversations((dev.openchat.v1.ListConversationsRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.ListConversationsResponse>) responseObserver);
          break;
        case METHODID_UPDATE_MEMBER_SETTINGS:
          serviceImpl.updateMemberSettings((dev.openchat.v1.UpdateMemberSettingsRequest) request,
              (io.grpc.stub.StreamObserver<dev.openchat.v1.UpdateMemberSettingsResponse>) responseObserver);
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

  private static abstract class ConversationServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    ConversationServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.openchat.v1.ConversationServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("ConversationService");
    }
  }

  private static final class ConversationServiceFileDescriptorSupplier
      extends ConversationServiceBaseDescriptorSupplier {
    ConversationServiceFileDescriptorSupplier() {}
  }

  private static final class ConversationServiceMethodDescriptorSupplier
      extends ConversationServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final String methodName;

    ConversationServiceMethodDescriptorSupplier(String methodName) {
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
      synchronized (ConversationServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new ConversationServiceFileDescriptorSupplier())
              .addMethod(getCreateGroupMethod())
              .addMethod(getGetOrCreateDirectMethod())
              .addMethod(getAddMembersMethod())
              .addMethod(getRemoveMembersMethod())
              .addMethod(getGetConversationMethod())
              .addMethod(getListConversationsMethod())
              .addMethod(getUpdateMemberSettingsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
