# The reaction picker.
picker-dialog = Choose a reaction
# The search field's name and placeholder.
picker-search = Search emoji
picker-none = No emoji found.
