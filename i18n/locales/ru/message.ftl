# One message in the conversation, and its own page of plain forms (without JavaScript).

message-deleted = сообщение удалено
message-edited-at = изменено в { $time }
message-edited = (изменено)
message-more = Ещё
message-mood = { $mood ->
    [positive] позитивное настроение
    [negative] негативное настроение
   *[neutral] нейтральное настроение
}
message-in-reply-to = Ответ на сообщение { $author }: { $text }
message-people-separator = {", "}
message-reactions = Реакции
message-actions = Действия с сообщением
message-reply = Ответить
message-react = Отреагировать
message-edit = Изменить
message-delete = Удалить
message-cannot-be-empty = Сообщение не может быть пустым — удалите его.
message-edit-field = Изменить сообщение
message-save = Сохранить
message-cancel = Отмена

## The message's own page (/r/room/m/seq), used without JavaScript.

message-page-loading = Загрузка…
message-page-back = ← Назад к переписке
message-page-title = Сообщение
message-page-reply-heading = Ответ
message-page-your-reply = Ваш ответ
message-page-react-heading = Реакция
message-page-react-with = Реакция { $emoji }
message-page-edit-heading = Изменение
message-page-new-text = Новый текст
message-page-delete-heading = Удаление
