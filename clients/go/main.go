// Command openchat-example walks through the OpenChat API with the generated Go stubs.
//
// As the user of OPENCHAT_TOKEN it creates a group with the peer, sends a message and checks the
// ack, then opens the session stream (hello, ping) and waits until the peer's message, sent with
// OPENCHAT_PEER_TOKEN through the unary SendMessage, is pushed to it.
//
// Exit status: 0 when everything received was right, 1 when anything failed or was wrong,
// 2 on bad usage, 3 when the server does not serve the session stream (UNIMPLEMENTED).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	openchatv1 "openchat.dev/generated/go/openchat/v1"
)

const (
	exitFailure             = 1
	exitUsage               = 2
	exitStreamUnimplemented = 3
)

var errStreamUnimplemented = errors.New("the server does not serve PresenceService.Connect")

func main() {
	target := flag.String("target", "127.0.0.1:50051", "OpenChat server `host:port`")
	peer := flag.String("peer", "bob", "user id of the peer, the owner of OPENCHAT_PEER_TOKEN")
	flag.Parse()
	token, peerToken := os.Getenv("OPENCHAT_TOKEN"), os.Getenv("OPENCHAT_PEER_TOKEN")
	if token == "" || peerToken == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: OPENCHAT_TOKEN=... OPENCHAT_PEER_TOKEN=... openchat-example [-target host:port] [-peer user-id]")
		os.Exit(exitUsage)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, *target, *peer, bearer(token), bearer(peerToken))
	switch {
	case errors.Is(err, errStreamUnimplemented):
		fmt.Fprintln(os.Stderr, "openchat-example:", err)
		os.Exit(exitStreamUnimplemented)
	case err != nil:
		fmt.Fprintln(os.Stderr, "openchat-example:", err)
		os.Exit(exitFailure)
	}
	fmt.Println("OK: every step received what the contract promises")
}

func run(ctx context.Context, target, peer string, me, them grpc.CallOption) error {
	conn, err := grpc.DialContext(ctx, target, grpc.WithInsecure())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", target, err)
	}
	defer conn.Close()
	conversations := openchatv1.NewConversationServiceClient(conn)
	messaging := openchatv1.NewMessagingServiceClient(conn)
	presence := openchatv1.NewPresenceServiceClient(conn)

	// 1. A group with the peer, and a first message, acknowledged once stored.
	created, err := conversations.CreateGroup(ctx, &openchatv1.CreateGroupRequest{
		Title: "Go example", MemberIds: []string{peer},
	}, me)
	if err != nil {
		return fmt.Errorf("CreateGroup: %w", err)
	}
	group := created.GetConversation()
	fmt.Printf("created group %s with %v\n", group.GetConversationId(), group.GetMemberIds())

	clientMsgID := newID()
	sent, err := messaging.SendMessage(ctx, &openchatv1.SendMessageRequest{
		ConversationId: group.GetConversationId(),
		ClientMsgId:    clientMsgID,
		Content:        &openchatv1.Content{Text: "hello from Go"},
	}, me)
	if err != nil {
		return fmt.Errorf("SendMessage: %w", err)
	}
	ack := sent.GetAck()
	if ack.GetClientMsgId() != clientMsgID || ack.GetConversationId() != group.GetConversationId() ||
		ack.GetSeq() != 1 || ack.GetDuplicate() {
		return fmt.Errorf("unexpected ack for the first message: %v", ack)
	}
	fmt.Printf("ack: message %s stored as seq %d\n", ack.GetMessageId(), ack.GetSeq())

	// 2. The session stream: hello is answered by welcome, ping by pong.
	stream, err := presence.Connect(ctx, me)
	if err != nil {
		return streamError("Connect", err)
	}
	if err := send(stream, &openchatv1.ClientFrame{Frame: &openchatv1.ClientFrame_Hello{
		Hello: &openchatv1.Hello{
			DeviceId:   "example-go",
			ClientInfo: &openchatv1.ClientInfo{App: "openchat-example-go", Version: "1", Platform: "go"},
		},
	}}); err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return streamError("waiting for welcome", err)
	}
	welcome := first.GetWelcome()
	if welcome == nil || welcome.GetUserId() != group.GetCreatorId() {
		return fmt.Errorf("expected a welcome for %s, got %v", group.GetCreatorId(), first)
	}
	fmt.Printf("welcome: session %s for %s\n", welcome.GetSessionId(), welcome.GetUserId())

	const nonce = 42
	if err := send(stream, &openchatv1.ClientFrame{Frame: &openchatv1.ClientFrame_Ping{
		Ping: &openchatv1.Ping{Nonce: nonce},
	}}); err != nil {
		return err
	}
	pong, err := receive(stream, func(f *openchatv1.ServerFrame) bool { return f.GetPong() != nil })
	if err != nil {
		return fmt.Errorf("waiting for pong: %w", err)
	}
	if pong.GetPong().GetNonce() != nonce {
		return fmt.Errorf("pong carries nonce %d, want %d", pong.GetPong().GetNonce(), nonce)
	}
	fmt.Printf("pong: nonce %d\n", nonce)

	// 3. The peer sends through the unary RPC; the server pushes the message on our stream.
	peerSent, err := messaging.SendMessage(ctx, &openchatv1.SendMessageRequest{
		ConversationId: group.GetConversationId(),
		ClientMsgId:    newID(),
		Content:        &openchatv1.Content{Text: "hello from the peer"},
	}, them)
	if err != nil {
		return fmt.Errorf("SendMessage as %s: %w", peer, err)
	}
	peerAck := peerSent.GetAck()
	pushed, err := receive(stream, func(f *openchatv1.ServerFrame) bool {
		return f.GetMessage().GetMessageId() == peerAck.GetMessageId()
	})
	if err != nil {
		return fmt.Errorf("waiting for the peer's message %s: %w", peerAck.GetMessageId(), err)
	}
	message := pushed.GetMessage()
	if message.GetSenderId() != peer || message.GetSeq() != peerAck.GetSeq() ||
		message.GetConversationId() != group.GetConversationId() ||
		message.GetContent().GetText() != "hello from the peer" {
		return fmt.Errorf("pushed message differs from what %s sent: %v", peer, message)
	}
	fmt.Printf("pushed: seq %d from %s: %q\n", message.GetSeq(), message.GetSenderId(), message.GetContent().GetText())
	return stream.CloseSend()
}

// send writes a frame; when the server already ended the stream, the status it ended it with
// is the error worth reporting.
func send(stream openchatv1.PresenceService_ConnectClient, frame *openchatv1.ClientFrame) error {
	err := stream.Send(frame)
	if errors.Is(err, io.EOF) {
		_, err = stream.Recv()
	}
	if err != nil {
		return streamError("sending a frame", err)
	}
	return nil
}

// receive reads frames until one matches, skipping frames of other kinds (presence, receipts).
func receive(stream openchatv1.PresenceService_ConnectClient, match func(*openchatv1.ServerFrame) bool) (*openchatv1.ServerFrame, error) {
	for {
		frame, err := stream.Recv()
		if err != nil {
			return nil, streamError("receiving", err)
		}
		if match(frame) {
			return frame, nil
		}
	}
}

func streamError(step string, err error) error {
	if status.Code(err) == codes.Unimplemented {
		return fmt.Errorf("%w (%s: %v)", errStreamUnimplemented, step, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// bearer authenticates one call as the owner of token. OpenChat examples talk plaintext to a
// local server; with TLS, use grpc.WithPerRPCCredentials and oauth.NewOauthAccess instead.
func bearer(token string) grpc.CallOption {
	return grpc.PerRPCCredentials(bearerToken(token))
}

type bearerToken string

func (t bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(t)}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return false }

// newID returns a random idempotency key, made once per message and reused on its retries.
func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
