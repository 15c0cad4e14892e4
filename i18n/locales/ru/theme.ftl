theme = Тема
theme-system = Как в системе
theme-light = Светлая
theme-dark = Тёмная
theme-change = Сменить тему
theme-unknown = Такой темы нет.
