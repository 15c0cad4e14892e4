# One message in the conversation, and its own page of plain forms (without JavaScript).

message-deleted = mensagem excluída
message-edited-at = editada às { $time }
message-edited = (editada)
message-more = Mais
message-mood = { $mood ->
    [positive] humor positivo
    [negative] humor negativo
   *[neutral] humor neutro
}
message-in-reply-to = Em resposta a { $author }: { $text }
message-people-separator = {", "}
message-reactions = Reações
message-actions = Ações da mensagem
message-reply = Responder
message-react = Reagir
message-edit = Editar
message-delete = Excluir
message-cannot-be-empty = A mensagem não pode ficar vazia; se quiser, exclua-a.
message-edit-field = Editar mensagem
message-save = Salvar
message-cancel = Cancelar

## The message's own page (/r/room/m/seq), used without JavaScript.

message-page-loading = Carregando…
message-page-back = ← Voltar para a conversa
message-page-title = Mensagem
message-page-reply-heading = Responder
message-page-your-reply = Sua resposta
message-page-react-heading = Reagir
message-page-react-with = Reagir com { $emoji }
message-page-edit-heading = Editar
message-page-new-text = Novo texto
message-page-delete-heading = Excluir
