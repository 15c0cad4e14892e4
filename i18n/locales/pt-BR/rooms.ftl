# A lista de salas (coluna da esquerda): salas, criar sala, proteger o apelido, notificações.

rooms-nav = Salas
rooms-heading-public = Salas
rooms-heading-private = Salas privadas
rooms-heading-direct = Mensagens diretas
rooms-private-name = { $name } (privada)
rooms-label-separator = {", "}
rooms-label-unread = { $count ->
    [one] { $count } não lida
   *[other] { $count } não lidas
}
rooms-label-unread-capped = { $count }+ não lidas
rooms-label-mentions = { $count ->
    [one] { $count } menção
   *[other] { $count } menções
}

rooms-new = Nova sala
# Nome de sala: só letras sem acento, dígitos, "-" e "_".
rooms-new-placeholder = nome-da-sala
rooms-create = Criar
rooms-new-private = Privada: só quem eu convidar

rooms-protect-section = Seu apelido
rooms-protected = 🔒 Seu apelido está protegido.
rooms-protect = Proteja seu apelido
rooms-protect-placeholder = senha (mín. 8 caracteres)
rooms-protect-submit = Definir senha

rooms-notify = Avisar quando me mencionarem
