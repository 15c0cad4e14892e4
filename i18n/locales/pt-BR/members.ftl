# As pessoas da sala atual (coluna da direita) e os membros de uma sala privada.

members-aside = Pessoas na sala
members-here-now = Aqui agora: { $count ->
    [one] { $count } pessoa
   *[other] { $count } pessoas
}
members-here-now-list = Aqui agora
members-message = Conversar
members-message-label = Enviar mensagem para { $name }
members-show-more = Mostrar mais pessoas

members-section = Membros
members-heading = { $count ->
    [one] { $count } membro
   *[other] { $count } membros
}
members-creator = {" "}(criador)
members-leave = Sair
members-leave-label = Sair de { $room }
members-remove = Remover
members-remove-label = Remover { $name }
members-invite-label = Convidar
members-invite-placeholder = apelido
members-invite = Convidar
