# Searching messages: the field in the room header and the page of results.

# The search field's label and placeholder.
search-field = Search messages
search-back = ← Back to the chat
search-heading = Search
search-searching = Searching…
# The line above the results; $query is what the reader searched for.
search-summary = { $count ->
    [0] Nothing found for “{ $query }”.
    [one] { $count } message found for “{ $query }”.
   *[other] { $count } messages found for “{ $query }”.
}
# The same when there are more results than one page shows (the latest come first).
search-summary-latest = { $count ->
    [one] The latest { $count } message found for “{ $query }”.
   *[other] The latest { $count } messages found for “{ $query }”.
}
# A link to the next page of results.
search-older = Older results
# The name of the list of results.
search-results = Search results
