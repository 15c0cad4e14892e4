# Список комнат (левая колонка): комнаты, создание комнаты, защита ника, уведомления.

rooms-nav = Комнаты
rooms-heading-public = Комнаты
rooms-heading-private = Закрытые комнаты
rooms-heading-direct = Личные сообщения
rooms-private-name = { $name } (закрытая)
rooms-label-separator = {", "}
rooms-label-unread = { $count ->
    [one] { $count } непрочитанное
   *[other] { $count } непрочитанных
}
rooms-label-unread-capped = { $count }+ непрочитанных
rooms-label-mentions = { $count ->
    [one] { $count } упоминание
    [few] { $count } упоминания
    [many] { $count } упоминаний
   *[other] { $count } упоминания
}

rooms-new = Новая комната
# Название комнаты — только латиница, цифры, «-» и «_».
rooms-new-placeholder = например, book-club
rooms-create = Создать
rooms-new-private = Закрытая: только для приглашённых мной

rooms-protect-section = Ваш ник
rooms-protected = 🔒 Ваш ник защищён.
rooms-protect = Защитить ник паролем
rooms-protect-placeholder = пароль (от 8 символов)
rooms-protect-submit = Задать пароль

rooms-notify = Уведомлять об упоминаниях
