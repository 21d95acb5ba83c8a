"""The gRPC edge: the only place (with the client SDK) that imports the generated `*_pb2`."""
