brand = Natter
test-messages = { $count ->
    [one] { $count } mensagem
   *[other] { $count } mensagens
}
language = Idioma
language-change = Mudar idioma
