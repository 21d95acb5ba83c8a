"""Request validation at the edge: each violation is an InvalidArgument naming the field."""

from __future__ import annotations

import unicodedata
import urllib.parse
from collections.abc import Sequence

from openchat.server.domain.errors import ContentTooLarge, InvalidArgument
from openchat.server.domain.ids import id_problem
from openchat.server.domain.lifecycle import MAX_EMOJI_BYTES
from openchat.v1 import message_pb2

MAX_TITLE_LENGTH = 200
MAX_IDS_PER_REQUEST = 1000
MAX_ATTRIBUTES = 64


def require_id(field: str, value: str) -> str:
    """A non-empty identifier of at most 128 printable characters."""
    if not value:
        raise InvalidArgument(field, "is required")
    check_id(field, value)
    return value


def check_id(field: str, value: str) -> None:
    problem = id_problem(value)
    if problem is not None:
        raise InvalidArgument(field, problem)


def require_ids(field: str, values: Sequence[str], *, allow_empty: bool = False) -> list[str]:
    """Identifiers, at most 1000, duplicates removed (first occurrence kept)."""
    if not values and not allow_empty:
        raise InvalidArgument(field, "must name at least one user")
    if len(values) > MAX_IDS_PER_REQUEST:
        raise InvalidArgument(field, f"has {len(values)} entries, more than {MAX_IDS_PER_REQUEST}")
    for index, value in enumerate(values):
        require_id(f"{field}[{index}]", value)
    return list(dict.fromkeys(values))


def require_seq(field: str, value: int) -> int:
    if value < 0:
        raise InvalidArgument(field, f"must not be negative, got {value}")
    return value


def page_size(field: str, value: int, *, default: int, maximum: int) -> int:
    """0 means the default; negative or above the maximum is an error."""
    if value == 0:
        return default
    if value < 0 or value > maximum:
        raise InvalidArgument(field, f"must be between 0 and {maximum}, got {value}")
    return value


def require_title(value: str) -> str:
    if not value.strip():
        raise InvalidArgument("title", "is required")
    if len(value) > MAX_TITLE_LENGTH:
        raise InvalidArgument("title", f"has {len(value)} characters, more than {MAX_TITLE_LENGTH}")
    if not value.isprintable():
        raise InvalidArgument("title", "must not contain control characters")
    return value


def validate_content(content: message_pb2.Content, *, max_bytes: int) -> None:
    """The content's shape and its serialized size."""
    size = content.ByteSize()
    if size > max_bytes:
        raise ContentTooLarge(size, max_bytes)
    if not (content.text or content.data or content.attachments):
        raise InvalidArgument("content", "must have text, data or attachments")
    # PostgreSQL text cannot hold U+0000; rejecting it on every backend keeps them alike, and a
    # message that can never be stored must not be answered UNAVAILABLE ("retry").
    if "\x00" in content.text:
        raise InvalidArgument("content.text", "must not contain NUL characters (U+0000)")
    _validate_media_type(content)
    for index, attachment in enumerate(content.attachments):
        if not attachment.uri:
            raise InvalidArgument(f"content.attachments[{index}].uri", "is required")
        if attachment.size_bytes < 0:
            raise InvalidArgument(f"content.attachments[{index}].size_bytes", "is negative")
    if len(content.attributes) > MAX_ATTRIBUTES:
        raise InvalidArgument("content.attributes", f"has more than {MAX_ATTRIBUTES} entries")
    if any(not key for key in content.attributes):
        raise InvalidArgument("content.attributes", "keys must not be empty")
    require_ids("content.mention_user_ids", content.mention_user_ids, allow_empty=True)
    if content.reply_to_message_id:
        check_id("content.reply_to_message_id", content.reply_to_message_id)


def validate_edit(content: message_pb2.Content, *, max_bytes: int) -> None:
    """An edit's new content: text (required) and attributes, nothing else."""
    validate_content(content, max_bytes=max_bytes)
    others = ("data", "attachments", "mention_user_ids", "reply_to_message_id")
    for name in others:
        if getattr(content, name):
            raise InvalidArgument(
                f"content.{name}", "cannot be edited: an edit sets only text and attributes"
            )
    if not content.text:
        raise InvalidArgument("content.text", "is required in an edit")


# Unicode categories an emoji never contains: controls, surrogates, separators.
_NOT_IN_EMOJI = {"Cc", "Cs", "Zs", "Zl", "Zp"}


def require_emoji(value: str) -> str:
    """A reaction: 1 to MAX_EMOJI_BYTES bytes of UTF-8 without whitespace or control
    characters (joiners and variation selectors are allowed: emojis are made of them)."""
    if not value:
        raise InvalidArgument("emoji", "is required")
    if len(value.encode()) > MAX_EMOJI_BYTES:
        raise InvalidArgument("emoji", f"is longer than {MAX_EMOJI_BYTES} bytes of UTF-8")
    if any(unicodedata.category(c) in _NOT_IN_EMOJI for c in value):
        raise InvalidArgument("emoji", "must not contain whitespace or control characters")
    return value


def _validate_media_type(content: message_pb2.Content) -> None:
    """mime_type goes with data, and only with data."""
    if content.data and not content.mime_type:
        raise InvalidArgument("content.mime_type", "is required when content.data is set")
    if content.mime_type and not content.data:
        raise InvalidArgument("content.mime_type", "must be empty when content.data is empty")
    if len(content.mime_type) > 255:
        raise InvalidArgument("content.mime_type", "has more than 255 characters")
    if not content.mime_type.isprintable():
        raise InvalidArgument("content.mime_type", "must not contain control characters")


def require_http_url(field: str, value: str) -> str:
    """An absolute http(s) URL with a host."""
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidArgument(field, f"must be an absolute http or https URL, got {value!r}")
    if len(value) > 2048:
        raise InvalidArgument(field, "has more than 2048 characters")
    return value
