# One message in the conversation, and its own page of plain forms (without JavaScript).

message-deleted = message deleted
# The title of "(edited)": when it was edited ($time is like "14:05 UTC").
message-edited-at = edited { $time }
message-edited = (edited)
# The link (without JavaScript) and button that open a message's actions.
message-more = More
# The accessible name of a message's mood emoji ($mood is positive, neutral or negative).
message-mood = { $mood ->
    [positive] positive mood
    [negative] negative mood
   *[neutral] neutral mood
}
# The accessible name of a reply's quote of the message it answers.
message-in-reply-to = In reply to { $author }: { $text }
# Between the names of the people who reacted ("ann, bob").
message-people-separator = {", "}
message-reactions = Reactions
message-actions = Message actions
message-reply = Reply
message-react = React
message-edit = Edit
message-delete = Delete
message-cannot-be-empty = A message cannot be empty; delete it instead.
# The label of the field that edits a message in place.
message-edit-field = Edit message
message-save = Save
message-cancel = Cancel

## The message's own page (/r/room/m/seq), used without JavaScript.

message-page-loading = Loading…
message-page-back = ← Back to the conversation
message-page-title = Message
# The heading of the section with the reply form.
message-page-reply-heading = Reply
message-page-your-reply = Your reply
# The heading of the section with the reaction buttons.
message-page-react-heading = React
# A reaction button's accessible name.
message-page-react-with = React { $emoji }
message-page-edit-heading = Edit
message-page-new-text = New text
message-page-delete-heading = Delete
