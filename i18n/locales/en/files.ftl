# Files: uploading them with a message, and showing a message's files.
# $size is a size such as "26 MB".
files-too-large = The file is larger than the { $size } allowed.
# $error is a technical detail from the browser.
files-could-not-start = The upload could not start ({ $error }).
files-unreadable-answer = The server's answer could not be read.
files-refused = The upload was refused.
files-connection-lost = The connection was lost: the upload starts again once you are back online.
# The accessible name of the list of files in the composer.
files-to-send = Files to send
files-waiting = The message is sent once its files are up.
# Accessible names of an upload's buttons and progress bar; $name is the file's name.
files-cancel-upload = Cancel upload of { $name }
files-remove-named = Remove { $name }
files-retry-upload = Retry upload of { $name }
files-uploading = Uploading { $name }
# Buttons.
files-cancel = Cancel
files-remove = Remove
files-retry = Retry
# The kind of a file shown after its size ("12 kB · text"); others show their format ("PDF").
files-kind-text = text
files-kind-file = file
# The accessible name of a message's list of files.
files-list = Files
files-open-image = Open image { $name }
files-viewer = Image viewer
files-previous-image = Previous image
files-next-image = Next image
files-download = Download
files-close = Close
# An upload's own caption field: its accessible name ($name is the file's name) and hint.
files-caption-for = Caption for { $name }
files-caption-placeholder = Add a caption
