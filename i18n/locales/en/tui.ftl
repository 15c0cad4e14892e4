# The terminal client (natter-tui). Command names (/join, /upload…), the words typed after
# them (private, on, off), key names (Alt-Up, Ctrl-C, Enter, Esc…) and the y/n of a question
# are what people type or press: they stay as they are. Upper-case words after a command
# (ROOM, NICK, TEXT…) are placeholders for what to type.
# The client adds the symbols around these texts: "⚠ " before a refusal, "@ " before a
# mention, "● "/"○ " before the status, spaces around composer titles.

## The status line (bottom row).
tui-connected-as = connected as { $nickname }
tui-connecting = connecting…
# $seconds: until the next attempt.
tui-reconnecting-in = reconnecting in { $seconds }s
tui-offline = offline
tui-status-hint = / for commands · F2 members · Ctrl-C quits
# A file on its way ($name is cut to fit; $percent is 0 to 100).
tui-uploading = Uploading { $name }…
tui-uploading-percent = Uploading { $name }… { $percent }%
# After the above when more files wait.
tui-uploading-more = (+{ $count } more)

## Panel titles and the conversation.
tui-rooms = rooms
tui-members = members { $count }
# Below the members listed, when the room has more.
tui-members-more = … { $count } more
tui-typing = { $name } is typing…
tui-typing-draft = { $name } is typing: { $draft }
# Scrolled up: a marker at the bottom right.
tui-new-below = { $count } new ↓
tui-more-below = ↓ more below
tui-older-load = … older messages load as you scroll
tui-message-deleted = message deleted
tui-edited = (edited)
# Before a message not yet acknowledged: "sending bob: hello".
tui-sending = sending

## The composer's title: what Enter will do.
tui-title-selected = selected: /reply /react /edit /delete · Esc lets go
# After the room's name: "#general · sharing what you type".
tui-title-sharing = sharing what you type
tui-title-hidden = typing hidden
# $text is the first line of the message answered, cut to fit.
tui-title-replying = replying to { $name }: { $text } · Esc cancels
tui-title-editing = editing your message · Enter saves, Esc cancels
tui-title-password = New password for { $nickname } (8+ characters) · Esc cancels
tui-title-password-again = The same again · Esc cancels
# y and n are the keys to press.
tui-title-delete = delete “{ $text }”? y/n

## /help, one line each.
tui-help-rooms = /join ROOM · /create ROOM [private] · /dm NICK · /invite NICK · /remove NICK · /leave
tui-help-account = /password (protect your nickname) · /typing on|off · /help · /quit
tui-help-select = Alt-Up/Alt-Down select a message (Esc lets go); these act on it, or by default on:
tui-help-answer = /reply [TEXT] the last message by someone else · /react EMOJI (👍 or :+1:, again takes it back)
tui-help-own = /edit [TEXT] and /delete your last message · /search QUERY (alone: clears the hits)
tui-help-upload = /upload PATH [caption] sends a file (25 MiB at most; quote a path with spaces: "my file.png")
tui-help-compose = Enter sends, Alt-Enter is a new line, Up brings back sent lines, Tab completes names (@ too)
tui-help-move = PageUp/PageDown or the wheel scroll · Ctrl-N/Ctrl-P switch rooms · F2 members · Ctrl-T share typing · Ctrl-C quits

## Notices in the conversation.
tui-not-sent = Not connected: that was not sent.
# $room is the room's title ("#general", "@ann").
tui-mentioned-you = { $name } mentioned you in { $room }: { $text }
tui-protected = Your nickname { $nickname } is protected: from now on it needs this password.
tui-share-on = Sharing what you type is on.
tui-share-off = Sharing what you type is off.
tui-nothing-here = Nothing here yet.
tui-selected-gone = The selected message is gone.
tui-selected-deleted = The selected message was deleted.
tui-not-yours = That is not your message: you can edit and delete only your own.
tui-no-answerable = No message by someone else here yet.
tui-no-own = You have no message here yet.
tui-not-an-emoji = { $word } is not an emoji I know: try 👍, :+1:, :tada: or :heart:.
tui-edit-needs-text = An edit needs some text: Esc cancels it, /delete deletes the message.
tui-search-too-long = A search is at most { $max ->
    [one] { $max } character
   *[other] { $max } characters
}.
tui-searching = Searching for “{ $query }”…
# The heading of search results ($count is 0, 1, or more).
tui-search-none = No message matches “{ $query }”.
tui-search-one = 1 message matches “{ $query }”:
tui-search-found = { $count } messages match “{ $query }”, newest first:
# When there are more results than were sent.
tui-search-newest = The newest { $count } messages that match “{ $query }”, newest first:
# $command is the command's name without its slash.
tui-needs-on-off = /{ $command } needs on or off.
tui-needs-emoji = /{ $command } needs an emoji: 👍, :+1:, :tada:….
tui-needs-room = /{ $command } needs a room name.
tui-needs-nickname = /{ $command } needs a nickname.
tui-unknown-command = Unknown command /{ $command }: / lists them.
tui-cannot-leave = { $room } cannot be left.
tui-password-offline = Not connected: try /password again once connected.
tui-password-alone = Type /password alone: the password is asked without echo.
tui-password-cancelled = No password set: nothing changed.
tui-password-empty = No password given: nothing changed.
tui-password-differ = The two passwords differ: nothing changed.

## /upload.
tui-upload-usage = /upload PATH [caption] (quote a path with spaces: "my file.png")
# $usage is tui-upload-usage.
tui-upload-needs-file = /upload needs a file: { $usage }.
tui-upload-space = Put a space between the file and the caption: { $usage }.
# $path is what was typed after /upload.
tui-upload-quote-open = The quote before { $path } is not closed.
tui-upload-no-file = There is no file { $path }.
tui-upload-denied = { $path } cannot be read: permission denied.
# $error is the system's own words.
tui-upload-unreadable = { $path } cannot be read: { $error }.
tui-upload-folder = { $path } is a folder: /upload sends one file.
tui-upload-not-regular = { $path } is not a regular file.
# $size is like "26 MB".
tui-upload-too-large = { $name } is { $size }: a file can be at most 25 MiB.
tui-upload-grew = { $name } grew past 25 MiB.
tui-upload-offline = Not connected: { $name } was not uploaded.
tui-upload-lost = { $name } was not uploaded: the connection was lost.
# $reason is one of the texts below, or the server's.
tui-not-uploaded = { $name } was not uploaded: { $reason }
tui-upload-no-client = No HTTP client: { $error }
tui-upload-failed = The upload failed: { $error }.
tui-upload-answer-cut = The server's answer was cut: { $error }.
# $status is an HTTP status such as "200 OK".
tui-upload-answer-not-file = The server's answer ({ $status }) is not a file it stored.
# $status is an HTTP status code, $reason its English name ("Bad Gateway").
tui-upload-answered-reason = The server answered { $status } { $reason }.
tui-upload-answered = The server answered { $status }.
tui-upload-retry-in = Try again in { $seconds } s.
# The server's refusals of a file, by their code (English shows the server's own sentence).
tui-upload-refused-too-large = The file is larger than the server allows.
tui-upload-refused-type = Files of this type are not allowed.
tui-upload-refused-invalid = The file could not be read.
tui-upload-refused-quota = You have used all the space for your files. Delete some messages with files first.
tui-upload-refused-server-full = The server is full: it takes no more files for now.
tui-upload-refused-too-fast = Too many uploads.
tui-upload-refused-not-signed-in = Choose a nickname first.
tui-upload-refused-unavailable = The file store is unavailable; try again.

## Start and connection (also on standard error in plain mode).
tui-password-prompt = Password for { $nickname }:
tui-url-scheme = unsupported scheme { $scheme }: use http, https, ws or wss
# $server is the address as typed, in quotes.
tui-url-no-host = no host in { $server }
# $reason is one of the texts below, or the network library's.
tui-plain-lost = connection lost ({ $reason }); reconnecting
tui-plain-stdin = reading standard input: { $error }
tui-lost-silent = the server stopped answering
tui-lost-no-answer = the server did not answer
tui-lost-closed = closed by the server
# $code is the WebSocket close code, $reason the server's words.
tui-lost-closed-code = closed by the server ({ $code } { $reason })

# `natter-tui --help`: what the program is, each argument, and the help's headings.
tui-cli-about = Natter chat in the terminal
tui-cli-server = The server: http://, https://, ws:// or wss:// and its host (the path is ignored).
tui-cli-nick = The nickname to chat as.
tui-cli-room = The room to open.
tui-cli-plain = No screen: send each line of standard input, print each message of the room.
tui-cli-no-bell = Do not ring the terminal bell when someone mentions you.
