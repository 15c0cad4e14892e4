# The chat page: loading, the nickname prompt, a page that does not exist.

chat-loading = Загрузка…
chat-not-found-title = Не найдено
chat-not-found-text = Здесь ничего нет.
chat-go-general = Перейти в #general
chat-tagline = Выберите имя и начинайте общаться.
chat-nickname = Ник
chat-password = Пароль
# After "Password": the field may be left empty.
chat-password-optional = (если вы его задали)
chat-join = Войти
chat-rooms-button = Комнаты
chat-members-button = Участники
chat-skip-to-composer = Перейти к полю сообщения
