# The conversation of a room: header, message list, who is typing.

conversation-room-mood = 房间情绪：{ $mood ->
    [positive] 积极
    [negative] 消极
   *[neutral] 中性
}
conversation-whoami = 当前身份：{ $name }
conversation-no-javascript = JavaScript 已关闭：新消息会在你发送消息或刷新页面后显示。
conversation-log = 对话
conversation-loading-older = 正在加载更早的消息…
conversation-load-older = 加载更早的消息
conversation-new-messages = { $count ->
   *[other] { $count } 条新消息 ↓
}
conversation-sending = 发送中…
conversation-typing-label = 正在输入
conversation-draft-separator = ：
conversation-typing = { $name } 正在输入…
conversation-empty = 这里还没有消息。打个招呼吧：房间里的每个人都会立刻看到。
