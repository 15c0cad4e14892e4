# Люди в текущей комнате (правая колонка) и участники закрытой комнаты.

members-aside = Кто здесь
members-here-now = Сейчас здесь { $count ->
    [one] { $count } человек
    [few] { $count } человека
    [many] { $count } человек
   *[other] { $count } человека
}
members-here-now-list = Сейчас здесь
members-message = Написать
members-message-label = Написать { $name }
members-show-more = Показать ещё

members-section = Участники
members-heading = { $count ->
    [one] { $count } участник
    [few] { $count } участника
    [many] { $count } участников
   *[other] { $count } участника
}
members-creator = {" "}(создатель)
members-leave = Выйти
members-leave-label = Выйти из { $room }
members-remove = Исключить
members-remove-label = Исключить { $name }
members-invite-label = Пригласить
members-invite-placeholder = ник
members-invite = Пригласить
