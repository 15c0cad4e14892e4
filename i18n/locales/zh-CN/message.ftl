# One message in the conversation, and its own page of plain forms (without JavaScript).

message-deleted = 消息已删除
message-edited-at = 编辑于 { $time }
message-edited = （已编辑）
message-more = 更多
message-mood = { $mood ->
    [positive] 积极情绪
    [negative] 消极情绪
   *[neutral] 中性情绪
}
message-in-reply-to = 回复 { $author }：{ $text }
message-people-separator = 、
message-reactions = 表情回应
message-actions = 消息操作
message-reply = 回复
message-react = 添加回应
message-edit = 编辑
message-delete = 删除
message-cannot-be-empty = 消息不能为空；如不需要，请直接删除。
message-edit-field = 编辑消息
message-save = 保存
message-cancel = 取消

## The message's own page (/r/room/m/seq), used without JavaScript.

message-page-loading = 加载中…
message-page-back = ← 返回对话
message-page-title = 消息
message-page-reply-heading = 回复
message-page-your-reply = 你的回复
message-page-react-heading = 表情回应
message-page-react-with = 用 { $emoji } 回应
message-page-edit-heading = 编辑
message-page-new-text = 新内容
message-page-delete-heading = 删除
