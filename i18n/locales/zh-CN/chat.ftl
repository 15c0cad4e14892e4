# The chat page: loading, the nickname prompt, a page that does not exist.

chat-loading = 加载中…
chat-not-found-title = 未找到
chat-not-found-text = 这里什么也没有。
chat-go-general = 前往 #general
chat-tagline = 取个名字，开始聊天吧。
chat-nickname = 昵称
chat-password = 密码
# After "Password": the field may be left empty.
chat-password-optional = （如果设置过）
chat-join = 加入
chat-rooms-button = 房间
chat-members-button = 成员
chat-skip-to-composer = 跳到消息输入框
