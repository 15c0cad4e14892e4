# Texts every part of the interface shares.
brand = Natter
# Only for the tests of plural forms and number formats.
test-messages = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
language = Language
language-change = Change language
# A file's size. $n is a whole number of bytes below 1,000; $value is a number already
# written in this language's way, with one decimal below 10 ("2.5", "26").
size-bytes = { $n ->
    [one] { $n } byte
   *[other] { $n } bytes
}
size-kb = { $value } KB
size-mb = { $value } MB
size-gb = { $value } GB
size-tb = { $value } TB
size-pb = { $value } PB
