# frozen_string_literal: true

# Walks through the OpenChat API with the generated Ruby stubs (the openchat-api gem).
#
# As the user of OPENCHAT_TOKEN it creates a group with the peer, sends a message and checks the
# ack, then opens the session stream (hello, ping) and waits until the peer's message, sent with
# OPENCHAT_PEER_TOKEN through the unary SendMessage, is pushed to it.
#
# Exit status: 0 when everything received was right, 1 when anything failed or was wrong,
# 2 on bad usage, 3 when the server does not serve the session stream (UNIMPLEMENTED).

require 'optparse'
require 'securerandom'

require 'openchat/v1/conversation_service_services_pb'
require 'openchat/v1/messaging_service_services_pb'
require 'openchat/v1/presence_service_services_pb'

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_STREAM_UNIMPLEMENTED = 3
TIMEOUT_SECONDS = 30

# Something the server sent was not what the contract promises.
class WrongAnswer < StandardError; end

# The server ended the session stream with UNIMPLEMENTED: it does not serve it.
class StreamUnimplemented < StandardError; end

# The session stream: frames written to a queue go out; frames read skip other kinds.
class Session
  def initialize(stub, metadata:, deadline:)
    @outgoing = Queue.new
    requests = Enumerator.new do |frames|
      while (frame = @outgoing.pop)
        frames << frame
      end
    end
    @incoming = stub.connect(requests, metadata: metadata, deadline: deadline)
  end

  def send_frame(**frame)
    @outgoing << Openchat::V1::ClientFrame.new(**frame)
  end

  def next_frame
    @incoming.next
  rescue GRPC::Unimplemented => e
    raise StreamUnimplemented, "the server does not serve PresenceService.Connect (#{e.message})"
  rescue StopIteration
    raise WrongAnswer, 'the server closed the session stream'
  end

  # Skips frames of other kinds (presence, receipts) until one matches.
  def receive
    loop do
      frame = next_frame
      return frame if yield frame
    end
  end

  def close
    @outgoing.close
  end
end

def check(condition, failure)
  raise WrongAnswer, failure unless condition
end

def run(target, peer, token, peer_token)
  channel = GRPC::Core::Channel.new(target, {}, :this_channel_is_insecure)
  stub = ->(service) { service::Stub.new(target, :this_channel_is_insecure, channel_override: channel) }
  conversations = stub.call(Openchat::V1::ConversationService)
  messaging = stub.call(Openchat::V1::MessagingService)
  deadline = Time.now + TIMEOUT_SECONDS
  me = { metadata: { 'authorization' => "Bearer #{token}" }, deadline: deadline }
  them = { metadata: { 'authorization' => "Bearer #{peer_token}" }, deadline: deadline }

  # 1. A group with the peer, and a first message, acknowledged once stored.
  group = conversations.create_group(
    Openchat::V1::CreateGroupRequest.new(title: 'Ruby example', member_ids: [peer]), **me
  ).conversation
  puts "created group #{group.conversation_id} with #{group.member_ids.to_a.join(', ')}"

  client_msg_id = SecureRandom.uuid
  ack = messaging.send_message(
    Openchat::V1::SendMessageRequest.new(
      conversation_id: group.conversation_id, client_msg_id: client_msg_id,
      content: Openchat::V1::Content.new(text: 'hello from Ruby')
    ), **me
  ).ack
  check(ack.client_msg_id == client_msg_id && ack.conversation_id == group.conversation_id &&
        ack.seq == 1 && !ack.duplicate, "unexpected ack for the first message: #{ack.inspect}")
  puts "ack: message #{ack.message_id} stored as seq #{ack.seq}"

  # 2. The session stream: hello is answered by welcome, ping by pong.
  session = Session.new(stub.call(Openchat::V1::PresenceService), **me)
  session.send_frame(hello: Openchat::V1::Hello.new(
    device_id: 'example-ruby',
    client_info: Openchat::V1::ClientInfo.new(app: 'openchat-example-ruby', version: '1',
                                              platform: "ruby #{RUBY_VERSION}")
  ))
  first = session.next_frame
  check(first.frame == :welcome, "expected a welcome, got #{first.inspect}")
  check(first.welcome.user_id == group.creator_id,
        "welcome is for #{first.welcome.user_id}, not #{group.creator_id}")
  puts "welcome: session #{first.welcome.session_id} for #{first.welcome.user_id}"

  nonce = 42
  session.send_frame(ping: Openchat::V1::Ping.new(nonce: nonce))
  pong = session.receive { |frame| frame.frame == :pong }
  check(pong.pong.nonce == nonce, "pong does not carry nonce #{nonce}: #{pong.inspect}")
  puts "pong: nonce #{pong.pong.nonce}"

  # 3. The peer sends through the unary RPC; the server pushes the message on our stream.
  peer_ack = messaging.send_message(
    Openchat::V1::SendMessageRequest.new(
      conversation_id: group.conversation_id, client_msg_id: SecureRandom.uuid,
      content: Openchat::V1::Content.new(text: 'hello from the peer')
    ), **them
  ).ack
  message = session.receive do |frame|
    frame.frame == :message && frame.message.message_id == peer_ack.message_id
  end.message
  check(message.sender_id == peer && message.seq == peer_ack.seq &&
        message.conversation_id == group.conversation_id &&
        message.content.text == 'hello from the peer',
        "pushed message differs from what #{peer} sent: #{message.inspect}")
  puts "pushed: seq #{message.seq} from #{message.sender_id}: #{message.content.text.inspect}"
  session.close
end

def main
  options = { target: '127.0.0.1:50051', peer: 'bob' }
  usage = 'usage: OPENCHAT_TOKEN=... OPENCHAT_PEER_TOKEN=... ruby openchat_example.rb ' \
          '[--target host:port] [--peer user-id]'
  begin
    OptionParser.new(usage) do |parser|
      parser.on('--target HOST:PORT', 'OpenChat server address') { |v| options[:target] = v }
      parser.on('--peer USER_ID', 'the owner of OPENCHAT_PEER_TOKEN') { |v| options[:peer] = v }
    end.parse!
  rescue OptionParser::ParseError => e
    warn e.message
    return EXIT_USAGE
  end
  token = ENV.fetch('OPENCHAT_TOKEN', '')
  peer_token = ENV.fetch('OPENCHAT_PEER_TOKEN', '')
  if token.empty? || peer_token.empty? || !ARGV.empty?
    warn usage
    return EXIT_USAGE
  end
  begin
    run(options[:target], options[:peer], token, peer_token)
  rescue StreamUnimplemented => e
    warn "openchat-example: #{e.message}"
    return EXIT_STREAM_UNIMPLEMENTED
  rescue GRPC::BadStatus, WrongAnswer => e
    warn "openchat-example: #{e.message}"
    return EXIT_FAILURE
  end
  puts 'OK: every step received what the contract promises'
  0
end

exit main
