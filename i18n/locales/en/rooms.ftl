# The room list (the left column): rooms, creating a room, protecting a nickname, notifications.

# The navigation landmark around the whole column.
rooms-nav = Rooms
# Headings (and list names) of the three kinds of rooms.
rooms-heading-public = Rooms
rooms-heading-private = Private rooms
rooms-heading-direct = Direct messages
# A private room's name as a screen reader says it.
rooms-private-name = { $name } (private)
# A room link's accessible name is its name and these parts, joined by the separator:
# "#general, 3 unread, 1 mention".
rooms-label-separator = {", "}
rooms-label-unread = { $count } unread
# The unread count is capped ($count is the cap, e.g. 999).
rooms-label-unread-capped = { $count }+ unread
rooms-label-mentions = { $count ->
    [one] { $count } mention
   *[other] { $count } mentions
}

# Creating a room.
rooms-new = New room
# An example of a room name (only latin letters, digits, "-" and "_" are allowed).
rooms-new-placeholder = room-name
rooms-create = Create
# A checkbox.
rooms-new-private = Private: only people I invite

# Protecting one's nickname with a password.
rooms-protect-section = Your nickname
rooms-protected = 🔒 Your nickname is protected.
rooms-protect = Protect your nickname
rooms-protect-placeholder = password (8+ characters)
rooms-protect-submit = Set password

# A checkbox: desktop notifications when someone mentions the reader.
rooms-notify = Notify me of mentions
