"""Server interceptors, one module each, chained in server.py from the outside in (as one
InterceptorChain, which wraps each method's handler with all of them once):

1. RequestObservingInterceptor: binds a request id, writes one canonical log line per RPC and
   records the gRPC server metrics.
2. ErrorMappingInterceptor: turns domain errors into statuses with ErrorInfo, and anything
   unexpected into a generic INTERNAL (grpc.aio would otherwise send the exception text, which
   can include a database URL, to the client).
3. DrainingInterceptor: counts the calls in flight and, while the server shuts down, answers
   new ones UNAVAILABLE itself (grpc would cancel calls still waiting when it stops: CANCELLED,
   which clients do not retry).
4. AuthInterceptor: verifies the bearer token and makes the principal current.
5. RequestDecodingInterceptor: decodes request bytes itself, so that undecodable bytes are
   answered INVALID_ARGUMENT (grpc answers INTERNAL) and only after authentication.

Each wraps the method handler's behavior (a streaming handler's, together with the others in
one generator); a grpc.aio interceptor cannot otherwise see how a call ends.
"""

from openchat.server.transport.interceptors.auth import AuthInterceptor, authenticate
from openchat.server.transport.interceptors.decoding import RequestDecodingInterceptor
from openchat.server.transport.interceptors.draining import CallGate, DrainingInterceptor
from openchat.server.transport.interceptors.error_mapping import (
    ErrorMappingInterceptor,
    unexpected_status,
)
from openchat.server.transport.interceptors.observing import (
    MethodSeries,
    RequestObservingInterceptor,
    begin_rpc,
    end_rpc,
    rpc_type,
)
from openchat.server.transport.interceptors.wrapping import (
    PUBLIC_METHOD_PREFIXES,
    InterceptorChain,
)

__all__ = [
    "PUBLIC_METHOD_PREFIXES",
    "AuthInterceptor",
    "CallGate",
    "DrainingInterceptor",
    "ErrorMappingInterceptor",
    "InterceptorChain",
    "MethodSeries",
    "RequestDecodingInterceptor",
    "RequestObservingInterceptor",
    "authenticate",
    "begin_rpc",
    "end_rpc",
    "rpc_type",
    "unexpected_status",
]
