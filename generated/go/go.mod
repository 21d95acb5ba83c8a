// The generated Go code for the openchat.v1 contract. The code under openchat/ is made by
// `make generate`; this file is written by hand. The versions are those the code was generated
// for (tools/apt/codegen.txt); newer grpc-go and protobuf-go releases run it as well.
module openchat.dev/generated/go

go 1.19

require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
