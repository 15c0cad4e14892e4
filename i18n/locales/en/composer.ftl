# The composer: writing a message, answering one, mentioning people.
# Shown above the composer while answering a message; $name is its author.
composer-replying-to = Replying to { $name }
composer-cancel-reply = Cancel reply
composer-attach = Attach file
# The accessible name of the text field.
composer-message = Message
composer-placeholder = Write a message…
composer-send = Send
# The list of names offered after typing "@".
composer-mentions = People to mention
# "@room" is typed as is and stays in English.
composer-mention-room = @room (everyone here)
# A switch: the others see the text while it is being typed.
composer-share-typing = Share what I type
