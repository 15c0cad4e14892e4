# The live connection: its status, and notices about the room.

status-offline = sem conexão
status-connecting = conectando…
status-reconnecting = reconectando…
status-connected = conectado
# A quiet line in the conversation when someone comes or goes.
status-person-joined = { $name } entrou
status-person-left = { $name } saiu
# The reader was removed from a private room ($room is its name).
status-removed = Você não é mais membro da sala { $room }.
status-connected-http = conectado via HTTP
status-transport-websocket = Conexão: WebSocket
status-transport-http = Conexão: HTTP (server-sent events), porque esta rede bloqueia WebSockets
