# Errors: what the server refused and why. In English the app shows the server's own
# sentence for a refusal (it is more specific); these texts are what other languages show,
# one per error code of the live protocol (error-<code>), plus the web pages' own errors.

## One per protocol error code.
error-bad-frame = O servidor não conseguiu ler essa solicitação.
error-no-nickname = Escolha um apelido primeiro.
error-invalid-nickname = Um apelido tem de 1 a { $max ->
    [one] { $max } caractere
   *[other] { $max } caracteres
}, sem caracteres de controle.
error-invalid-room = O nome da sala tem de 1 a { $max ->
    [one] { $max } caractere
   *[other] { $max } caracteres
}: letras sem acento, números, "-" e "_"; nomes que começam com "dm-" são reservados para mensagens diretas.
error-room-exists = Já existe uma sala com esse nome.
error-unknown-room = Essa sala não existe.
error-unknown-person = Ninguém com esse apelido foi encontrado.
error-not-allowed = Você não tem permissão para fazer isso.
error-empty-message = A mensagem não pode estar vazia.
error-message-too-long = Uma mensagem pode ter no máximo { $max ->
    [one] { $max } caractere
   *[other] { $max } caracteres
}.
error-not-joined = Entre na sala primeiro.
error-nickname-taken = Esse apelido já está em uso. Se ele for seu e tiver senha, digite a senha.
error-wrong-password = Senha incorreta para esse apelido.
error-too-many-attempts = Muitas tentativas de senha para este apelido; aguarde um minuto e tente de novo.
error-invalid-client-id = O identificador da mensagem é inválido ou já foi usado.
error-store-unavailable = Não foi possível fazer isso agora; tente de novo em instantes.
error-rate-limited = Mais devagar: muitas solicitações seguidas.
error-unknown-message = Essa mensagem não existe (ou foi apagada).
error-invalid-emoji = Uma reação é um único emoji.
error-too-many-reactions = Uma mensagem pode ter no máximo { $max ->
    [one] { $max } reação diferente
   *[other] { $max } reações diferentes
}.
error-invalid-query = Digite uma palavra para buscar (no máximo { $max ->
    [one] { $max } caractere
   *[other] { $max } caracteres
}).
error-unknown-upload = Não foi possível enviar o arquivo: ele não é seu, já foi enviado ou não existe mais (cada mensagem leva no máximo { $max ->
    [one] { $max } arquivo
   *[other] { $max } arquivos
}).

## The web pages' own errors.
error-not-found = Não encontrado.
error-transport = Não foi possível falar com o servidor; tente de novo.
error-engine-down = O servidor do chat não está em execução.
error-history-unavailable = O histórico está indisponível no momento; recarregue a página em instantes.
error-server-busy = O servidor não conseguiu fazer isso agora; tente de novo.
error-not-author = Só o autor pode editar ou apagar uma mensagem.
error-password-too-short = A senha precisa ter pelo menos { $min ->
    [one] { $min } caractere
   *[other] { $min } caracteres
}.
error-nickname-before-creating-rooms = Escolha um apelido antes de criar salas.
error-nickname-before-messaging = Escolha um apelido antes de enviar mensagens diretas.
error-nickname-before-inviting = Escolha um apelido antes de convidar pessoas.
error-nickname-before-changing-members = Escolha um apelido antes de alterar os membros.
error-nickname-before-posting = Escolha um apelido antes de enviar mensagens.
error-nickname-before-changing-messages = Escolha um apelido antes de alterar mensagens.
error-nickname-before-reacting = Escolha um apelido antes de reagir.

# The language menu was sent a language the site does not have.
language-unknown = Esse idioma não está disponível.
