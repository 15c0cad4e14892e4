# The chat page: loading, the nickname prompt, a page that does not exist.

chat-loading = Carregando…
chat-not-found-title = Não encontrado
chat-not-found-text = Não há nada aqui.
chat-go-general = Ir para #general
chat-tagline = Escolha um nome e comece a conversar.
chat-nickname = Apelido
chat-password = Senha
# After "Password": the field may be left empty.
chat-password-optional = (se você definiu uma)
chat-join = Entrar
chat-rooms-button = Salas
chat-members-button = Pessoas
chat-skip-to-composer = Ir para a caixa de mensagem
