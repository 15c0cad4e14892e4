# The conversation of a room: header, message list, who is typing.

# The room's mood indicator ($mood is positive, neutral or negative).
conversation-room-mood = Room mood: { $mood ->
    [positive] positive
    [negative] negative
   *[neutral] neutral
}
# The header's "You are ann" (the name is shown in bold).
conversation-whoami = You are { $name }
conversation-no-javascript = JavaScript is off: new messages appear when you post or reload.
# The accessible name of the message list.
conversation-log = Conversation
conversation-loading-older = Loading older messages…
conversation-load-older = Load older messages
conversation-new-messages = { $count ->
    [one] { $count } new message ↓
   *[other] { $count } new messages ↓
}
# A message not yet confirmed by the server.
conversation-sending = sending…
# The accessible name of the typing area.
conversation-typing-label = Typing
# Between a name and their shared draft ("alice: hel▍").
conversation-draft-separator = {": "}
conversation-typing = { $name } is typing…
# An empty room, in place of its messages.
conversation-empty = No messages here yet. Say hello: everyone in the room sees it at once.
