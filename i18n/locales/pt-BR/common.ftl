brand = Natter
test-messages = { $count ->
    [one] { $count } mensagem
   *[other] { $count } mensagens
}
language = Idioma
language-change = Mudar idioma
size-bytes = { $n ->
    [one] { $n } byte
   *[other] { $n } bytes
}
size-kb = { $value } KB
size-mb = { $value } MB
size-gb = { $value } GB
size-tb = { $value } TB
size-pb = { $value } PB
