"""Directories: who belongs to a conversation and which users are bots, cached for the paths that
ask for every message (fan-out, route planning, push), behind the ports MemberDirectory and
BotDirectory."""
