# The conversation of a room: header, message list, who is typing.

conversation-room-mood = Настроение комнаты: { $mood ->
    [positive] позитивное
    [negative] негативное
   *[neutral] нейтральное
}
conversation-whoami = Вы — { $name }
conversation-no-javascript = JavaScript отключён: новые сообщения появятся, когда вы что-нибудь отправите или перезагрузите страницу.
conversation-log = Переписка
conversation-loading-older = Загрузка более ранних сообщений…
conversation-load-older = Загрузить более ранние сообщения
conversation-new-messages = { $count ->
    [one] { $count } новое сообщение ↓
    [few] { $count } новых сообщения ↓
    [many] { $count } новых сообщений ↓
   *[other] { $count } нового сообщения ↓
}
conversation-sending = отправка…
conversation-typing-label = Набор текста
conversation-draft-separator = {": "}
conversation-typing = { $name } печатает…
conversation-empty = Здесь пока нет сообщений. Поздоровайтесь: все в комнате увидят это сразу.
