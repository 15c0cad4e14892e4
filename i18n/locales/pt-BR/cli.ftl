# As linhas de comando de natter e natter-tui: os títulos da ajuda, as opções dela e o que
# está errado nos argumentos. Opções, valores e nomes de argumentos ({ $arg }) ficam como digitados.

cli-usage = Uso:
cli-arguments = Argumentos:
cli-options = Opções:
cli-help = Mostrar a ajuda
cli-version = Mostrar a versão
# Depois do texto de um argumento: o padrão, os valores possíveis e a variável de ambiente.
cli-notes = { $text } ({ $notes })
cli-notes-separator = { "; " }
cli-default = padrão { $value }
cli-possible = valores possíveis: { $values }
cli-env = variável de ambiente { $name }

## Recusas.
cli-error = erro:
cli-unknown-argument = argumento desconhecido “{ $arg }”
cli-value-required = “{ $arg }” precisa de um valor
cli-invalid-value = valor inválido “{ $value }” para “{ $arg }”
cli-missing = faltam argumentos obrigatórios: { $args }
cli-conflict = “{ $arg }” não pode ser usado junto com “{ $other }”
cli-value-count = número errado de valores para “{ $arg }”
cli-no-equals = o valor de “{ $arg }” vem depois de “=”
cli-not-utf8 = a linha de comando não é UTF-8 válido
cli-similar = dica: existe um argumento parecido: “{ $arg }”
cli-more = Para saber mais, use “{ $flag }”.
