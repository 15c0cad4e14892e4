# Busca de mensagens: o campo no cabeçalho da sala e a página de resultados.

search-field = Buscar mensagens
search-back = ← Voltar ao chat
search-heading = Busca
search-searching = Buscando…
# Em pt, a forma "one" também vale para 0: por isso o [0] vem antes.
search-summary = { $count ->
    [0] Nada encontrado para “{ $query }”.
    [one] { $count } mensagem encontrada para “{ $query }”.
   *[other] { $count } mensagens encontradas para “{ $query }”.
}
search-summary-latest = { $count ->
    [one] A mensagem mais recente encontrada para “{ $query }”.
   *[other] As { $count } mensagens mais recentes encontradas para “{ $query }”.
}
search-older = Resultados anteriores
search-results = Resultados da busca
