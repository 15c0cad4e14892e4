# The live connection: its status, and notices about the room.

status-offline = offline
status-connecting = connecting…
status-reconnecting = reconnecting…
status-connected = connected
# A quiet line in the conversation when someone comes or goes.
status-person-joined = { $name } joined
status-person-left = { $name } left
# The reader was removed from a private room ($room is its name).
status-removed = You are no longer a member of { $room }.
# The live connection goes over HTTP (server-sent events) where WebSockets are blocked.
status-connected-http = connected over HTTP
# The status's tooltip: which transport the live connection uses.
status-transport-websocket = Live connection: WebSocket
status-transport-http = Live connection: HTTP (server-sent events), because WebSockets are blocked on this network
