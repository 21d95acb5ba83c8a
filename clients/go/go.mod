// The Go example client. `make stubs-test` builds it in GOPATH mode with Debian's Go packages
// (this machine reaches no Go module proxy); with a proxy, `go mod tidy && go run .` works too.
module openchat.dev/examples/go

go 1.19

require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1 // indirect
	openchat.dev/generated/go v0.0.0
)

replace openchat.dev/generated/go => ../../generated/go
