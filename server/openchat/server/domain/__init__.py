"""The domain: plain dataclasses and exceptions, with no protobuf and no ORM."""
