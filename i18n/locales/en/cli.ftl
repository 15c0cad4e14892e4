# The command lines of natter and natter-tui: the help's headings and flags, and what is
# wrong with the arguments given. Flags, values and argument names ({ $arg }) stay as typed.

cli-usage = Usage:
cli-arguments = Arguments:
cli-options = Options:
cli-help = Print help
cli-version = Print version
# After an argument's text: its default, possible values and environment variable.
cli-notes = { $text } ({ $notes })
cli-notes-separator = { "; " }
cli-default = default { $value }
cli-possible = possible values: { $values }
cli-env = environment variable { $name }

## Refusals.
cli-error = error:
cli-unknown-argument = unexpected argument '{ $arg }'
cli-value-required = '{ $arg }' needs a value
cli-invalid-value = invalid value '{ $value }' for '{ $arg }'
cli-missing = required arguments were not given: { $args }
cli-conflict = '{ $arg }' cannot be used with '{ $other }'
cli-value-count = wrong number of values for '{ $arg }'
cli-no-equals = '{ $arg }' takes its value after '='
cli-not-utf8 = the command line is not valid UTF-8
cli-similar = tip: a similar argument exists: '{ $arg }'
cli-more = For more information, try '{ $flag }'.
