# Telling the reader they were mentioned: the desktop notification and the page's title.

# The title of a desktop notification (its body is the message itself).
notify-mentioned = { $author } mentioned you in #{ $room }
# The browser tab's title while the reader has unread mentions ($count of them).
notify-title = ({ $count }) { brand }
