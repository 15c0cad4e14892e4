# The live connection: its status, and notices about the room.

status-offline = 离线
status-connecting = 正在连接…
status-reconnecting = 正在重新连接…
status-connected = 已连接
# A quiet line in the conversation when someone comes or goes.
status-person-joined = { $name } 进入了房间
status-person-left = { $name } 离开了房间
# The reader was removed from a private room ($room is its name).
status-removed = 你已不再是房间 { $room } 的成员。
status-connected-http = 已通过 HTTP 连接
status-transport-websocket = 实时连接：WebSocket
status-transport-http = 实时连接：HTTP（服务器发送事件），因为此网络屏蔽了 WebSocket
