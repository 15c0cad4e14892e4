theme = Tema
theme-system = Igual ao sistema
theme-light = Claro
theme-dark = Escuro
theme-change = Mudar tema
theme-unknown = Esse tema não existe.
