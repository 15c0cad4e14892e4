# The colour theme menu (under the room list).
theme = Theme
theme-system = As the system
theme-light = Light
theme-dark = Dark
theme-change = Change theme
theme-unknown = There is no such theme.
