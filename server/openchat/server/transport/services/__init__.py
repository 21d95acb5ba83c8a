"""gRPC servicers. Every handler has one shape: validate the request, call the use case,
convert the result."""
