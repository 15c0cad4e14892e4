# The conversation of a room: header, message list, who is typing.

conversation-room-mood = Humor da sala: { $mood ->
    [positive] positivo
    [negative] negativo
   *[neutral] neutro
}
conversation-whoami = Você é { $name }
conversation-no-javascript = O JavaScript está desativado: novas mensagens aparecem quando você envia algo ou recarrega a página.
conversation-log = Conversa
conversation-loading-older = Carregando mensagens anteriores…
conversation-load-older = Carregar mensagens anteriores
conversation-new-messages = { $count ->
    [one] { $count } nova mensagem ↓
   *[other] { $count } novas mensagens ↓
}
conversation-sending = enviando…
conversation-typing-label = Digitando
conversation-draft-separator = {": "}
conversation-typing = { $name } está digitando…
conversation-empty = Ainda não há mensagens aqui. Diga olá: todos na sala veem na hora.
