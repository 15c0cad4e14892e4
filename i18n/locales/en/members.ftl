# The people of the current room (the right column), and a private room's members.

# The column's landmark name.
members-aside = People here
# The heading over the people in the room now; the number is shown muted.
members-here-now = Here now { $count }
# The name of that list.
members-here-now-list = Here now
# The button next to a person that opens a direct conversation with them, and its accessible name.
members-message = Message
members-message-label = Message { $name }
members-show-more = Show more people

# A private room's members.
members-section = Members
# The heading over them; the number is shown muted.
members-heading = Members { $count }
# After the name of the room's creator (note the leading space).
members-creator = {" "}(creator)
members-leave = Leave
members-leave-label = Leave { $room }
members-remove = Remove
members-remove-label = Remove { $name }
# The label of the field where the creator types a nickname to invite, and its button.
members-invite-label = Invite
members-invite-placeholder = nickname
members-invite = Invite
