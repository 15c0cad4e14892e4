# Errors: what the server refused and why. In English the app shows the server's own
# sentence for a refusal (it is more specific); these texts are what other languages show,
# one per error code of the live protocol (error-<code>), plus the web pages' own errors.

## One per protocol error code.
error-bad-frame = Сервер не смог прочитать этот запрос.
error-no-nickname = Сначала выберите ник.
error-invalid-nickname = Ник может содержать от 1 до { $max ->
    [one] { $max } символа
   *[other] { $max } символов
}, без управляющих символов.
error-invalid-room = Название комнаты — от 1 до { $max ->
    [one] { $max } символа
   *[other] { $max } символов
}: латинские буквы, цифры, «-» и «_»; названия, начинающиеся с «dm-», зарезервированы для личных сообщений.
error-room-exists = Комната с таким названием уже есть.
error-unknown-room = Такой комнаты нет.
error-unknown-person = Человек с таким ником не найден.
error-not-allowed = У вас нет прав на это действие.
error-empty-message = Сообщение не может быть пустым.
error-message-too-long = Сообщение может содержать не больше { $max ->
    [one] { $max } символа
   *[other] { $max } символов
}.
error-not-joined = Сначала войдите в комнату.
error-nickname-taken = Этот ник занят. Если он ваш и защищён паролем, введите пароль.
error-wrong-password = Неверный пароль для этого ника.
error-too-many-attempts = Слишком много попыток ввода пароля для этого ника; подождите минуту и попробуйте снова.
error-invalid-client-id = Идентификатор сообщения неверен или уже занят.
error-store-unavailable = Сейчас это не удалось; попробуйте ещё раз чуть позже.
error-rate-limited = Помедленнее: слишком много запросов подряд.
error-unknown-message = Такого сообщения нет (или оно удалено).
error-invalid-emoji = Реакция — это один эмодзи.
error-too-many-reactions = У сообщения может быть не больше { $max ->
    [one] { $max } разной реакции
   *[other] { $max } разных реакций
}.
error-invalid-query = Введите слово для поиска (не больше { $max ->
    [one] { $max } символа
   *[other] { $max } символов
}).
error-unknown-upload = Не удалось отправить файл: он не ваш, уже отправлен или удалён (к сообщению можно прикрепить не больше { $max ->
    [one] { $max } файла
   *[other] { $max } файлов
}).

## The web pages' own errors.
error-not-found = Не найдено.
error-transport = Не удалось связаться с сервером; попробуйте ещё раз.
error-engine-down = Сервер чата не запущен.
error-history-unavailable = История сейчас недоступна; обновите страницу чуть позже.
error-server-busy = Сервер сейчас не смог это сделать; попробуйте ещё раз.
error-not-author = Изменить или удалить сообщение может только его автор.
error-password-too-short = Пароль должен содержать не меньше { $min ->
    [one] { $min } символа
   *[other] { $min } символов
}.
error-nickname-before-creating-rooms = Выберите ник, прежде чем создавать комнаты.
error-nickname-before-messaging = Выберите ник, прежде чем писать людям лично.
error-nickname-before-inviting = Выберите ник, прежде чем приглашать людей.
error-nickname-before-changing-members = Выберите ник, прежде чем менять состав участников.
error-nickname-before-posting = Выберите ник, прежде чем писать сообщения.
error-nickname-before-changing-messages = Выберите ник, прежде чем изменять сообщения.
error-nickname-before-reacting = Выберите ник, прежде чем ставить реакции.

# The language menu was sent a language the site does not have.
language-unknown = Этот язык недоступен.
