picker-dialog = Escolha uma reação
picker-search = Buscar emoji
picker-none = Nenhum emoji encontrado.
