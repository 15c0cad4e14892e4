# Терминальный клиент (natter-tui). Имена команд, слова после них (private, on, off),
# названия клавиш и y/n в вопросе набирают или нажимают как есть: их не переводим.

## Строка состояния.
tui-connected-as = подключено как { $nickname }
tui-connecting = подключение…
tui-reconnecting-in = переподключение через { $seconds } с
tui-offline = не в сети
tui-status-hint = / — команды · F2 — участники · Ctrl-C — выход
tui-uploading = Загрузка { $name }…
tui-uploading-percent = Загрузка { $name }… { $percent }%
tui-uploading-more = (и ещё { $count })

## Панели и переписка.
tui-rooms = комнаты
tui-members = участники { $count }
tui-members-more = … и ещё { $count }
tui-typing = { $name } печатает…
tui-typing-draft = { $name } печатает: { $draft }
tui-new-below = { $count ->
    [one] { $count } новое ↓
    [few] { $count } новых ↓
    [many] { $count } новых ↓
   *[other] { $count } новых ↓
}
tui-more-below = ↓ ниже есть ещё
tui-older-load = … более ранние сообщения подгрузятся при прокрутке
tui-message-deleted = сообщение удалено
tui-edited = (изменено)
tui-sending = отправка…

## Заголовок поля ввода.
tui-title-selected = выбрано: /reply /react /edit /delete · Esc — снять выбор
tui-title-sharing = набор виден всем
tui-title-hidden = набор скрыт
tui-title-replying = ответ { $name }: { $text } · Esc — отмена
tui-title-editing = правка сообщения · Enter — сохранить, Esc — отмена
tui-title-password = Новый пароль для { $nickname } (от 8 символов) · Esc — отмена
tui-title-password-again = Повторите пароль · Esc — отмена
tui-title-delete = удалить «{ $text }»? y/n

## /help.
tui-help-rooms = /join КОМНАТА · /create КОМНАТА [private] · /dm НИК · /invite НИК · /remove НИК · /leave
tui-help-account = /password (защитить ник паролем) · /typing on|off · /help · /quit
tui-help-select = Alt-Up/Alt-Down — выбрать сообщение (Esc снимает выбор); команды ниже действуют на него, а без выбора — на:
tui-help-answer = /reply [ТЕКСТ] — последнее сообщение другого участника · /react ЭМОДЗИ (👍 или :+1:, повторно — убрать)
tui-help-own = /edit [ТЕКСТ] и /delete — ваше последнее сообщение · /search ЗАПРОС (без запроса — убрать результаты)
tui-help-upload = /upload ПУТЬ [подпись] — отправить файл (до 25 МиБ; путь с пробелами берите в кавычки: "мой файл.png")
tui-help-compose = Enter — отправить, Alt-Enter — новая строка, Up — прежние сообщения, Tab — дополнить имя (и после @)
tui-help-move = PageUp/PageDown или колесо — прокрутка · Ctrl-N/Ctrl-P — другая комната · F2 — участники · Ctrl-T — показ набора · Ctrl-C — выход

## Уведомления в переписке.
tui-not-sent = Нет соединения: ничего не отправлено.
tui-mentioned-you = { $name } упоминает вас в { $room }: { $text }
tui-protected = Ваш ник { $nickname } защищён: теперь для входа под ним нужен этот пароль.
tui-share-on = Показ набора включён: другие видят, что вы пишете.
tui-share-off = Показ набора выключен: другие не видят, что вы пишете.
tui-nothing-here = Здесь пока ничего нет.
tui-selected-gone = Выбранного сообщения больше нет.
tui-selected-deleted = Выбранное сообщение удалено.
tui-not-yours = Это не ваше сообщение: изменять и удалять можно только свои.
tui-no-answerable = Здесь пока нет сообщений от других участников.
tui-no-own = У вас здесь пока нет сообщений.
tui-not-an-emoji = Не знаю такого эмодзи: { $word }. Попробуйте 👍, :+1:, :tada: или :heart:.
tui-edit-needs-text = Сообщение не может быть пустым: Esc отменяет правку, /delete удаляет сообщение.
tui-search-too-long = Поисковый запрос — не длиннее { $max ->
    [one] { $max } символа
   *[other] { $max } символов
}.
tui-searching = Ищем «{ $query }»…
tui-search-none = По запросу «{ $query }» ничего не найдено.
tui-search-one = По запросу «{ $query }» найдено 1 сообщение:
tui-search-found = { $count ->
    [one] По запросу «{ $query }» найдено { $count } сообщение, сначала новые:
    [few] По запросу «{ $query }» найдено { $count } сообщения, сначала новые:
    [many] По запросу «{ $query }» найдено { $count } сообщений, сначала новые:
   *[other] По запросу «{ $query }» найдено { $count } сообщения, сначала новые:
}
tui-search-newest = { $count ->
    [one] Последние { $count } сообщение по запросу «{ $query }», сначала новые:
    [few] Последние { $count } сообщения по запросу «{ $query }», сначала новые:
    [many] Последние { $count } сообщений по запросу «{ $query }», сначала новые:
   *[other] Последние { $count } сообщения по запросу «{ $query }», сначала новые:
}
tui-needs-on-off = Укажите после /{ $command } on или off.
tui-needs-emoji = Укажите после /{ $command } эмодзи: 👍, :+1:, :tada:…
tui-needs-room = Укажите после /{ $command } название комнаты.
tui-needs-nickname = Укажите после /{ $command } ник.
tui-unknown-command = Нет команды /{ $command }: список покажет /.
tui-cannot-leave = Из комнаты { $room } выйти нельзя.
tui-password-offline = Нет соединения: повторите /password, когда оно восстановится.
tui-password-alone = Введите /password без пароля: его спросят отдельно, и он не будет виден на экране.
tui-password-cancelled = Пароль не задан: ничего не изменилось.
tui-password-empty = Пароль не введён: ничего не изменилось.
tui-password-differ = Пароли не совпадают: ничего не изменилось.

## /upload.
tui-upload-usage = /upload ПУТЬ [подпись] (путь с пробелами берите в кавычки: "мой файл.png")
tui-upload-needs-file = Укажите файл: { $usage }.
tui-upload-space = Отделите файл от подписи пробелом: { $usage }.
tui-upload-quote-open = Кавычка перед { $path } не закрыта.
tui-upload-no-file = Файл { $path } не найден.
tui-upload-denied = Не удаётся прочитать { $path }: нет доступа.
tui-upload-unreadable = Не удаётся прочитать { $path }: { $error }.
tui-upload-folder = { $path } — это папка, а /upload отправляет один файл.
tui-upload-not-regular = { $path } — не обычный файл.
tui-upload-too-large = Размер { $name } — { $size }, а файл может быть не больше 25 МиБ.
tui-upload-grew = Файл { $name } вырос больше 25 МиБ.
tui-upload-offline = Нет соединения: файл { $name } не загружен.
tui-upload-lost = Файл { $name } не загружен: соединение прервалось.
tui-not-uploaded = Файл { $name } не загружен: { $reason }
tui-upload-no-client = Не удалось создать HTTP-клиент: { $error }
tui-upload-failed = Загрузка не удалась: { $error }.
tui-upload-answer-cut = Ответ сервера оборвался: { $error }.
tui-upload-answer-not-file = В ответе сервера ({ $status }) нет сохранённого файла.
tui-upload-answered-reason = Сервер ответил: { $status } { $reason }.
tui-upload-answered = Сервер ответил: { $status }.
tui-upload-retry-in = Попробуйте снова через { $seconds } с.
tui-upload-refused-too-large = Файл больше, чем допускает сервер.
tui-upload-refused-type = Файлы такого типа не принимаются.
tui-upload-refused-invalid = Не удалось прочитать файл.
tui-upload-refused-quota = Место для ваших файлов закончилось. Сначала удалите несколько сообщений с файлами.
tui-upload-refused-server-full = На сервере нет места: пока он не принимает файлы.
tui-upload-refused-too-fast = Слишком много загрузок подряд.
tui-upload-refused-not-signed-in = Сначала выберите ник.
tui-upload-refused-unavailable = Хранилище файлов недоступно; попробуйте ещё раз.

## Запуск и соединение.
tui-password-prompt = Пароль для { $nickname }:
tui-url-scheme = схема { $scheme } не поддерживается: используйте http, https, ws или wss
tui-url-no-host = в адресе { $server } нет хоста
tui-plain-lost = соединение потеряно ({ $reason }); переподключаемся
tui-plain-stdin = ошибка чтения стандартного ввода: { $error }
tui-lost-silent = сервер перестал отвечать
tui-lost-no-answer = сервер не ответил
tui-lost-closed = сервер закрыл соединение
tui-lost-closed-code = сервер закрыл соединение ({ $code } { $reason })

tui-cli-about = Natter — чат в терминале
tui-cli-server = Сервер: http://, https://, ws:// или wss:// и его адрес (путь не учитывается).
tui-cli-nick = Ваш ник в чате.
tui-cli-room = Какую комнату открыть.
tui-cli-plain = Без экрана: каждая строка стандартного ввода отправляется, каждое сообщение комнаты печатается.
tui-cli-no-bell = Не подавать звуковой сигнал, когда вас упоминают.
