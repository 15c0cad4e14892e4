# Командные строки natter и natter-tui: заголовки справки, её флаги и что не так с
# аргументами. Флаги, значения и имена аргументов ({ $arg }) остаются как набраны.

cli-usage = Использование:
cli-arguments = Аргументы:
cli-options = Параметры:
cli-help = Показать справку
cli-version = Показать версию
# После описания аргумента: значение по умолчанию, возможные значения, переменная окружения.
cli-notes = { $text } ({ $notes })
cli-notes-separator = { "; " }
cli-default = по умолчанию { $value }
cli-possible = возможные значения: { $values }
cli-env = переменная окружения { $name }

## Отказы.
cli-error = ошибка:
cli-unknown-argument = неизвестный аргумент «{ $arg }»
cli-value-required = для «{ $arg }» нужно значение
cli-invalid-value = недопустимое значение «{ $value }» для «{ $arg }»
cli-missing = не указаны обязательные аргументы: { $args }
cli-conflict = «{ $arg }» нельзя использовать вместе с «{ $other }»
cli-value-count = неверное число значений для «{ $arg }»
cli-no-equals = значение «{ $arg }» задаётся после «=»
cli-not-utf8 = в командной строке недопустимый UTF-8
cli-similar = подсказка: есть похожий аргумент «{ $arg }»
cli-more = Подробнее: «{ $flag }».
