# Texts every part of the interface shares.
brand = Natter
# Only for the tests of plural forms and number formats.
test-messages = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
language = Language
language-change = Change language
