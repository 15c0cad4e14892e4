# The chat page: loading, the nickname prompt, a page that does not exist.

chat-loading = Loading…
chat-not-found-title = Not found
chat-not-found-text = There is nothing here.
chat-go-general = Go to #general
chat-tagline = Pick a name and start talking.
chat-nickname = Nickname
chat-password = Password
# After "Password": the field may be left empty.
chat-password-optional = (if you set one)
chat-join = Join
# The top bar of a narrow screen: open the room list and the people here as drawers.
chat-rooms-button = Rooms
chat-members-button = Members
chat-skip-to-composer = Skip to the message box
