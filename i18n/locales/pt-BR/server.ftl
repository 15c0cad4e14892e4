# `natter --help`: o que é o servidor e cada configuração dele. Opções, URLs, caminhos e
# valores ficam como são digitados.

server-cli-about = Natter: um servidor de chat em tempo real
server-cli-addr = Endereço em que escutar.
server-cli-data-dir = Diretório do banco SQLite embutido (criado se não existir) e do que um nó guarda para si: o índice de busca e os arquivos de um nó SQLite, e a chave das sessões quando nenhum segredo é dado.
server-cli-database-url = Onde ficam as mensagens, as salas e as pessoas: postgres://user@host:5432/db (vários nós podem compartilhá-lo; veja docs/scaling.md) ou sqlite://CAMINHO (um arquivo de banco). Sem ele: natter.db no diretório de dados.
server-cli-redis-url = Redis (redis://host:6379) como barramento entre os nós: cada nó publica ali os eventos das suas salas, a digitação e a presença, e entrega os dos outros. Todo nó de um cluster precisa dele; um nó sozinho, não.
server-cli-site-root = Diretório do site gerado (a pasta pkg/ com WASM, JS e CSS).
server-cli-secret = Segredo que assina os cookies de sessão (pelo menos 32 bytes). Todos os nós de um cluster precisam do mesmo. Sem ele, uma chave aleatória é criada uma vez e guardada no diretório de dados.
server-cli-secret-file = Um arquivo com o segredo (em vez de --secret), por exemplo um montado em todos os nós.
server-cli-secure-cookies = Marcar os cookies de sessão como Secure (use quando o site é servido por HTTPS).
server-cli-allowed-origins = Origens (scheme://host[:port], separadas por vírgula), além da do próprio servidor, de onde os navegadores podem abrir a conexão ao vivo e enviar formulários (por exemplo, quando um proxy serve o site com outro nome).
server-cli-max-messages-per-second = Mensagens por segundo que uma conexão pode enviar (em rajadas, seis vezes isso); acima disso o cliente é avisado para ir mais devagar. Medições de capacidade bruta aumentam esse limite.
server-cli-max-connections = Conexões ao vivo atendidas ao mesmo tempo; acima disso uma nova é recusada (503, Retry-After) em vez de piorar a de todos.
server-cli-keepalive-secs = Segundos entre pings numa conexão ao vivo em que o cliente está calado. Uma que não responde nada (nem pong, nem quadro) por dois desses intervalos, ou que não aceita bytes por esse tempo, é derrubada: um notebook ou celular que sumiu sai da lista de presença e libera sua vaga.
server-cli-max-file-bytes = Maior arquivo que se pode enviar, em bytes.
server-cli-max-person-file-bytes = Bytes de arquivos que uma pessoa pode manter (os que ela enviou, até as mensagens serem apagadas).
server-cli-max-file-storage-bytes = Bytes de arquivos que o servidor guarda no total; acima disso os envios são recusados como "servidor cheio".
server-cli-uploads-per-minute = Envios de arquivo que uma pessoa pode fazer por minuto.
server-cli-file-store = Onde os arquivos ficam: file:///diretório, ou um bucket compatível com S3 s3://bucket?endpoint=https://…&region=… (credenciais das variáveis de ambiente da AWS). Sem ele: files/ no diretório de dados.
server-cli-log-format = Formato do log.
