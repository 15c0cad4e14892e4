# The live connection: its status, and notices about the room.

status-offline = не в сети
status-connecting = подключение…
status-reconnecting = переподключение…
status-connected = подключено
# A quiet line in the conversation when someone comes or goes.
status-person-joined = { $name } заходит в комнату
status-person-left = { $name } выходит из комнаты
# The reader was removed from a private room ($room is its name).
status-removed = Вы больше не участник комнаты { $room }.
status-connected-http = подключено через HTTP
status-transport-websocket = Соединение: WebSocket
status-transport-http = Соединение: HTTP (server-sent events), потому что в этой сети WebSocket заблокирован
