# O cliente de terminal (natter-tui). Nomes de comandos, as palavras digitadas depois deles
# (private, on, off), nomes de teclas e o y/n de uma pergunta ficam como estão.

## A linha de status.
tui-connected-as = conectado como { $nickname }
tui-connecting = conectando…
tui-reconnecting-in = reconectando em { $seconds } s
tui-offline = sem conexão
tui-status-hint = / para comandos · F2 pessoas · Ctrl-C sai
tui-uploading = Enviando { $name }…
tui-uploading-percent = Enviando { $name }… { $percent }%
tui-uploading-more = (+{ $count } na fila)

## Painéis e conversa.
tui-rooms = salas
tui-members = pessoas { $count }
tui-members-more = … mais { $count }
tui-typing = { $name } está digitando…
tui-typing-draft = { $name } está digitando: { $draft }
tui-new-below = { $count ->
    [one] { $count } nova ↓
   *[other] { $count } novas ↓
}
tui-more-below = ↓ tem mais abaixo
tui-older-load = … mensagens anteriores carregam conforme você rola
tui-message-deleted = mensagem excluída
tui-edited = (editada)
tui-sending = enviando…

## O título do campo de mensagem.
tui-title-selected = selecionada: /reply /react /edit /delete · Esc desmarca
tui-title-sharing = digitação visível
tui-title-hidden = digitação oculta
tui-title-replying = respondendo a { $name }: { $text } · Esc cancela
tui-title-editing = editando sua mensagem · Enter salva, Esc cancela
tui-title-password = Nova senha para { $nickname } (mín. 8 caracteres) · Esc cancela
tui-title-password-again = Digite a senha de novo · Esc cancela
tui-title-delete = excluir “{ $text }”? y/n

## /help.
tui-help-rooms = /join SALA · /create SALA [private] · /dm APELIDO · /invite APELIDO · /remove APELIDO · /leave
tui-help-account = /password (proteger seu apelido) · /typing on|off · /help · /quit
tui-help-select = Alt-Up/Alt-Down selecionam uma mensagem (Esc desmarca); estes comandos agem sobre ela ou, sem seleção, sobre:
tui-help-answer = /reply [TEXTO] a última mensagem de outra pessoa · /react EMOJI (👍 ou :+1:; de novo, desfaz)
tui-help-own = /edit [TEXTO] e /delete sua última mensagem · /search BUSCA (sozinho: limpa os resultados)
tui-help-upload = /upload CAMINHO [legenda] envia um arquivo (até 25 MiB; caminho com espaços vai entre aspas: "meu arquivo.png")
tui-help-compose = Enter envia, Alt-Enter quebra a linha, Up traz de volta o que você enviou, Tab completa nomes (também depois de @)
tui-help-move = PageUp/PageDown ou a roda do mouse rolam · Ctrl-N/Ctrl-P trocam de sala · F2 pessoas · Ctrl-T mostrar digitação · Ctrl-C sai

## Avisos na conversa.
tui-not-sent = Sem conexão: nada foi enviado.
tui-mentioned-you = { $name } mencionou você em { $room }: { $text }
tui-protected = Seu apelido { $nickname } está protegido: a partir de agora, ele exige esta senha.
tui-share-on = Agora os outros veem o que você digita.
tui-share-off = Agora os outros não veem o que você digita.
tui-nothing-here = Ainda não há nada aqui.
tui-selected-gone = A mensagem selecionada não existe mais.
tui-selected-deleted = A mensagem selecionada foi excluída.
tui-not-yours = Essa mensagem não é sua: você só pode editar e excluir as suas.
tui-no-answerable = Ainda não há mensagens de outras pessoas aqui.
tui-no-own = Você ainda não tem mensagens aqui.
tui-not-an-emoji = Não conheço o emoji { $word }: tente 👍, :+1:, :tada: ou :heart:.
tui-edit-needs-text = A mensagem editada precisa de texto: Esc cancela a edição, /delete exclui a mensagem.
tui-search-too-long = Uma busca tem no máximo { $max ->
    [one] { $max } caractere
   *[other] { $max } caracteres
}.
tui-searching = Buscando “{ $query }”…
tui-search-none = Nenhuma mensagem encontrada para “{ $query }”.
tui-search-one = 1 mensagem encontrada para “{ $query }”:
tui-search-found = { $count ->
    [one] { $count } mensagem encontrada para “{ $query }”, das mais novas para as mais antigas:
   *[other] { $count } mensagens encontradas para “{ $query }”, das mais novas para as mais antigas:
}
tui-search-newest = { $count ->
    [one] A mensagem mais recente encontrada para “{ $query }”:
   *[other] As { $count } mensagens mais recentes encontradas para “{ $query }”, das mais novas para as mais antigas:
}
tui-needs-on-off = /{ $command } precisa de on ou off.
tui-needs-emoji = /{ $command } precisa de um emoji: 👍, :+1:, :tada:…
tui-needs-room = /{ $command } precisa do nome de uma sala.
tui-needs-nickname = /{ $command } precisa de um apelido.
tui-unknown-command = Comando desconhecido: /{ $command }. Digite / para ver a lista.
tui-cannot-leave = Não dá para sair de { $room }.
tui-password-offline = Sem conexão: tente /password de novo quando a conexão voltar.
tui-password-alone = Digite só /password: a senha é pedida depois, sem aparecer na tela.
tui-password-cancelled = Nenhuma senha definida: nada mudou.
tui-password-empty = Nenhuma senha digitada: nada mudou.
tui-password-differ = As duas senhas são diferentes: nada mudou.

## /upload.
tui-upload-usage = /upload CAMINHO [legenda] (caminho com espaços vai entre aspas: "meu arquivo.png")
tui-upload-needs-file = Falta o arquivo: { $usage }.
tui-upload-space = Coloque um espaço entre o arquivo e a legenda: { $usage }.
tui-upload-quote-open = As aspas antes de { $path } não foram fechadas.
tui-upload-no-file = O arquivo { $path } não existe.
tui-upload-denied = Não foi possível ler { $path }: permissão negada.
tui-upload-unreadable = Não foi possível ler { $path }: { $error }.
tui-upload-folder = { $path } é uma pasta: /upload envia um arquivo só.
tui-upload-not-regular = { $path } não é um arquivo comum.
tui-upload-too-large = { $name } tem { $size }: um arquivo pode ter no máximo 25 MiB.
tui-upload-grew = { $name } passou de 25 MiB.
tui-upload-offline = Sem conexão: { $name } não foi enviado.
tui-upload-lost = { $name } não foi enviado: a conexão caiu.
tui-not-uploaded = { $name } não foi enviado: { $reason }
tui-upload-no-client = Não foi possível criar o cliente HTTP: { $error }
tui-upload-failed = O envio falhou: { $error }.
tui-upload-answer-cut = A resposta do servidor veio cortada: { $error }.
tui-upload-answer-not-file = A resposta do servidor ({ $status }) não é um arquivo salvo.
tui-upload-answered-reason = O servidor respondeu { $status } { $reason }.
tui-upload-answered = O servidor respondeu { $status }.
tui-upload-retry-in = Tente de novo em { $seconds } s.
tui-upload-refused-too-large = O arquivo é maior do que o servidor permite.
tui-upload-refused-type = Arquivos deste tipo não são permitidos.
tui-upload-refused-invalid = Não foi possível ler o arquivo.
tui-upload-refused-quota = Você usou todo o espaço para seus arquivos. Exclua algumas mensagens com arquivos primeiro.
tui-upload-refused-server-full = O servidor está cheio: por enquanto, não aceita mais arquivos.
tui-upload-refused-too-fast = Muitos envios seguidos.
tui-upload-refused-not-signed-in = Escolha um apelido primeiro.
tui-upload-refused-unavailable = O armazenamento de arquivos está indisponível; tente de novo.

## Início e conexão.
tui-password-prompt = Senha de { $nickname }:
tui-url-scheme = esquema { $scheme } não suportado: use http, https, ws ou wss
tui-url-no-host = falta o host em { $server }
tui-plain-lost = conexão perdida ({ $reason }); reconectando
tui-plain-stdin = erro ao ler a entrada padrão: { $error }
tui-lost-silent = o servidor parou de responder
tui-lost-no-answer = o servidor não respondeu
tui-lost-closed = o servidor fechou a conexão
tui-lost-closed-code = o servidor fechou a conexão ({ $code } { $reason })

tui-cli-about = Natter, o chat no terminal
tui-cli-server = O servidor: http://, https://, ws:// ou wss:// e o endereço dele (o caminho é ignorado).
tui-cli-nick = O apelido com que você conversa.
tui-cli-room = A sala que abre primeiro.
tui-cli-plain = Sem tela: envia cada linha da entrada padrão e imprime cada mensagem da sala.
tui-cli-no-bell = Não tocar o sino do terminal quando alguém mencionar você.
