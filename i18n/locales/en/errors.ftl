# Errors: what the server refused and why. In English the app shows the server's own
# sentence for a refusal (it is more specific); these texts are what other languages show,
# one per error code of the live protocol (error-<code>), plus the web pages' own errors.

## One per protocol error code.
error-bad-frame = The server could not read that request.
error-no-nickname = Choose a nickname first.
error-invalid-nickname = A nickname has 1 to { $max } characters, without control characters.
error-invalid-room = A room name has 1 to { $max } characters: letters, digits, '-' and '_'; names starting with "dm-" are kept for direct messages.
error-room-exists = A room with that name already exists.
error-unknown-room = There is no such room.
error-unknown-person = No one with that nickname was found.
error-not-allowed = You are not allowed to do that.
error-empty-message = A message cannot be empty.
error-message-too-long = A message can have at most { $max ->
    [one] { $max } character
   *[other] { $max } characters
}.
error-not-joined = Join the room first.
error-nickname-taken = That nickname is taken. If it is yours and protected, enter its password.
error-wrong-password = Wrong password for that nickname.
error-too-many-attempts = Too many password attempts for this nickname; wait a minute and try again.
error-invalid-client-id = The message's id is invalid or already used.
error-store-unavailable = That could not be done right now; try again in a moment.
error-rate-limited = Slow down: too many requests in a row.
error-unknown-message = That message does not exist (or was deleted).
error-invalid-emoji = A reaction is one emoji.
error-too-many-reactions = A message can have at most { $max ->
    [one] { $max } different reaction
   *[other] { $max } different reactions
}.
error-invalid-query = Type a word to search for (at most { $max ->
    [one] { $max } character
   *[other] { $max } characters
}).
error-unknown-upload = A file could not be sent: it is not yours, was sent already, or is gone (a message carries at most { $max ->
    [one] { $max } file
   *[other] { $max } files
}).

## The web pages' own errors.
error-not-found = Not found.
error-transport = Could not reach the server; please try again.
error-engine-down = The chat engine is not running.
error-history-unavailable = History is unavailable right now; please reload in a moment.
error-server-busy = The server could not do that right now; please try again.
error-not-author = Only its author can edit or delete a message.
error-password-too-short = A password needs at least { $min ->
    [one] { $min } character
   *[other] { $min } characters
}.
error-nickname-before-creating-rooms = Choose a nickname before creating rooms.
error-nickname-before-messaging = Choose a nickname before messaging people.
error-nickname-before-inviting = Choose a nickname before inviting people.
error-nickname-before-changing-members = Choose a nickname before changing members.
error-nickname-before-posting = Choose a nickname before posting.
error-nickname-before-changing-messages = Choose a nickname before changing messages.
error-nickname-before-reacting = Choose a nickname before reacting.

# The language menu was sent a language the site does not have.
language-unknown = That language is not available.
