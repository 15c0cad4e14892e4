brand = Natter
test-messages = { $count ->
    [one] { $count } сообщение
    [few] { $count } сообщения
    [many] { $count } сообщений
   *[other] { $count } сообщения
}
language = Язык
language-change = Сменить язык
size-bytes = { $n ->
    [one] { $n } байт
    [few] { $n } байта
   *[many] { $n } байт
}
size-kb = { $value } КБ
size-mb = { $value } МБ
size-gb = { $value } ГБ
size-tb = { $value } ТБ
size-pb = { $value } ПБ
