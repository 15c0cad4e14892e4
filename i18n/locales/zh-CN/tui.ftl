# 终端客户端（natter-tui）。命令名、命令后输入的词（private、on、off）、按键名以及提问中的
# y/n 都是用户要输入或按下的内容，保持原样。

## 状态栏。
tui-connected-as = 已连接，昵称 { $nickname }
tui-connecting = 正在连接…
tui-reconnecting-in = { $seconds } 秒后重新连接
tui-offline = 离线
tui-status-hint = / 查看命令 · F2 成员 · Ctrl-C 退出
tui-uploading = 正在上传 { $name }…
tui-uploading-percent = 正在上传 { $name }… { $percent }%
tui-uploading-more = （还有 { $count } 个）

## 面板与对话。
tui-rooms = 房间
tui-members = 成员 { $count }
tui-members-more = … 还有 { $count } 人
tui-typing = { $name } 正在输入…
tui-typing-draft = { $name } 正在输入：{ $draft }
tui-new-below = { $count } 条新消息 ↓
tui-more-below = ↓ 下方还有消息
tui-older-load = … 滚动时会加载更早的消息
tui-message-deleted = 消息已删除
tui-edited = （已编辑）
tui-sending = 发送中…

## 输入框标题。
tui-title-selected = 已选中：/reply /react /edit /delete · Esc 取消选择
tui-title-sharing = 正在显示你输入的内容
tui-title-hidden = 输入内容已隐藏
tui-title-replying = 回复 { $name }：{ $text } · Esc 取消
tui-title-editing = 正在编辑你的消息 · Enter 保存，Esc 取消
tui-title-password = 为 { $nickname } 设置新密码（至少 8 个字符） · Esc 取消
tui-title-password-again = 请再输入一次 · Esc 取消
tui-title-delete = 删除“{ $text }”？y/n

## /help。
tui-help-rooms = /join 房间 · /create 房间 [private] · /dm 昵称 · /invite 昵称 · /remove 昵称 · /leave
tui-help-account = /password（为昵称设置密码保护） · /typing on|off · /help · /quit
tui-help-select = Alt-Up/Alt-Down 选择消息（Esc 取消选择）；以下命令作用于选中的消息，未选中时默认作用于：
tui-help-answer = /reply [文字] 他人的最后一条消息 · /react 表情（👍 或 :+1:，再次使用即撤回）
tui-help-own = /edit [文字] 和 /delete 你的最后一条消息 · /search 关键词（不带关键词：清除结果）
tui-help-upload = /upload 路径 [说明] 发送文件（最大 25 MiB；路径含空格时请加引号："my file.png"）
tui-help-compose = Enter 发送，Alt-Enter 换行，Up 调出已发送的内容，Tab 补全名称（@ 后也可以）
tui-help-move = PageUp/PageDown 或滚轮滚动 · Ctrl-N/Ctrl-P 切换房间 · F2 成员 · Ctrl-T 显示输入内容 · Ctrl-C 退出

## 对话中的提示。
tui-not-sent = 未连接：没有发送。
tui-mentioned-you = { $name } 在 { $room } 中提到了你：{ $text }
tui-protected = 你的昵称 { $nickname } 已受保护：今后使用它需要这个密码。
tui-share-on = 已开启：其他人可以看到你正在输入的内容。
tui-share-off = 已关闭：其他人看不到你正在输入的内容。
tui-nothing-here = 这里还没有消息。
tui-selected-gone = 选中的消息已不存在。
tui-selected-deleted = 选中的消息已被删除。
tui-not-yours = 这不是你的消息：你只能编辑和删除自己的消息。
tui-no-answerable = 这里还没有其他人的消息。
tui-no-own = 你在这里还没有发过消息。
tui-not-an-emoji = 不认识表情 { $word }：试试 👍、:+1:、:tada: 或 :heart:。
tui-edit-needs-text = 编辑后的消息不能为空：按 Esc 取消编辑，用 /delete 删除消息。
tui-search-too-long = 搜索内容最多 { $max } 个字符。
tui-searching = 正在搜索“{ $query }”…
tui-search-none = 没有与“{ $query }”匹配的消息。
tui-search-one = 找到 1 条与“{ $query }”匹配的消息：
tui-search-found = 找到 { $count } 条与“{ $query }”匹配的消息，最新的在前：
tui-search-newest = 与“{ $query }”匹配的最新 { $count } 条消息，最新的在前：
tui-needs-on-off = /{ $command } 后面需要加 on 或 off。
tui-needs-emoji = /{ $command } 后面需要加一个表情：👍、:+1:、:tada:…
tui-needs-room = /{ $command } 后面需要加房间名。
tui-needs-nickname = /{ $command } 后面需要加昵称。
tui-unknown-command = 未知命令 /{ $command }：输入 / 查看所有命令。
tui-cannot-leave = 无法退出 { $room }。
tui-password-offline = 未连接：连接后请再试一次 /password。
tui-password-alone = 请只输入 /password：之后会单独询问密码，且不会显示在屏幕上。
tui-password-cancelled = 未设置密码：没有任何更改。
tui-password-empty = 没有输入密码：没有任何更改。
tui-password-differ = 两次输入的密码不一致：没有任何更改。

## /upload。
tui-upload-usage = /upload 路径 [说明]（路径含空格时请加引号："my file.png"）
tui-upload-needs-file = 请指定文件：{ $usage }。
tui-upload-space = 文件和说明之间请加一个空格：{ $usage }。
tui-upload-quote-open = { $path } 前面的引号没有闭合。
tui-upload-no-file = 文件 { $path } 不存在。
tui-upload-denied = 无法读取 { $path }：没有权限。
tui-upload-unreadable = 无法读取 { $path }：{ $error }。
tui-upload-folder = { $path } 是文件夹：/upload 只能发送单个文件。
tui-upload-not-regular = { $path } 不是普通文件。
tui-upload-too-large = { $name } 大小为 { $size }：文件最大 25 MiB。
tui-upload-grew = { $name } 已超过 25 MiB。
tui-upload-offline = 未连接：{ $name } 没有上传。
tui-upload-lost = { $name } 没有上传：连接已断开。
tui-not-uploaded = { $name } 没有上传：{ $reason }
tui-upload-no-client = 无法创建 HTTP 客户端：{ $error }
tui-upload-failed = 上传失败：{ $error }。
tui-upload-answer-cut = 服务器的响应不完整：{ $error }。
tui-upload-answer-not-file = 服务器的响应（{ $status }）不是已保存的文件。
tui-upload-answered-reason = 服务器返回了 { $status } { $reason }。
tui-upload-answered = 服务器返回了 { $status }。
tui-upload-retry-in = 请在 { $seconds } 秒后重试。
tui-upload-refused-too-large = 文件超过了服务器允许的大小。
tui-upload-refused-type = 不允许上传此类型的文件。
tui-upload-refused-invalid = 无法读取该文件。
tui-upload-refused-quota = 你的文件空间已用完。请先删除一些带文件的消息。
tui-upload-refused-server-full = 服务器空间已满：暂时不再接收文件。
tui-upload-refused-too-fast = 上传过于频繁。
tui-upload-refused-not-signed-in = 请先选择昵称。
tui-upload-refused-unavailable = 文件存储暂不可用，请重试。

## 启动与连接。
tui-password-prompt = { $nickname } 的密码：
tui-url-scheme = 不支持的协议 { $scheme }：请使用 http、https、ws 或 wss
tui-url-no-host = { $server } 中没有主机名
tui-plain-lost = 连接已断开（{ $reason }）；正在重新连接
tui-plain-stdin = 读取标准输入时出错：{ $error }
tui-lost-silent = 服务器停止响应
tui-lost-no-answer = 服务器没有响应
tui-lost-closed = 服务器关闭了连接
tui-lost-closed-code = 服务器关闭了连接（{ $code } { $reason }）

tui-cli-about = Natter 终端聊天
tui-cli-server = 服务器：http://、https://、ws:// 或 wss:// 加主机地址（路径会被忽略）。
tui-cli-nick = 聊天时使用的昵称。
tui-cli-room = 要打开的房间。
tui-cli-plain = 无界面模式：逐行发送标准输入，并打印房间里的每条消息。
tui-cli-no-bell = 有人提到你时不响铃。
